package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <sys/epoll.h>} and {@code <sys/eventfd.h>}. */
final class SysEpoll {
    private SysEpoll() {}

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;

    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLONESHOT = 1 << 30;

    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    private static final boolean PACKED = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> true;
        default -> false;
    };

    /**
     * {@code struct epoll_event { uint32_t events; epoll_data_t data; }}: packed (12 bytes) on x86_64, naturally
     * aligned (16 bytes) elsewhere.
     */
    static final StructLayout EPOLL_EVENT = PACKED
            ? MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    ValueLayout.JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event")
            : MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    ValueLayout.JAVA_LONG.withName("data")).withName("epoll_event");
    static final long EVENTS = EPOLL_EVENT.byteOffset(groupElement("events"));
    /** The layout of {@code data}: unaligned on x86_64, where the struct is packed. */
    static final ValueLayout.OfLong DATA_LAYOUT = (ValueLayout.OfLong) EPOLL_EVENT.select(groupElement("data"));
    static final long DATA = EPOLL_EVENT.byteOffset(groupElement("data"));

    private static final class EpollCreate1 {
        static final MethodHandle epoll_create1 = Native.downcall("epoll_create1",
                FunctionDescriptor.of(C_INT, C_INT), ERRNO);
    }
    static final class EpollCtl { // not private: Warmup links it ahead of use
        static final MethodHandle epoll_ctl = Native.downcall("epoll_ctl",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER), ERRNO);
    }
    // linked in openat's variadic shape, as fchmodat is: one call stub for the three (Native.VARIADIC_FROM_3)
    private static final class EpollWait {
        static final MethodHandle epoll_wait = Native.downcall("epoll_wait",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT), Native.VARIADIC_FROM_3, ERRNO);
    }
    private static final class Eventfd {
        static final MethodHandle eventfd = Native.downcall("eventfd",
                FunctionDescriptor.of(C_INT, C_INT, C_INT), ERRNO);
    }

    /** {@code int epoll_create1(int flags);} */
    static int epoll_create1(MemorySegment errno, int flags) {
        try {
            return (int) EpollCreate1.epoll_create1.invokeExact(errno, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);} */
    static int epoll_ctl(MemorySegment errno, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EpollCtl.epoll_ctl.invokeExact(errno, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);} */
    static int epoll_wait(MemorySegment errno, int epfd, MemorySegment events, int maxevents, int timeout) {
        try {
            return (int) EpollWait.epoll_wait.invokeExact(errno, epfd, events, maxevents, timeout);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int eventfd(unsigned int initval, int flags);} */
    static int eventfd(MemorySegment errno, int initval, int flags) {
        try {
            return (int) Eventfd.eventfd.invokeExact(errno, initval, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
