package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets virtual threads wait for a descriptor without holding their carrier, as NIO's {@code sun.nio.ch.Poller}
 * does: the waiter registers its descriptor one-shot in this poller's epoll set and parks; a platform thread waits
 * in {@code epoll_wait} and unparks it. One instance waits for reading, one for writing, so that a receive and a
 * send on the same socket can wait at once.
 *
 * <p>Each descriptor has at most one waiter per direction: callers hold the lock that serialises that direction.
 */
final class ParkingPoller {
    private static final int MAX_EVENTS = 256;

    private final String direction;
    private final int interest;
    private final int epfd;
    private final Map<Integer, Thread> waiters = new ConcurrentHashMap<>();

    private ParkingPoller(String direction, int interest) {
        this.direction = direction;
        this.interest = interest;
        MemorySegment errno = Native.threadCapture();
        this.epfd = SysEpoll.epoll_create1(errno, SysEpoll.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1 for the virtual-thread " + direction + " poller: "
                    + Errno.describe(Native.errno(errno)));
        }
        Thread t = Thread.ofPlatform().daemon().name("gips-" + direction + "-poller").unstarted(this::run);
        t.start();
    }

    // started on first use: most JVMs never block a virtual thread on gips
    private static final class Read {
        static final ParkingPoller INSTANCE = new ParkingPoller("read", SysEpoll.EPOLLIN | SysEpoll.EPOLLRDHUP);
    }

    private static final class Write {
        static final ParkingPoller INSTANCE = new ParkingPoller("write", SysEpoll.EPOLLOUT);
    }

    static ParkingPoller read() {
        return Read.INSTANCE;
    }

    static ParkingPoller write() {
        return Write.INSTANCE;
    }

    /**
     * Parks the calling virtual thread until {@code fd} is ready (or hung up), {@code nanos} passed, or a spurious
     * wake-up; callers loop and retry their operation.
     *
     * @param nanos   the longest wait; negative waits without a limit
     * @param scratch the caller's, for arming the wait
     */
    void await(int fd, long nanos, WaitScratch scratch, Where where) throws IOException {
        Thread self = Thread.currentThread();
        if (self.isInterrupted()) {
            throw new InterruptedIOException(where.message("wait", "interrupted"));
        }
        waiters.put(fd, self);   // before arming, so that an immediate event finds us
        try {
            arm(fd, scratch, where);
            if (nanos < 0) {
                LockSupport.park(this);
            } else if (nanos > 0) {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            waiters.remove(fd, self);
        }
        if (self.isInterrupted()) {
            throw new InterruptedIOException(where.message("wait", "interrupted"));
        }
    }

    private void arm(int fd, WaitScratch scratch, Where where) throws IOException {
        MemorySegment ev = scratch.event;
        ev.set(JAVA_INT, SysEpoll.EVENTS, interest | SysEpoll.EPOLLONESHOT);
        ev.set(SysEpoll.DATA_LAYOUT, SysEpoll.DATA, fd);
        // a descriptor stays in the set, disabled, after its one-shot event; re-arm it, or add it the first time
        if (SysEpoll.epoll_ctl(scratch.errno, epfd, SysEpoll.EPOLL_CTL_MOD, fd, ev) == 0) {
            return;
        }
        int e = Native.errno(scratch.errno);
        if (e == Errno.ENOENT && SysEpoll.epoll_ctl(scratch.errno, epfd, SysEpoll.EPOLL_CTL_ADD, fd, ev) == 0) {
            return;
        }
        throw where.error("epoll_ctl for a virtual thread's " + direction + " wait",
                e == Errno.ENOENT ? Native.errno(scratch.errno) : e);
    }

    private void run() {
        MemorySegment errno = Native.threadCapture();
        MemorySegment events = EpollSet.events(MAX_EVENTS);
        for (;;) {
            int n = SysEpoll.epoll_wait(errno, epfd, events, MAX_EVENTS, -1);
            for (int i = 0; i < n; i++) {
                Thread waiter = waiters.remove((int) EpollSet.token(events, i));
                if (waiter != null) {
                    LockSupport.unpark(waiter);
                }
            }
        }
    }
}
