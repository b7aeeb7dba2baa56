package dev.gips.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The parts of the channels that need no system call: service-name rules. */
class PureLogicTest {
    @Test
    void serviceNamesFitLaunchdsNameT() {
        assertEquals(127, Namespace.checkName("a".repeat(127)).length);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("é".repeat(64)));
        assertTrue(tooLong.getMessage().contains("128 bytes of UTF-8; launchd allows at most 127"),
                tooLong.getMessage());
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("com.example\0echo"));
        assertTrue(nul.getMessage().contains("NUL"), nul.getMessage());
        IllegalArgumentException abstractName = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("\0abstract"));
        assertTrue(abstractName.getMessage().contains("abstract socket, on Linux only"), abstractName.getMessage());
    }
}
