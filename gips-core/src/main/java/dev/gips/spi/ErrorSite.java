package dev.gips.spi;

import dev.gips.ipc.NoSuchServiceException;
import java.io.EOFException;
import java.io.IOException;

/**
 * What an error message names: the service (or shared memory object, or account) an operation was about, and where it
 * lives on this OS. Each backend's {@code Where} record implements it and adds the methods that turn its own error
 * codes (errno, {@code kern_return_t}, {@code GetLastError}) into the detail, so that every message has
 * {@link IoErrors}' one shape.
 */
public interface ErrorSite {
    /** The service or object name as the user gave it, or {@code null} for the process itself. */
    String service();

    /** Where it lives (a socket path, a pipe path), or {@code null} where the name is its own address. */
    String address();

    /** {@code op "service" (address): detail}. */
    default IOException error(String operation, String detail) {
        return IoErrors.io(operation, service(), address(), detail);
    }

    /** The peer has gone: an {@link EOFException}, as a receive reports the end. */
    default EOFException eof(String operation, String detail) {
        return new EOFException(message(operation, detail));
    }

    /** Nobody serves the name: see {@link IoErrors#noService}; {@code osError} is the OS error as {@code NAME: text}. */
    default NoSuchServiceException noService(String operation, String osError) {
        return IoErrors.noService(operation, service(), address(), osError);
    }

    /** The message alone, for exceptions of another type ({@code FileAlreadyExistsException}…). */
    default String message(String operation, String detail) {
        return IoErrors.message(operation, service(), address(), detail);
    }
}
