package dev.gips.windows;

import dev.gips.ipc.NoSuchServiceException;
import dev.gips.spi.ErrorSite;
import dev.gips.spi.IoErrors;
import java.io.IOException;

/**
 * What an error message names: the service (or section, or account) an operation was about and where it lives, such
 * as its pipe path. Every {@link IOException} of this backend is built here, so all have {@link IoErrors}' one shape:
 * {@code connect "com.example.echo" (\\.\pipe\com.example.echo): ERROR_PIPE_BUSY: All pipe instances are busy}.
 *
 * @param service the service, section or account name, or {@code null} ({@link #PROCESS}, a poller)
 * @param address where it lives (a pipe path, {@code Local\name}), or {@code null}
 */
record Where(String service, String address) implements ErrorSite {
    /** Operations on no service or object of the user's: this process's handles, token, completion port. */
    static final Where PROCESS = new Where(null, null);

    /** {@code op "service" (address): NAME: text} for a {@code GetLastError} code. */
    IOException error(String operation, int lastError) {
        return error(operation, WinError.describe(lastError));
    }

    /** Nobody serves the name: see {@link IoErrors#noService}. */
    NoSuchServiceException noService(String operation, int lastError) {
        return noService(operation, WinError.describe(lastError));
    }
}
