package dev.gips.internal;

import java.nio.channels.ClosedChannelException;

/**
 * A {@link ClosedChannelException} that says which object is closed: the JDK's has no message, so a caller would
 * see {@code null}. Callers catch {@code ClosedChannelException}, as the API documents.
 */
public final class ClosedException extends ClosedChannelException {
    private static final long serialVersionUID = 1L;

    private final String message;

    /** @param message what is closed, e.g. {@code Listener "com.example.echo" (/tmp/com.example.echo): closed} */
    public ClosedException(String message) {
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
