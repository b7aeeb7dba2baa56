package dev.gips.linux;

/** errno values of Linux (asm-generic, the same on x86_64 and aarch64), with their names and texts. */
final class Errno {
    private Errno() {}

    // the values the backend tests for; describe() names many more
    static final int ENOENT = 2, EINTR = 4, EAGAIN = 11, ENOMEM = 12, EBUSY = 16, EEXIST = 17, ENOTDIR = 20,
            EINVAL = 22, ENFILE = 23, EMFILE = 24, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ELOOP = 40,
            ENOTSOCK = 88, EMSGSIZE = 90, ENOPROTOOPT = 92, EOPNOTSUPP = 95, EADDRINUSE = 98, ECONNABORTED = 103,
            ECONNRESET = 104, ENOBUFS = 105, ECONNREFUSED = 111;

    private static final String[][] TABLE = {
        {"EPERM", "Operation not permitted"}, {"ENOENT", "No such file or directory"}, {"ESRCH", "No such process"},
        {"EINTR", "Interrupted system call"}, {"EIO", "Input/output error"}, {"ENXIO", "No such device or address"},
        {"E2BIG", "Argument list too long"}, {"ENOEXEC", "Exec format error"}, {"EBADF", "Bad file descriptor"},
        {"ECHILD", "No child processes"}, {"EAGAIN", "Resource temporarily unavailable"},
        {"ENOMEM", "Cannot allocate memory"}, {"EACCES", "Permission denied"}, {"EFAULT", "Bad address"},
        {"ENOTBLK", "Block device required"}, {"EBUSY", "Device or resource busy"}, {"EEXIST", "File exists"},
        {"EXDEV", "Invalid cross-device link"}, {"ENODEV", "No such device"}, {"ENOTDIR", "Not a directory"},
        {"EISDIR", "Is a directory"}, {"EINVAL", "Invalid argument"}, {"ENFILE", "Too many open files in system"},
        {"EMFILE", "Too many open files"}, {"ENOTTY", "Inappropriate ioctl for device"},
        {"ETXTBSY", "Text file busy"}, {"EFBIG", "File too large"}, {"ENOSPC", "No space left on device"},
        {"ESPIPE", "Illegal seek"}, {"EROFS", "Read-only file system"}, {"EMLINK", "Too many links"},
        {"EPIPE", "Broken pipe"}, {"EDOM", "Numerical argument out of domain"},
        {"ERANGE", "Numerical result out of range"}, {"EDEADLK", "Resource deadlock avoided"},
        {"ENAMETOOLONG", "File name too long"}, {"ENOLCK", "No locks available"},
        {"ENOSYS", "Function not implemented"}, {"ENOTEMPTY", "Directory not empty"},
        {"ELOOP", "Too many levels of symbolic links"},
    };

    /** {@code NAME: text} for messages, e.g. {@code ECONNREFUSED: Connection refused}. */
    static String describe(int errno) {
        String[] e = lookup(errno);
        return e == null ? "errno " + errno : e[0] + ": " + e[1];
    }

    /** The symbolic name, e.g. {@code ECONNREFUSED}, or {@code errno N}. */
    static String name(int errno) {
        String[] e = lookup(errno);
        return e == null ? "errno " + errno : e[0];
    }

    private static String[] lookup(int errno) {
        if (errno >= 1 && errno <= TABLE.length) {
            return TABLE[errno - 1];
        }
        return switch (errno) {
            case 75 -> new String[] {"EOVERFLOW", "Value too large for defined data type"};
            case ENOTSOCK -> new String[] {"ENOTSOCK", "Socket operation on non-socket"};
            case 89 -> new String[] {"EDESTADDRREQ", "Destination address required"};
            case EMSGSIZE -> new String[] {"EMSGSIZE", "Message too long"};
            case 91 -> new String[] {"EPROTOTYPE", "Protocol wrong type for socket"};
            case ENOPROTOOPT -> new String[] {"ENOPROTOOPT", "Protocol not available"};
            case 93 -> new String[] {"EPROTONOSUPPORT", "Protocol not supported"};
            case EOPNOTSUPP -> new String[] {"EOPNOTSUPP", "Operation not supported"};
            case 97 -> new String[] {"EAFNOSUPPORT", "Address family not supported by protocol"};
            case EADDRINUSE -> new String[] {"EADDRINUSE", "Address already in use"};
            case 99 -> new String[] {"EADDRNOTAVAIL", "Cannot assign requested address"};
            case ECONNABORTED -> new String[] {"ECONNABORTED", "Software caused connection abort"};
            case ECONNRESET -> new String[] {"ECONNRESET", "Connection reset by peer"};
            case ENOBUFS -> new String[] {"ENOBUFS", "No buffer space available"};
            case 106 -> new String[] {"EISCONN", "Transport endpoint is already connected"};
            case 107 -> new String[] {"ENOTCONN", "Transport endpoint is not connected"};
            case 110 -> new String[] {"ETIMEDOUT", "Connection timed out"};
            case ECONNREFUSED -> new String[] {"ECONNREFUSED", "Connection refused"};
            default -> null;
        };
    }
}
