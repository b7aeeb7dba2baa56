package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gips.ipc.Handle;
import dev.gips.shm.Shm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A peer that shrinks a region after the receiver mapped it. The library seals received memfds against shrinking
 * when it can ({@link PosixShmObject#adopt}); a memfd created without MFD_ALLOW_SEALING cannot be sealed, and its
 * creator may still truncate it. An access past the new end then faults (SIGBUS): the JVM turns that into an
 * {@link InternalError} for the accessing thread, and the process goes on.
 */
@ExtendWith(LeakCheck.class)
class ShmShrinkTest {
    @Test
    void aSealableMemfdIsSealedAgainstShrinkingWhenMapped() throws Exception {
        int fd = memfd(SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING, 4096);
        try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.from(h)) {
            assertEquals(-1, Unistd.ftruncate(Native.threadCapture(), fd, 0), "the sender could still shrink it");
            assertEquals(4096, shm.read(0).length);
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    @Test
    void anUnsealableMemfdShrunkByItsSenderFaultsAsAnErrorNotACrash() throws Exception {
        int fd = memfd(SysMman.MFD_CLOEXEC, 4096);
        try (Handle h = Handle.ofFileDescriptor(fd); Shm shm = Shm.from(h)) {
            assertEquals(0, Unistd.ftruncate(Native.threadCapture(), fd, 0));
            assertThrows(InternalError.class, () -> shm.read(0, 10));
            assertThrows(InternalError.class, () -> shm.write(new byte[10], 0));
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** A memfd holding a valid gips header for {@code capacity} data bytes. */
    private static int memfd(int flags, long capacity) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysMman.memfd_create(errno, arena.allocateFrom("gips-shrink"), flags);
            if (fd < 0 || Unistd.ftruncate(errno, fd, capacity + 24) < 0) {
                throw new IllegalStateException("memfd: " + Errno.describe(Native.errno(errno)));
            }
            MemorySegment header = arena.allocate(24);
            header.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, capacity);
            header.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, capacity);
            if (Unistd.write(errno, fd, header, 24) != 24) {
                throw new IllegalStateException("write: " + Errno.describe(Native.errno(errno)));
            }
            return fd;
        }
    }
}
