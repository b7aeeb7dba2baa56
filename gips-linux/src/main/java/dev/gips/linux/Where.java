package dev.gips.linux;

import dev.gips.ipc.NoSuchServiceException;
import dev.gips.spi.ErrorSite;
import java.io.IOException;

/**
 * A service as error messages name it: the name the user gave and the socket address it resolved to.
 *
 * @param service the service name
 * @param address the socket path, or {@code @name} for an abstract socket
 */
record Where(String service, String address) implements ErrorSite {
    /** {@code op "service" (address): ENAME: text}. */
    IOException error(String operation, int errno) {
        return error(operation, Errno.describe(errno));
    }

    /** {@code op "service" (address): no service is listening: is the server running? (ENAME: text)}. */
    NoSuchServiceException noService(String operation, int errno) {
        return noService(operation, Errno.describe(errno));
    }

    /** {@link #noService(String, int)} with what the OS error means here, such as a missing directory. */
    NoSuchServiceException noService(String operation, int errno, String why) {
        return noService(operation, Errno.describe(errno) + "; " + why);
    }
}
