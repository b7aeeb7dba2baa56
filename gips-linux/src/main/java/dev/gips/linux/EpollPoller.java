package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.spi.PollerChannel;
import dev.gips.spi.ReleaseGate;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A public {@code Poller} on Linux: a level-triggered epoll set plus an eventfd waker registered under token 0.
 * The epoll data of a registration is its token, with its interest in the top two bits, so that readiness the
 * registration did not ask for (EPOLLHUP and EPOLLERR come unasked) is reported only as what it asked for.
 */
final class EpollPoller implements PollerChannel {
    private static final int INTEREST_SHIFT = 62;
    private static final long TOKEN_MASK = (1L << INTEREST_SHIFT) - 1;
    private static final Where WHERE = new Where(null, "poller");

    private final int epfd;
    private final int wakeFd;
    private final ReleaseGate gate;
    private final ReentrantLock pollLock = new ReentrantLock();
    private final MsgBuffers scratch = new MsgBuffers(0);   // errno and epoll_event for ctl and waits; pollLock
    private MemorySegment events;                           // guarded by pollLock
    private final MemorySegment counter = Arena.ofAuto().allocate(JAVA_LONG);   // eventfd reads; pollLock
    /** The 8-byte value 1 that {@link #wake()} writes; only ever read, so shared by every waking thread. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private EpollPoller(int epfd, int wakeFd) {
        this.epfd = epfd;
        this.wakeFd = wakeFd;
        this.gate = new ReleaseGate(() -> {
            Fds.closeQuietly(wakeFd);
            Fds.closeQuietly(epfd);
        });
        this.events = Arena.ofAuto().allocate(SysEpoll.EPOLL_EVENT, 64);
    }

    static EpollPoller open() throws IOException {
        MemorySegment errno = Native.threadCapture();
        int epfd = SysEpoll.epoll_create1(errno, SysEpoll.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw WHERE.error("epoll_create1", Native.errno(errno));
        }
        int wakeFd = SysEpoll.eventfd(errno, 0, SysEpoll.EFD_CLOEXEC | SysEpoll.EFD_NONBLOCK);
        if (wakeFd < 0) {
            int e = Native.errno(errno);
            Fds.closeQuietly(epfd);
            throw WHERE.error("eventfd", e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ev = arena.allocate(SysEpoll.EPOLL_EVENT);
            ev.set(JAVA_INT, SysEpoll.EVENTS, SysEpoll.EPOLLIN);
            ev.set(SysEpoll.DATA_LAYOUT, SysEpoll.DATA, 0L);
            if (SysEpoll.epoll_ctl(errno, epfd, SysEpoll.EPOLL_CTL_ADD, wakeFd, ev) < 0) {
                int e = Native.errno(errno);
                Fds.closeQuietly(wakeFd);
                Fds.closeQuietly(epfd);
                throw WHERE.error("epoll_ctl(EPOLL_CTL_ADD) of the waker", e);
            }
        }
        return new EpollPoller(epfd, wakeFd);
    }

    @Override
    public void register(SourceChannel source, long token, int interest) throws IOException {
        control(SysEpoll.EPOLL_CTL_ADD, pollable(source), token, interest);
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
                if (SysEpoll.epoll_ctl(errno, epfd, SysEpoll.EPOLL_CTL_DEL, p.pollFd(), MemorySegment.NULL) < 0
                        && Native.errno(errno) != Errno.ENOENT) {
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
                MemorySegment ev = arena.allocate(SysEpoll.EPOLL_EVENT);
                ev.set(JAVA_INT, SysEpoll.EVENTS, bits); // level-triggered: no EPOLLET
                ev.set(SysEpoll.DATA_LAYOUT, SysEpoll.DATA, token | ((long) interest << INTEREST_SHIFT));
                if (SysEpoll.epoll_ctl(errno, epfd, op, p.pollFd(), ev) < 0) {
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
            events = Arena.ofAuto().allocate(SysEpoll.EPOLL_EVENT, max);
        }
        boolean virtual = Thread.currentThread().isVirtual();
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            long left = deadline - System.nanoTime();
            // virtual threads never wait in epoll_wait: they park on the epoll descriptor (it is itself pollable)
            int ms = virtual || timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0) ? 0
                    : timeoutNanos < 0 ? -1 : Sockets.millisRoundedUp(left);
            int n = SysEpoll.epoll_wait(scratch.errno, epfd, events, max, ms);
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
                ParkingPoller.read().await(epfd, timeoutNanos < 0 ? -1 : left, scratch, WHERE);
            }
        }
    }

    private int collect(int n, long[] tokens, int[] readiness) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            long base = i * SysEpoll.EPOLL_EVENT.byteSize();
            int ev = events.get(JAVA_INT, base + SysEpoll.EVENTS);
            long data = events.get(SysEpoll.DATA_LAYOUT, base + SysEpoll.DATA);
            if (data == 0) {
                drainWaker();
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

    private void drainWaker() {
        Unistd.read(scratch.errno, wakeFd, counter, 8);
    }

    @Override
    public void wake() throws IOException {
        gate.enter();
        try {
            signal();
        } finally {
            gate.exit();
        }
    }

    private void signal() {
        // EAGAIN means the counter is saturated: a wake-up is pending already
        Unistd.write(Native.threadCapture(), wakeFd, ONE, 8);
    }

    @Override
    public void close() {
        gate.close(this::signal);
    }
}
