package dev.gips.spi;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is using an OS object (a descriptor, a port name, a handle), and releasing it exactly once after the last
 * user left, so that no thread ever calls into a number that was closed and maybe reused for another object (the
 * pattern of NIO's {@code SocketChannelImpl}). Backends wrap every call on a channel's object in
 * {@link #enter()}/{@link #exit()}.
 */
public final class ReleaseGate {
    private static final int CLOSING = 1;
    private static final int RELEASED = 2;
    private static final int USER = 4;

    private final AtomicInteger state = new AtomicInteger();
    private final Runnable release;

    /** {@code release} frees the object; it runs once, on the thread that leaves last. */
    public ReleaseGate(Runnable release) {
        this.release = release;
    }

    /**
     * Enters as a user; pair with {@link #exit()}.
     *
     * @throws ClosedChannelException if {@link #close} was called
     */
    public void enter() throws ClosedChannelException {
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
    public boolean tryEnter() {
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
    public void exit() {
        if (state.addAndGet(-USER) == CLOSING) {
            tryRelease();
        }
    }

    /**
     * Marks the gate closing. If users are inside, runs {@code wake} (while itself counted as a user, so the
     * object is still valid) to make them return; the last one out releases.
     *
     * @return whether this call was the one that closed
     */
    public boolean close(Runnable wake) {
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
    public boolean isClosing() {
        return (state.get() & CLOSING) != 0;
    }

    private void tryRelease() {
        if (state.compareAndSet(CLOSING, CLOSING | RELEASED)) {
            release.run();
        }
    }
}
