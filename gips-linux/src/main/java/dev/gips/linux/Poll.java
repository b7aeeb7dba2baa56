package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_LONG;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SHORT;
import static dev.gips.linux.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <poll.h>}: waiting on one descriptor with a timeout. */
final class Poll {
    private Poll() {}

    static final short POLLIN = 0x1;

    /** {@code struct pollfd { int fd; short events; short revents; }} */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            C_INT.withName("fd"),
            C_SHORT.withName("events"),
            C_SHORT.withName("revents")).withName("pollfd");
    static final long FD = POLLFD.byteOffset(groupElement("fd"));
    static final long EVENTS = POLLFD.byteOffset(groupElement("events"));

    private static final class PollCall {
        static final MethodHandle poll = Native.downcall("poll",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT), ERRNO);
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout);} */
    static int poll(MemorySegment errno, MemorySegment fds, long nfds, int timeout) {
        try {
            return (int) PollCall.poll.invokeExact(errno, fds, nfds, timeout);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
