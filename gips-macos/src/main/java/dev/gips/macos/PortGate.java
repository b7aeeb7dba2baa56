package dev.gips.macos;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is using a port name (or a kqueue descriptor), releasing it exactly once after the last user left, so that no
 * thread ever calls into a name that was released and maybe reused for another right.
 */
final class PortGate {
    private static final int CLOSING = 1;
    private static final int RELEASED = 2;
    private static final int USER = 4;

    private final AtomicInteger state = new AtomicInteger();
    private final Runnable release;

    /** {@code release} frees the names; it runs once, on the thread that leaves last. */
    PortGate(Runnable release) {
        this.release = release;
    }

    /** Enters as a user; pair with {@link #exit()}. */
    void enter() throws ClosedChannelException {
        for (;;) {
            int s = state.get();
            if ((s & CLOSING) != 0) {
                throw new ClosedChannelException();
            }
            if (state.compareAndSet(s, s + USER)) {
                return;
            }
        }
    }

    /** Leaves; the last user out after {@link #close} releases. */
    void exit() {
        if (state.addAndGet(-USER) == CLOSING && state.compareAndSet(CLOSING, CLOSING | RELEASED)) {
            release.run();
        }
    }

    /**
     * Marks the gate closing; if users are inside, runs {@code wake} (the names still valid) so they return.
     *
     * @return whether this call was the one that closed
     */
    boolean close(Runnable wake) {
        int s = state.getAndUpdate(v -> (v & CLOSING) != 0 ? v : (v | CLOSING) + USER);
        if ((s & CLOSING) != 0) {
            return false;
        }
        try {
            if (s >= USER) {
                wake.run();
            }
        } finally {
            exit();
        }
        return true;
    }

    /** Whether {@link #close} was called. */
    boolean isClosing() {
        return (state.get() & CLOSING) != 0;
    }
}
