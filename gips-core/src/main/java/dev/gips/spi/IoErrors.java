package dev.gips.spi;

import dev.gips.ipc.NoSuchServiceException;
import java.io.IOException;

/** Builds the one shape of I/O error message used everywhere. */
public final class IoErrors {
    private IoErrors() {}

    /**
     * {@code connect "com.example.echo" (/tmp/com.example.echo): ECONNREFUSED: Connection refused}.
     *
     * @param operation what failed ({@code connect}, {@code sendmsg}…)
     * @param service   the service name as the user gave it, or {@code null}
     * @param address   where it lives on this OS, or {@code null}
     * @param detail    the OS error: {@code NAME: text}
     */
    public static String message(String operation, String service, String address, String detail) {
        StringBuilder sb = new StringBuilder(operation);
        if (service != null) {
            sb.append(" \"").append(service).append('"');
        }
        if (address != null && !address.equals(service)) {
            sb.append(" (").append(address).append(')');
        }
        return sb.append(": ").append(detail).toString();
    }

    /** An {@link IOException} with {@link #message}. */
    public static IOException io(String operation, String service, String address, String detail) {
        return new IOException(message(operation, service, address, detail));
    }

    /**
     * A {@link NoSuchServiceException} for a connect that found nobody serving the name, in words besides the OS
     * error: {@code connect "x" (/tmp/x): no service is listening: is the server running? (ENOENT: No such file or
     * directory)}.
     *
     * @param osError the OS error that showed it: {@code NAME: text}
     */
    public static NoSuchServiceException noService(String operation, String service, String address, String osError) {
        return new NoSuchServiceException(message(operation, service, address,
                "no service is listening: is the server running? (" + osError + ")"));
    }
}
