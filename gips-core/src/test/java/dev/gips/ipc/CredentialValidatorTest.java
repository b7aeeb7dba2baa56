package dev.gips.ipc;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 16, item 8: whatever a validator throws refuses the client, an Error included; check throws nothing else. */
class CredentialValidatorTest {
    private static final Credentials ALICE = new Credentials(4242, "1000", List.of("1000"), false);

    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    @Test
    void aStackOverflowInTheValidatorRefusesTheClient() {
        Policy p = new Policy().withCredentialValidator(c -> recurse(0));
        PermissionDeniedException e = assertThrows(PermissionDeniedException.class, () -> p.check(ALICE));
        assertTrue(e.getCause() instanceof StackOverflowError, String.valueOf(e.getCause()));
        assertTrue(e.getMessage().contains("pid 4242"), e.getMessage());
    }

    @Test
    void anyErrorOrRuntimeExceptionInTheValidatorRefusesTheClient() {
        for (Throwable t : List.of(new AssertionError("broken rule"), new OutOfMemoryError("fake"),
                new IllegalStateException("bug"))) {
            Policy p = new Policy().withCredentialValidator(c -> {
                if (t instanceof Error error) {
                    throw error;
                }
                throw (RuntimeException) t;
            });
            PermissionDeniedException e = assertThrows(PermissionDeniedException.class, () -> p.check(ALICE));
            assertSame(t, e.getCause());
            assertTrue(e.getMessage().contains(t.getMessage()), e.getMessage());
        }
    }
}
