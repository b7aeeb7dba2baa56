package dev.gips.linux;

import dev.gips.spi.PollerChannel;
import dev.gips.spi.ReleaseGate;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A public {@code Poller} on Linux: an {@link EpollSet} whose waker has token 0. The epoll data of a registration is
 * its token, with its interest in the top two bits, so that readiness the registration did not ask for (EPOLLHUP and
 * EPOLLERR come unasked) is reported only as what it asked for.
 */
final class EpollPoller implements PollerChannel {
    private static final int INTEREST_SHIFT = 62;
    private static final long TOKEN_MASK = (1L << INTEREST_SHIFT) - 1;
    private static final Where WHERE = new Where(null, "poller");

    private static final long WAKE_TOKEN = 0;

    private final EpollSet epoll;
    private final ReleaseGate gate;
    private final ReentrantLock pollLock = new ReentrantLock();
    private final WaitScratch scratch = new WaitScratch();  // guarded by pollLock
    private MemorySegment events = EpollSet.events(64);     // guarded by pollLock

    private EpollPoller(EpollSet epoll) {
        this.epoll = epoll;
        this.gate = new ReleaseGate(epoll::close);
    }

    static EpollPoller open() throws IOException {
        return new EpollPoller(EpollSet.open(WHERE, WAKE_TOKEN));
    }

    @Override
    public void register(SourceChannel source, long token, int interest) throws IOException {
        Pollable p = pollable(source);
        p.watched();
        control(SysEpoll.EPOLL_CTL_ADD, p, token, interest);
    }

    @Override
    public void reregister(SourceChannel source, long token, int interest) throws IOException {
        control(SysEpoll.EPOLL_CTL_MOD, pollable(source), token, interest);
    }

    @Override
    public void deregister(SourceChannel source) throws IOException {
        Pollable p = pollable(source);
        if (!p.gate().tryEnter()) {
            return; // its descriptor is closing; closing removes it from the set
        }
        try {
            gate.enter();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = Native.allocateCapture(arena);
                if (epoll.remove(p.pollFd(), errno) < 0 && Native.errno(errno) != Errno.ENOENT) {
                    throw WHERE.error("epoll_ctl(EPOLL_CTL_DEL)", Native.errno(errno));
                }
            } finally {
                gate.exit();
            }
        } finally {
            p.gate().exit();
        }
    }

    private void control(int op, Pollable p, long token, int interest) throws IOException {
        if (token <= 0 || token > TOKEN_MASK) {
            throw new IllegalArgumentException("token out of range: " + token);
        }
        int bits = 0;
        if ((interest & READABLE) != 0) {
            bits |= SysEpoll.EPOLLIN | SysEpoll.EPOLLRDHUP;
        }
        if ((interest & WRITABLE) != 0) {
            bits |= SysEpoll.EPOLLOUT;
        }
        p.gate().enter();
        try {
            gate.enter();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = Native.allocateCapture(arena);
                // level-triggered: no EPOLLET
                if (epoll.control(op, p.pollFd(), bits, token | ((long) interest << INTEREST_SHIFT),
                        arena.allocate(SysEpoll.EPOLL_EVENT), errno) < 0) {
                    int e = Native.errno(errno);
                    String what = op == SysEpoll.EPOLL_CTL_ADD ? "register" : "reregister";
                    throw e == Errno.EEXIST ? WHERE.error(what, "the source is already registered with this poller")
                            : e == Errno.ENOENT ? WHERE.error(what, "the source is not registered with this poller")
                            : WHERE.error(what + " (epoll_ctl)", e);
                }
            } finally {
                gate.exit();
            }
        } finally {
            p.gate().exit();
        }
    }

    private static Pollable pollable(SourceChannel source) {
        if (source instanceof Pollable p) {
            return p;
        }
        throw new IllegalArgumentException("not a Linux gips source: " + source);
    }

    @Override
    public int poll(long[] tokens, int[] readiness, long timeoutNanos) throws IOException {
        pollLock.lock();
        try {
            gate.enter();
            try {
                return pollLocked(tokens, readiness, timeoutNanos);
            } finally {
                gate.exit();
            }
        } finally {
            pollLock.unlock();
        }
    }

    private int pollLocked(long[] tokens, int[] readiness, long timeoutNanos) throws IOException {
        int max = tokens.length;
        if (events.byteSize() < max * SysEpoll.EPOLL_EVENT.byteSize()) {
            events = EpollSet.events(max);
        }
        boolean virtual = Thread.currentThread().isVirtual();
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            long left = deadline - System.nanoTime();
            // virtual threads never wait in epoll_wait: they park on the epoll descriptor (it is itself pollable)
            int ms = virtual || timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0) ? 0
                    : timeoutNanos < 0 ? -1 : Sockets.millisRoundedUp(left);
            int n = epoll.wait(events, max, ms, scratch.errno);
            if (n < 0) {
                int e = Native.errno(scratch.errno);
                if (e == Errno.EINTR) {
                    continue;
                }
                throw WHERE.error("epoll_wait", e);
            }
            if (gate.isClosing()) {
                throw new AsynchronousCloseException();
            }
            int count = collect(n, tokens, readiness);
            if (count > 0) {
                return count;
            }
            left = deadline - System.nanoTime();
            if (timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0)) {
                return 0;
            }
            if (virtual) {
                ParkingPoller.read().await(epoll.fd(), timeoutNanos < 0 ? -1 : left, scratch, WHERE);
            }
        }
    }

    private int collect(int n, long[] tokens, int[] readiness) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            int ev = EpollSet.readiness(events, i);
            long data = EpollSet.token(events, i);
            if (data == WAKE_TOKEN) {
                epoll.drainWaker(scratch.errno);
                tokens[count] = 0;
                readiness[count++] = READABLE;
                continue;
            }
            int interest = (int) (data >>> INTEREST_SHIFT);
            int ready = 0;
            if ((ev & (SysEpoll.EPOLLIN | SysEpoll.EPOLLRDHUP | SysEpoll.EPOLLHUP | SysEpoll.EPOLLERR)) != 0) {
                ready |= READABLE;
            }
            if ((ev & (SysEpoll.EPOLLOUT | SysEpoll.EPOLLHUP | SysEpoll.EPOLLERR)) != 0) {
                ready |= WRITABLE; // a send to a hung-up peer does not block: it fails at once
            }
            ready &= interest;
            if (ready != 0) {
                tokens[count] = data & TOKEN_MASK;
                readiness[count++] = ready;
            }
        }
        return count;
    }

    @Override
    public void wake() throws IOException {
        gate.enter();
        try {
            epoll.wake();
        } finally {
            gate.exit();
        }
    }

    @Override
    public void close() {
        gate.close(epoll::wake);
    }
}
