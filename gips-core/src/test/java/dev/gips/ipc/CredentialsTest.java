package dev.gips.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Credentials record: defensive copy, null checks, value semantics. */
class CredentialsTest {

    @Test
    void gidListIsCopiedAndUnmodifiable() {
        List<String> gids = new ArrayList<>(List.of("100", "27"));
        Credentials c = new Credentials(5, "1000", gids, false);
        gids.add("0");
        assertEquals(List.of("100", "27"), c.gidList(), "later changes to the caller's list must not show");
        assertThrows(UnsupportedOperationException.class, () -> c.gidList().add("0"));
        assertThrows(UnsupportedOperationException.class, () -> c.gidList().set(0, "0"));
    }

    @Test
    void primaryGroupStaysFirst() {
        Credentials c = new Credentials(5, "1000", List.of("1000", "4", "27"), false);
        assertEquals("1000", c.gidList().get(0));
        assertEquals(List.of("1000", "4", "27"), c.gidList());
    }

    @Test
    void nullsAreRefused() {
        assertThrows(NullPointerException.class, () -> new Credentials(5, null, List.of("1"), false));
        assertThrows(NullPointerException.class, () -> new Credentials(5, "1", null, false));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> new Credentials(5, "1", withNull, false));
    }

    @Test
    void equalsByValue() {
        Credentials a = new Credentials(5, "1000", List.of("1000"), false);
        Credentials b = new Credentials(5, "1000", new ArrayList<>(List.of("1000")), false);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Credentials(6, "1000", List.of("1000"), false));
        assertNotEquals(a, new Credentials(5, "1001", List.of("1000"), false));
        assertNotEquals(a, new Credentials(5, "1000", List.of("1001"), false));
        assertNotEquals(a, new Credentials(5, "1000", List.of("1000"), true));
    }

    @Test
    void currentProcessWithoutABackendNamesTheArtifactToAdd() {
        // gips-core's test class path has no backend
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                Credentials::currentProcess);
        assertTrue(e.getMessage().contains("gips-all"), e.getMessage());
    }
}
