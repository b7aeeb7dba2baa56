package dev.gips.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Region names: POSIX shm rules, a leading '/' added, so "data" and "/data" are the same region (DESIGN §4). */
class ShmNameTest {

    @Test
    void aLeadingSlashIsAddedOnce() {
        assertEquals("/data", ShmNames.normalise("data"));
        assertEquals("/data", ShmNames.normalise("/data"));
        assertEquals("/gips-test.named_1", ShmNames.normalise("gips-test.named_1"));
    }

    @Test
    void namesPosixShmCannotHoldAreRefusedWithTheReason() {
        assertReason("", "empty");
        assertReason("/", "empty");
        assertReason("a/b", "'/'");
        assertReason("//a", "'/'");
        assertReason("a\0b", "NUL");
        assertReason(".", "'.' or '..'");
        assertReason("/..", "'.' or '..'");
        assertReason("x".repeat(256), "more than 255 bytes");
        assertReason("é".repeat(128), "more than 255 bytes");   // 256 bytes in UTF-8
        assertEquals("/" + "x".repeat(255), ShmNames.normalise("x".repeat(255)));
        assertThrows(NullPointerException.class, () -> ShmNames.normalise(null));
    }

    private static void assertReason(String name, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShmNames.normalise(name));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void sizeNeedsMappedWithinCapacity() {
        assertEquals(new Size(5, 5), Size.of(5));
        assertThrows(IllegalArgumentException.class, () -> new Size(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> new Size(6, 5));
    }
}
