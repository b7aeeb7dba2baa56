package dev.gips.macos;

import java.io.IOException;

/**
 * A received Mach message that does not follow gips' wire format. By the time it is thrown, every right and
 * region carried in the message body was released; the header's reply port stays with the receiver, which uses
 * it to tell which peer misbehaved.
 */
final class MalformedMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedMessageException(String message) {
        super(message);
    }
}
