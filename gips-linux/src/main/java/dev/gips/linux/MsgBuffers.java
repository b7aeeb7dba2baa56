package dev.gips.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native scratch for sending or receiving messages on a socket: a {@code msghdr}, an {@code iovec}, a control
 * buffer, an errno capture slot, an {@code epoll_event} and a {@code pollfd} for waits, and a data buffer that grows to the largest message seen (up to
 * {@link #CACHED_DATA_MAX}). Reused for every message by one thread at a time (the owner's lock or pool).
 *
 * <p>The memory comes from automatic arenas: a buffer is freed only when no one can reach it any more, so a channel
 * closed by another thread can never free memory that a downcall is still using, and growing costs no shared-arena
 * handshake.
 */
final class MsgBuffers {
    /** Room for SCM_CREDENTIALS (we set SO_PASSCRED) plus SCM_RIGHTS with the kernel's maximum of descriptors. */
    static final long CONTROL_SIZE = SysSocket.CMSG_SPACE(SysSocket.UCRED.byteSize())
            + SysSocket.CMSG_SPACE(4L * SysSocket.SCM_MAX_FD);
    /** Data buffers up to this size are kept for the next message; larger ones are allocated per message. */
    static final long CACHED_DATA_MAX = 64 * 1024;
    private static final long INITIAL_DATA = 512;

    final MemorySegment msghdr;
    final MemorySegment iov;
    final MemorySegment control;
    final MemorySegment errno;
    /** An {@code epoll_event} for arming a {@link ParkingPoller} wait. */
    final MemorySegment event;
    /** A {@code pollfd} for a platform thread's timed wait. */
    final MemorySegment pollfd;
    private MemorySegment data;

    MsgBuffers() {
        this(CONTROL_SIZE);
    }

    /** With a control buffer of {@code controlSize} bytes; tests use a small one to provoke MSG_CTRUNC. */
    MsgBuffers(long controlSize) {
        Arena arena = Arena.ofAuto();
        msghdr = arena.allocate(SysSocket.MSGHDR);
        iov = arena.allocate(SysSocket.IOVEC);
        control = arena.allocate(controlSize, 8);
        errno = Native.allocateCapture(arena);
        event = arena.allocate(SysEpoll.EPOLL_EVENT);
        pollfd = arena.allocate(Poll.POLLFD);
        data = arena.allocate(INITIAL_DATA, 8);
    }

    /** A data buffer of at least {@code size} bytes. */
    MemorySegment data(long size) {
        if (data.byteSize() >= size) {
            return data;
        }
        if (size > CACHED_DATA_MAX) {
            return Arena.ofAuto().allocate(size, 8);
        }
        data = Arena.ofAuto().allocate(Long.highestOneBit(size - 1) << 1, 8);
        return data;
    }
}
