package dev.gips.spi;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Without a backend on the class path (gips-core's tests have none), the failure says what to add. */
class BackendsTest {

    @Test
    void withoutABackendGetNamesTheOsAndTheArtifactToAdd() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, Backends::get);
        String m = e.getMessage();
        assertTrue(m.contains("os.name=" + System.getProperty("os.name")), m);
        assertTrue(m.contains("os.arch=" + System.getProperty("os.arch")), m);
        assertTrue(m.contains("gips-all"), m);
        assertTrue(m.contains("none"), "it says that no backend is on the class path: " + m);
    }

    @Test
    void eachCallGetsItsOwnException() {
        UnsupportedOperationException first = assertThrows(UnsupportedOperationException.class, Backends::get);
        UnsupportedOperationException second = assertThrows(UnsupportedOperationException.class, Backends::get);
        assertNotSame(first, second);
        assertTrue(second.getMessage().equals(first.getMessage()));
    }
}
