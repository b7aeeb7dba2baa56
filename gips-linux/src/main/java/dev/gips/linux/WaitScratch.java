package dev.gips.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native scratch for waiting, apart from the message buffers ({@link MsgBuffers}): a {@code pollfd} for a platform
 * thread's timed wait ({@link Sockets#awaitReadable}), an {@code epoll_event} for arming a {@link ParkingPoller} wait
 * or changing a registration, and an errno slot. Allocated once per owner and reused for every wait by one thread at a
 * time: the owner's lock says which (a channel's read or write lock, a listener's receive lock, a poller's poll lock).
 *
 * <p>The memory comes from an automatic arena, as {@link MsgBuffers}' does: it is freed only once nobody can reach it.
 */
final class WaitScratch {
    final MemorySegment pollfd;
    final MemorySegment event;
    final MemorySegment errno;

    WaitScratch() {
        Arena arena = Arena.ofAuto();
        pollfd = arena.allocate(Poll.POLLFD);
        event = arena.allocate(SysEpoll.EPOLL_EVENT);
        errno = Native.allocateCapture(arena);
    }
}
