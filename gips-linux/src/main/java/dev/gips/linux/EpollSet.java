package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A level-triggered epoll set and the eventfd that wakes its waiters, registered in it under a token of the owner's
 * choosing: a listener's set of clients and an {@link EpollPoller}'s set of sources. The epoll descriptor is itself
 * readable while something in the set is ready, so a virtual thread can park on it (see {@link ParkingPoller}).
 *
 * <p>The owner decides what a wake-up means: a listener never drains the eventfd, so that once closing every waiter
 * wakes; a poller drains it when it reports the waker's event. The owner also guarantees that {@link #close} runs
 * once, after the last call on the set (its {@code ReleaseGate}).
 */
final class EpollSet {
    /** The 8-byte value 1 that {@link #wake} writes; only ever read, so shared by every waking thread. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);
    private static final long EVENT_SIZE = SysEpoll.EPOLL_EVENT.byteSize();

    private final int epfd;
    private final int wakeFd;
    /** Where {@link #drainWaker} reads the counter to; by one thread at a time (the owner's wait lock). */
    private final MemorySegment counter = Arena.ofAuto().allocate(JAVA_LONG);

    private EpollSet(int epfd, int wakeFd) {
        this.epfd = epfd;
        this.wakeFd = wakeFd;
    }

    /**
     * A new set holding its waker, readable under {@code wakeToken}.
     *
     * @throws IOException naming {@code where} and the call that failed; nothing is left open
     */
    static EpollSet open(Where where, long wakeToken) throws IOException {
        MemorySegment errno = Native.threadCapture();
        int epfd = SysEpoll.epoll_create1(errno, SysEpoll.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw where.error("epoll_create1", Native.errno(errno));
        }
        int wakeFd = SysEpoll.eventfd(errno, 0, SysEpoll.EFD_CLOEXEC | SysEpoll.EFD_NONBLOCK);
        if (wakeFd < 0) {
            int e = Native.errno(errno);
            Fds.closeQuietly(epfd);
            throw where.error("eventfd", e);
        }
        EpollSet set = new EpollSet(epfd, wakeFd);
        try {
            set.add(wakeFd, SysEpoll.EPOLLIN, wakeToken, where, "the waker");
        } catch (IOException e) {
            set.close();
            throw e;
        }
        return set;
    }

    /** The epoll descriptor: readable while something in the set is ready. */
    int fd() {
        return epfd;
    }

    /**
     * Adds {@code fd} for {@code events} (level-triggered) with {@code data} as its token. For setup: it allocates
     * its scratch.
     *
     * @param what what {@code fd} is, for the message
     */
    void add(int fd, int events, long data, Where where, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment event = arena.allocate(SysEpoll.EPOLL_EVENT);
            if (control(SysEpoll.EPOLL_CTL_ADD, fd, events, data, event, errno) < 0) {
                throw where.error("epoll_ctl(EPOLL_CTL_ADD) of " + what, Native.errno(errno));
            }
        }
    }

    /**
     * {@code epoll_ctl(op)} of {@code fd} for {@code events} under {@code data}, through the caller's
     * {@code epoll_event} scratch; returns what the call did (-1 with the errno in {@code errno}).
     */
    int control(int op, int fd, int events, long data, MemorySegment event, MemorySegment errno) {
        event.set(JAVA_INT, SysEpoll.EVENTS, events);
        event.set(SysEpoll.DATA_LAYOUT, SysEpoll.DATA, data);
        return SysEpoll.epoll_ctl(errno, epfd, op, fd, event);
    }

    /** {@link #control} with a {@link WaitScratch}. */
    int control(int op, int fd, int events, long data, WaitScratch scratch) {
        return control(op, fd, events, data, scratch.event, scratch.errno);
    }

    /**
     * Removes {@code fd} from the set; -1 with the errno in {@code errno} if that failed (ENOENT: it was not in it).
     */
    int remove(int fd, MemorySegment errno) {
        return SysEpoll.epoll_ctl(errno, epfd, SysEpoll.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
    }

    /**
     * {@code epoll_wait} for at most {@code max} events into {@code events} (see {@link #events(int)}): the number
     * of events, or -1 with the errno in {@code errno} (EINTR included: the caller decides with the time it has left).
     *
     * @param timeoutMillis -1 without a limit, 0 not waiting at all
     */
    int wait(MemorySegment events, int max, int timeoutMillis, MemorySegment errno) {
        return SysEpoll.epoll_wait(errno, epfd, events, max, timeoutMillis);
    }

    /** Room for {@code n} events of {@link #wait}. */
    static MemorySegment events(int n) {
        return Arena.ofAuto().allocate(SysEpoll.EPOLL_EVENT, n);
    }

    /** The token of the {@code i}th event {@link #wait} stored. */
    static long token(MemorySegment events, int i) {
        return events.get(SysEpoll.DATA_LAYOUT, i * EVENT_SIZE + SysEpoll.DATA);
    }

    /** The readiness bits ({@code EPOLLIN}, {@code EPOLLHUP}, …) of the {@code i}th event {@link #wait} stored. */
    static int readiness(MemorySegment events, int i) {
        return events.get(JAVA_INT, i * EVENT_SIZE + SysEpoll.EVENTS);
    }

    /** Makes the waker readable, waking every waiter until it is drained. Never blocks. */
    void wake() {
        // EAGAIN means the counter is saturated: a wake-up is pending already
        Unistd.write(Native.threadCapture(), wakeFd, ONE, 8);
    }

    /** Makes the waker unreadable again; by one thread at a time. */
    void drainWaker(MemorySegment errno) {
        Unistd.read(errno, wakeFd, counter, 8);
    }

    /** Closes the waker and the set; once, after the last use. */
    void close() {
        Fds.closeQuietly(wakeFd);
        Fds.closeQuietly(epfd);
    }
}
