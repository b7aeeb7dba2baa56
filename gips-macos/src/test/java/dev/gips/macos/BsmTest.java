package dev.gips.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Credentials come from the sender's audit token, in libbsm's order (bsm/libbsm.h, audit_token_to_au32:
 * auid, euid, egid, ruid, rgid, pid, asid, pidversion); gips 0.2.0 took its gids from the wrong words.
 */
class BsmTest {
    private static final int[] TOKEN = {500, 501, 20, 502, 21, 4242, 100007, 3};

    @Test
    void pidEuidAndEgidComeFromTheirWords() {
        Credentials c = Bsm.credentials(TOKEN, new int[] {12, 20, 61});
        assertEquals(4242, c.pid());
        assertEquals("501", c.uid());
        assertEquals(List.of("20", "12", "61"), c.gidList(), "egid first, groups after, no duplicate");
        assertFalse(c.isPrivileged());
    }

    @Test
    void realIdsAndTheAuditUserAreNotUsed() {
        Credentials c = Bsm.credentials(TOKEN, new int[0]);
        assertFalse(c.gidList().contains("502"), "ruid is not a gid (gips 0.2.0's bug)");
        assertFalse(c.gidList().contains("21"), "rgid is not the effective gid");
        assertEquals(List.of("20"), c.gidList());
    }

    @Test
    void rootIsPrivilegedAndIdsAreUnsigned() {
        int[] root = {0, 0, 0, 0, 0, 1, 0, 0};
        assertTrue(Bsm.credentials(root, new int[0]).isPrivileged());
        int[] nobody = {-2, -2, -2, -2, -2, 77, 0, 0};
        Credentials c = Bsm.credentials(nobody, new int[0]);
        assertEquals("4294967294", c.uid());
        assertEquals(List.of("4294967294"), c.gidList());
    }

    @Test
    void aTokenHasEightWords() {
        assertThrows(IllegalArgumentException.class, () -> Bsm.credentials(new int[7], new int[0]));
    }
}
