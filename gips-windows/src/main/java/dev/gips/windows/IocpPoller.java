package dev.gips.windows;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.spi.PollerChannel;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A level-triggered poller over its own I/O completion port. Channels post their token whenever their state
 * changes; {@link #poll} keeps the tokens it heard of as candidates and reports each while the channel says it is
 * ready, so readiness is level-triggered as the SPI asks, unlike gips 0.2.0's "registered interest" events. The
 * waker posts key 0 and is reported as token 0. A virtual thread never waits in
 * {@code GetQueuedCompletionStatusEx}: it drains the port without waiting and parks, and every post unparks it.
 */
final class IocpPoller implements PollerChannel {
    private static final long WAKE_KEY = 0;
    private static final Where WHERE = new Where(null, "poller");
    private static final int ENTRIES = 64;

    private final long port;
    private final Map<Long, Watched> watched = new ConcurrentHashMap<>();
    private final Set<Long> candidates = new LinkedHashSet<>();             // guarded by pollLock
    private final ReentrantLock pollLock = new ReentrantLock();
    private final ReentrantLock portLock = new ReentrantLock();              // posts vs. CloseHandle
    private final Arena arena = Arena.ofShared();
    private final MemorySegment entries = arena.allocate(MinWinBase.OVERLAPPED_ENTRY, ENTRIES);
    private final MemorySegment removed = arena.allocate(JAVA_INT);
    private final MemorySegment err = Native.allocateCapture(arena);
    private volatile boolean closed;
    /** A virtual thread parked in {@link #poll} instead of waiting in the native call. */
    private volatile Thread parkedWaiter;

    private record Watched(Pollable source, long token, int interest) {}

    private IocpPoller(long port) {
        this.port = port;
    }

    static IocpPoller open() throws IOException {
        MemorySegment e = Native.threadCapture();
        long h = Kernel32.CreateIoCompletionPort(e, Native.INVALID_HANDLE_VALUE, 0, 0, 1);
        if (h == 0) {
            throw WHERE.error("CreateIoCompletionPort", Native.lastError(e));
        }
        return new IocpPoller(Handles.own(h));
    }

    private static Pollable pollable(SourceChannel source) {
        if (source instanceof Pollable p) {
            return p;
        }
        throw new IllegalArgumentException("not a Windows gips channel: " + source);
    }

    @Override
    public void register(SourceChannel source, long token, int interest) throws IOException {
        ensureOpen();
        Pollable p = pollable(source);
        if (p.readiness().isRegisteredWith(this)) {
            throw new IllegalArgumentException("source is already registered with this poller");
        }
        watched.put(token, new Watched(p, token, interest));
        p.readiness().add(this, token);
        post(token); // it may be ready already
    }

    @Override
    public void reregister(SourceChannel source, long token, int interest) throws IOException {
        ensureOpen();
        Pollable p = pollable(source);
        if (!p.readiness().isRegisteredWith(this)) {
            throw new IllegalArgumentException("source is not registered with this poller");
        }
        watched.values().removeIf(w -> w.source == p);
        watched.put(token, new Watched(p, token, interest));
        p.readiness().add(this, token);
        post(token);
    }

    @Override
    public void deregister(SourceChannel source) throws IOException {
        ensureOpen();
        Pollable p = pollable(source);
        if (!p.readiness().remove(this)) {
            throw new IllegalArgumentException("source is not registered with this poller");
        }
        watched.values().removeIf(w -> w.source == p);
    }

    @Override
    public int poll(long[] tokens, int[] readiness, long timeoutNanos) throws IOException {
        ensureOpen();
        long deadline = System.nanoTime() + timeoutNanos;
        pollLock.lock();
        try {
            ensureOpen(); // close() may have finished while we waited for the lock
            boolean virtual = Thread.currentThread().isVirtual();
            for (;;) {
                int n = readyCandidates(tokens, readiness);
                if (n > 0) {
                    return n;
                }
                long left = deadline - System.nanoTime();
                boolean mayWait = timeoutNanos < 0 || (timeoutNanos > 0 && left > 0);
                // whole milliseconds, rounded up so that a short timeout still waits; a virtual thread never
                // waits in the native call (it would hold its carrier): it drains, then parks until post() unparks
                int ms = !mayWait || virtual ? 0 : timeoutNanos < 0 ? Kernel32.INFINITE
                        : (int) Math.min(Integer.MAX_VALUE - 1, (left + 999_999) / 1_000_000);
                if (virtual && mayWait) {
                    parkedWaiter = Thread.currentThread(); // before draining: a later post() unparks us
                }
                if (Kernel32.GetQueuedCompletionStatusEx(err, port, entries, ENTRIES, removed, ms) == 0) {
                    int e = Native.lastError(err);
                    if (closed) {
                        throw new AsynchronousCloseException();
                    }
                    if (e != WinError.WAIT_TIMEOUT) {
                        throw WHERE.error("GetQueuedCompletionStatusEx", e);
                    }
                    if (virtual && mayWait) {
                        if (timeoutNanos < 0) {
                            LockSupport.park(this);
                        } else {
                            LockSupport.parkNanos(this, left);
                        }
                        parkedWaiter = null;
                        if (closed) {
                            throw new AsynchronousCloseException();
                        }
                        continue;
                    }
                    return 0;
                }
                parkedWaiter = null;
                if (closed) {
                    throw new AsynchronousCloseException();
                }
                if (takeEntries()) {
                    tokens[0] = 0;
                    readiness[0] = READABLE;
                    return 1;
                }
            }
        } finally {
            pollLock.unlock();
        }
    }

    /**
     * Stores the candidates that are ready for what they are watched for, up to {@code tokens.length}; forgets those
     * that are not (a post brings them back). Under {@link #pollLock}.
     */
    private int readyCandidates(long[] tokens, int[] readiness) {
        int n = 0;
        var it = candidates.iterator();
        while (it.hasNext() && n < tokens.length) {
            Long token = it.next();
            Watched w = watched.get(token);
            int ops = w == null ? 0 : w.source.readyOps() & w.interest;
            if (ops == 0) {
                it.remove();
            } else {
                tokens[n] = token;
                readiness[n++] = ops;
            }
        }
        return n;
    }

    /**
     * Makes the tokens of the entries just dequeued candidates; whether the waker's was among them. Under
     * {@link #pollLock}.
     */
    private boolean takeEntries() {
        boolean woken = false;
        int got = removed.get(JAVA_INT, 0);
        for (int i = 0; i < got; i++) {
            long key = entries.get(JAVA_LONG, i * MinWinBase.OVERLAPPED_ENTRY.byteSize()
                    + MinWinBase.OVERLAPPED_ENTRY_lpCompletionKey);
            if (key == WAKE_KEY) {
                woken = true;
            } else {
                candidates.add(key);
            }
        }
        return woken;
    }

    /** Posts {@code key} to the port unless it is closed; never blocks, never throws. */
    void post(long key) {
        portLock.lock();
        try {
            if (!closed) {
                Kernel32.PostQueuedCompletionStatus(Native.threadCapture(), port, 0, key, MemorySegment.NULL);
            }
        } finally {
            portLock.unlock();
        }
        unparkWaiter();
    }

    private void unparkWaiter() {
        Thread waiter = parkedWaiter;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    @Override
    public void wake() throws IOException {
        ensureOpen();
        post(WAKE_KEY);
    }

    @Override
    public void close() {
        portLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // wakes a thread in poll; it sees closed and leaves before the port goes
            Kernel32.PostQueuedCompletionStatus(Native.threadCapture(), port, 0, WAKE_KEY, MemorySegment.NULL);
        } finally {
            portLock.unlock();
        }
        unparkWaiter();
        for (Watched w : watched.values()) {
            w.source.readiness().remove(this);
        }
        watched.clear();
        pollLock.lock(); // the poller's thread has left poll
        try {
            Handles.closeOwn(port);
            arena.close();
        } finally {
            pollLock.unlock();
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
