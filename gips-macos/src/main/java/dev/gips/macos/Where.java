package dev.gips.macos;

import dev.gips.ipc.NoSuchServiceException;
import dev.gips.spi.ErrorSite;
import dev.gips.spi.IoErrors;
import java.io.IOException;

/**
 * What an error message names: the service (or shared memory name) an operation was about and, if it differs, where
 * it lives. Every {@link IOException} of this backend is built here, so all have {@link IoErrors}' one shape:
 * {@code bootstrap_look_up "com.example.echo": BOOTSTRAP_UNKNOWN_SERVICE (0x44e)}.
 *
 * @param service the service or object name, or {@code null} for the process itself ({@link #PROCESS})
 * @param address where it lives, or {@code null} (a launchd name is its own address)
 */
record Where(String service, String address) implements ErrorSite {
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

    /** {@code op "service": ENAME: text} for an errno. */
    IOException errno(String operation, int errno) {
        return error(operation, Errno.describe(errno));
    }

    /** Nobody serves the name: see {@link IoErrors#noService}. */
    NoSuchServiceException noService(String operation, int kernReturn) {
        return noService(operation, KernReturn.describe(kernReturn));
    }
}
