package dev.gips.ipc;

import java.io.IOException;

/**
 * A custom access rule, run once per client when it connects, after the uid, group and privilege rules passed.
 * Throwing refuses the client; an {@link IOException} that is not a {@link PermissionDeniedException}, and any
 * runtime exception, is wrapped into one.
 *
 * <p>Validators run on the thread that called {@code accept}; keep them short.
 */
@FunctionalInterface
public interface CredentialValidator {
    /**
     * Refuses {@code credentials} by throwing.
     *
     * @throws IOException to refuse the client
     */
    void validate(Credentials credentials) throws IOException;
}
