package dev.gips.macos;

import dev.gips.ipc.NoSuchServiceException;
import dev.gips.spi.IoErrors;
import java.io.EOFException;
import java.io.IOException;

/**
 * What an error message names: the service (or shared memory name) an operation was about and, if it differs, where
 * it lives. Every {@link IOException} of this backend is built here, so all have {@link IoErrors}' one shape:
 * {@code bootstrap_look_up "com.example.echo": BOOTSTRAP_UNKNOWN_SERVICE (0x44e)}.
 *
 * @param service the service or object name, or {@code null} for the process itself ({@link #PROCESS})
 * @param address where it lives, or {@code null} (a launchd name is its own address)
 */
record Where(String service, String address) {
    /** Operations on no service or object: this process's ports, groups, descriptors. */
    static final Where PROCESS = new Where(null, null);

    /** A launchd service, or a shared memory object: known by its name alone. */
    static Where of(String name) {
        return new Where(name, null);
    }

    /** {@code op "service": NAME (0x…)} for a {@code kern_return_t}, {@code mach_msg_return_t} or bootstrap code. */
    IOException error(String operation, int kernReturn) {
        return error(operation, KernReturn.describe(kernReturn));
    }

    /** {@code op "service": detail}. */
    IOException error(String operation, String detail) {
        return IoErrors.io(operation, service, address, detail);
    }

    /** {@code op "service": ENAME: text} for an errno. */
    IOException errno(String operation, int errno) {
        return error(operation, Errno.describe(errno));
    }

    /** The peer has gone: an {@link EOFException}, as a receive reports the end. */
    EOFException eof(String operation, String detail) {
        return new EOFException(message(operation, detail));
    }

    /** Nobody serves the name: see {@link IoErrors#noService}. */
    NoSuchServiceException noService(String operation, int kernReturn) {
        return IoErrors.noService(operation, service, address, KernReturn.describe(kernReturn));
    }

    /** The message alone, for exceptions of another type ({@code FileAlreadyExistsException}…). */
    String message(String operation, String detail) {
        return IoErrors.message(operation, service, address, detail);
    }
}
