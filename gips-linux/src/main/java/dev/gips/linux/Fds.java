package dev.gips.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Descriptor chores shared by the channels and the backend. */
final class Fds {
    private Fds() {}

    /**
     * Closes {@code fd}, ignoring errors: on Linux the descriptor is gone even when close reports EINTR or EIO, and
     * retrying could close a descriptor another thread just opened.
     */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            Unistd.close(Native.threadCapture(), fd);
        }
    }

    /** Closes every descriptor in {@code fds}. */
    static void closeAll(int[] fds) {
        for (int fd : fds) {
            closeQuietly(fd);
        }
    }

    /**
     * The size of the file behind {@code fd} ({@code statx} of the descriptor itself), or -1 with the errno in
     * {@code errno}.
     */
    static long size(MemorySegment errno, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(SysStat.STATX);
            if (SysStat.statx(errno, fd, SysStat.EMPTY_PATH, SysStat.AT_EMPTY_PATH, SysStat.STATX_SIZE, st) < 0) {
                return -1;
            }
            return st.get(ValueLayout.JAVA_LONG, SysStat.STX_SIZE);
        }
    }

    /** A close-on-exec duplicate of {@code fd}. */
    static int duplicate(int fd) throws IOException {
        var errno = Native.threadCapture();
        int dup = Fcntl.fcntl(errno, fd, Fcntl.F_DUPFD_CLOEXEC, 0);
        if (dup < 0) {
            throw new IOException("fcntl(F_DUPFD_CLOEXEC) of file descriptor " + fd + ": "
                    + Errno.describe(Native.errno(errno)));
        }
        return dup;
    }
}
