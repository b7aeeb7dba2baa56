package dev.gips.linux;

import java.io.IOException;

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
