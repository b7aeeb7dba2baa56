package dev.gips.ipc;

import java.io.IOException;

/**
 * A custom access rule, run once per client when it connects, after the uid, group and privilege rules passed.
 * Throwing refuses the client: {@link Policy#check} wraps whatever it throws (an {@link IOException} such as a
 * {@link PermissionDeniedException}, or a runtime exception) into a {@link PermissionDeniedException} that names the
 * client and keeps the validator's exception as its cause.
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
