package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_POINTER;
import static dev.gips.macos.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <sys/event.h>} (kqueue) and {@code struct timespec} of {@code <sys/_types/_timespec.h>}. */
final class SysEvent {
    private SysEvent() {}

    static final short EVFILT_MACHPORT = -8;
    static final short EVFILT_USER = -10;

    static final short EV_ADD = 0x1;
    static final short EV_DELETE = 0x2;
    static final short EV_ENABLE = 0x4;
    static final short EV_DISABLE = 0x8;
    static final short EV_CLEAR = 0x20;
    static final short EV_ERROR = 0x4000;

    static final int NOTE_TRIGGER = 0x01000000;

    /** {@code struct kevent} (LP64). */
    static final StructLayout KEVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ident"),
            ValueLayout.JAVA_SHORT.withName("filter"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("fflags"),
            ValueLayout.JAVA_LONG.withName("data"),
            ValueLayout.ADDRESS.withName("udata")).withName("kevent");
    static final long IDENT = KEVENT.byteOffset(groupElement("ident"));
    static final long FILTER = KEVENT.byteOffset(groupElement("filter"));
    static final long FLAGS = KEVENT.byteOffset(groupElement("flags"));
    static final long FFLAGS = KEVENT.byteOffset(groupElement("fflags"));
    static final long DATA = KEVENT.byteOffset(groupElement("data"));
    static final long UDATA = KEVENT.byteOffset(groupElement("udata"));

    /** {@code struct timespec}. */
    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("tv_sec"),
            ValueLayout.JAVA_LONG.withName("tv_nsec")).withName("timespec");

    /** {@code EV_SET(kev, ident, filter, flags, fflags, data, udata)} for element {@code i} of {@code list}. */
    static void evSet(MemorySegment list, long i, long ident, short filter, short flags, int fflags, long data,
            long udata) {
        long base = i * KEVENT.byteSize();
        list.set(ValueLayout.JAVA_LONG, base + IDENT, ident);
        list.set(ValueLayout.JAVA_SHORT, base + FILTER, filter);
        list.set(ValueLayout.JAVA_SHORT, base + FLAGS, flags);
        list.set(ValueLayout.JAVA_INT, base + FFLAGS, fflags);
        list.set(ValueLayout.JAVA_LONG, base + DATA, data);
        list.set(ValueLayout.JAVA_LONG, base + UDATA, udata);
    }

    private static final class Kqueue {
        static final MethodHandle kqueue = Native.downcall("kqueue", FunctionDescriptor.of(C_INT), ERRNO);
    }
    private static final class Kevent {
        static final MethodHandle kevent = Native.downcall("kevent",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER), ERRNO);
    }

    /** {@code int kqueue(void);} */
    static int kqueue(MemorySegment errno) {
        try {
            return (int) Kqueue.kqueue.invokeExact(errno);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
     * int nevents, const struct timespec *timeout);}
     */
    static int kevent(MemorySegment errno, int kq, MemorySegment changes, int nchanges, MemorySegment events,
            int nevents, MemorySegment timeout) {
        try {
            return (int) Kevent.kevent.invokeExact(errno, kq, changes, nchanges, events, nevents, timeout);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
