package dev.gips.linux;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is using a descriptor, and releasing it exactly once after the last user left, so that no thread ever calls
 * into a descriptor number that was closed and maybe reused (the pattern of NIO's {@code SocketChannelImpl}).
 */
final class FdGate {
    private static final int CLOSING = 1;
    private static final int RELEASED = 2;
    private static final int USER = 4;

    private final AtomicInteger state = new AtomicInteger();
    private final Runnable release;

    /** {@code release} frees the descriptor; it runs once, on the thread that leaves last. */
    FdGate(Runnable release) {
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

    /** Enters if not closing; {@code false} otherwise. */
    boolean tryEnter() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSING) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + USER)) {
                return true;
            }
        }
    }

    /** Leaves; the last user out after {@link #close} releases. */
    void exit() {
        if (state.addAndGet(-USER) == CLOSING) {
            tryRelease();
        }
    }

    /**
     * Marks the gate closing. If users are inside, runs {@code wake} (while itself counted as a user, so the
     * descriptor is still valid) to make them return; the last one out releases.
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

    private void tryRelease() {
        if (state.compareAndSet(CLOSING, CLOSING | RELEASED)) {
            release.run();
        }
    }
}
