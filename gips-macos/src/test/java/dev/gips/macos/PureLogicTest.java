package dev.gips.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The parts of the channels that need no system call: service-name rules and the release-once gate. */
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
    }

    @Test
    void theGateReleasesOnceAfterTheLastUserLeft() throws Exception {
        AtomicInteger released = new AtomicInteger();
        AtomicInteger woken = new AtomicInteger();
        PortGate gate = new PortGate(released::incrementAndGet);
        gate.enter();
        assertTrue(gate.close(woken::incrementAndGet), "first close closes");
        assertEquals(1, woken.get(), "a user inside is woken");
        assertEquals(0, released.get(), "not while a user is inside");
        assertThrows(ClosedChannelException.class, gate::enter);
        assertFalse(gate.close(woken::incrementAndGet), "second close does nothing");
        gate.exit();
        assertEquals(1, released.get());
        assertTrue(gate.isClosing());
    }

    @Test
    void anIdleGateReleasesAtCloseWithoutWaking() {
        AtomicInteger released = new AtomicInteger();
        AtomicInteger woken = new AtomicInteger();
        PortGate gate = new PortGate(released::incrementAndGet);
        gate.close(woken::incrementAndGet);
        assertEquals(1, released.get());
        assertEquals(0, woken.get());
    }
}
