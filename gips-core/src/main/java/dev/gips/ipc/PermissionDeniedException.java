package dev.gips.ipc;

import java.io.IOException;

/** A peer was refused by an access {@link Policy}. */
public class PermissionDeniedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** With a message that says which rule refused whom. */
    public PermissionDeniedException(String message) {
        super(message);
    }

    /** With a message and the validator's exception. */
    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
