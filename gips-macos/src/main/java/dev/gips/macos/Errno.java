package dev.gips.macos;

/** errno values of macOS ({@code <sys/errno.h>}; they differ from Linux above 34), with their names and texts. */
final class Errno {
    private Errno() {}

    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EBADF = 9, ENOMEM = 12, EACCES = 13, EEXIST = 17,
            EINVAL = 22, EMFILE = 24, ENOSPC = 28, ERANGE = 34, EAGAIN = 35, ENAMETOOLONG = 63;

    /** {@code NAME: text} for messages, e.g. {@code EEXIST: File exists}, or {@code errno N}. */
    static String describe(int errno) {
        String text = switch (errno) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case EINTR -> "Interrupted system call";
            case EBADF -> "Bad file descriptor";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EEXIST -> "File exists";
            case EINVAL -> "Invalid argument";
            case EMFILE -> "Too many open files";
            case ENOSPC -> "No space left on device";
            case ERANGE -> "Result too large";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENAMETOOLONG -> "File name too long";
            default -> null;
        };
        return text == null ? name(errno) : name(errno) + ": " + text;
    }

    /** {@code NAME}, e.g. {@code EEXIST}, or {@code errno N}. */
    static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case EMFILE -> "EMFILE";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case EAGAIN -> "EAGAIN";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            default -> "errno " + errno;
        };
    }
}
