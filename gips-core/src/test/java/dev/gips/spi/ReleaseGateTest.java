package dev.gips.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gate every backend puts in front of its OS objects: release exactly once, after the last user left. */
class ReleaseGateTest {
    @Test
    void theGateReleasesOnceAfterTheLastUserLeft() throws Exception {
        AtomicInteger released = new AtomicInteger();
        AtomicInteger woken = new AtomicInteger();
        ReleaseGate gate = new ReleaseGate(released::incrementAndGet);
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
        ReleaseGate gate = new ReleaseGate(released::incrementAndGet);
        gate.close(woken::incrementAndGet);
        assertEquals(1, released.get());
        assertEquals(0, woken.get());
    }

    @Test
    void tryEnterRefusesOnceClosing() {
        AtomicInteger released = new AtomicInteger();
        ReleaseGate gate = new ReleaseGate(released::incrementAndGet);
        assertTrue(gate.tryEnter());
        gate.close(() -> { });
        assertFalse(gate.tryEnter(), "no new user once closing");
        gate.exit();
        assertEquals(1, released.get());
    }
}
