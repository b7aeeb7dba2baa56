package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_LONG;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <fcntl.h>}: open flags, {@code openat}, descriptor duplication, file seals, {@code fallocate}.
 */
final class Fcntl {
    private Fcntl() {}

    // arm and arm64 number two open flags differently from asm-generic (and x86_64)
    private static final boolean ARM = switch (System.getProperty("os.arch")) {
        case "aarch64", "arm" -> true;
        default -> false;
    };

    static final int O_RDWR = 02;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NONBLOCK = 04000;
    static final int O_DIRECTORY = ARM ? 040000 : 0200000;
    static final int O_NOFOLLOW = ARM ? 0100000 : 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;

    /** {@code unlinkat} flag: remove a directory. */
    static final int AT_REMOVEDIR = 0x200;

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_ADD_SEALS = 1033;
    static final int F_GET_SEALS = 1034;

    static final int F_SEAL_SEAL = 0x1;
    static final int F_SEAL_SHRINK = 0x2;
    static final int F_SEAL_GROW = 0x4;
    static final int F_SEAL_WRITE = 0x8;

    // fcntl is variadic: the int argument must be passed as a variadic argument. socket shares this shape
    private static final class FcntlCall {
        static final MethodHandle fcntl = Native.downcall("fcntl",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Native.VARIADIC_FROM_2, ERRNO);
    }

    // openat is variadic: the mode argument must be passed as a variadic argument. fchmodat and epoll_wait share
    // this shape
    static final class Openat { // not private: Warmup links it ahead of use
        static final MethodHandle openat = Native.downcall("openat",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT), Native.VARIADIC_FROM_3, ERRNO);
    }

    private static final class Fallocate {
        static final MethodHandle fallocate = Native.downcall("fallocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_LONG, C_LONG), ERRNO);
    }

    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len);} */
    static int fallocate(MemorySegment errno, int fd, int mode, long offset, long len) {
        try {
            return (int) Fallocate.fallocate.invokeExact(errno, fd, mode, offset, len);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int openat(int dirfd, const char *pathname, int flags, ... /* mode_t mode *}{@code /);} */
    static int openat(MemorySegment errno, int dirfd, MemorySegment path, int flags, int mode) {
        try {
            return (int) Openat.openat.invokeExact(errno, dirfd, path, flags, mode);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int fcntl(int fd, int cmd, ... /* int arg *}{@code /);} */
    static int fcntl(MemorySegment errno, int fd, int cmd, int arg) {
        try {
            return (int) FcntlCall.fcntl.invokeExact(errno, fd, cmd, arg);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
