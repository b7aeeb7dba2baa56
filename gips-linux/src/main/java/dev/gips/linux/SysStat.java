package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.ERRNO;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <sys/stat.h>}: {@code fchmodat}, {@code mkdirat} and {@code statx}. We use {@code statx} rather
 * than {@code stat}: its struct is the same on every architecture, and it is a real symbol since glibc 2.28.
 */
final class SysStat {
    private SysStat() {}

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_EMPTY_PATH = 0x1000;
    /** The empty path {@code ""} that goes with {@link #AT_EMPTY_PATH}: the descriptor itself is examined. */
    static final MemorySegment EMPTY_PATH = Arena.global().allocateFrom("");

    static final int STATX_TYPE = 0x1;
    static final int STATX_MODE = 0x2;
    static final int STATX_UID = 0x8;
    static final int STATX_INO = 0x100;
    static final int STATX_SIZE = 0x200;

    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;
    static final int S_ISVTX = 01000;
    static final int S_IWGRP = 020;
    static final int S_IWOTH = 02;

    /**
     * {@code struct statx { __u32 stx_mask; __u32 stx_blksize; __u64 stx_attributes; __u32 stx_nlink;
     * __u32 stx_uid; __u32 stx_gid; __u16 stx_mode; __u16 __spare0; __u64 stx_ino; __u64 stx_size; … }}
     * (256 bytes; we name the fields we read).
     */
    static final StructLayout STATX = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("stx_mask"),
            ValueLayout.JAVA_INT.withName("stx_blksize"),
            ValueLayout.JAVA_LONG.withName("stx_attributes"),
            ValueLayout.JAVA_INT.withName("stx_nlink"),
            ValueLayout.JAVA_INT.withName("stx_uid"),
            ValueLayout.JAVA_INT.withName("stx_gid"),
            ValueLayout.JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.paddingLayout(2),
            ValueLayout.JAVA_LONG.withName("stx_ino"),
            ValueLayout.JAVA_LONG.withName("stx_size"),
            ValueLayout.JAVA_LONG.withName("stx_blocks"),
            ValueLayout.JAVA_LONG.withName("stx_attributes_mask"),
            MemoryLayout.paddingLayout(64),             // stx_atime, stx_btime, stx_ctime, stx_mtime
            ValueLayout.JAVA_INT.withName("stx_rdev_major"),
            ValueLayout.JAVA_INT.withName("stx_rdev_minor"),
            ValueLayout.JAVA_INT.withName("stx_dev_major"),
            ValueLayout.JAVA_INT.withName("stx_dev_minor"),
            MemoryLayout.paddingLayout(112)).withName("statx");  // __spare3 and later fields: 256 bytes in all
    static final long STX_MODE = STATX.byteOffset(groupElement("stx_mode"));
    static final long STX_UID = STATX.byteOffset(groupElement("stx_uid"));
    static final long STX_INO = STATX.byteOffset(groupElement("stx_ino"));
    static final long STX_SIZE = STATX.byteOffset(groupElement("stx_size"));
    static final long STX_DEV_MAJOR = STATX.byteOffset(groupElement("stx_dev_major"));
    static final long STX_DEV_MINOR = STATX.byteOffset(groupElement("stx_dev_minor"));

    // fchmodat rather than chmod: its shape, int(int, void*, int, int), linked as openat's variadic one, is also
    // epoll_wait's, so a fresh JVM that binds a service generates two call stubs fewer (Native.VARIADIC_FROM_3)
    private static final class Fchmodat {
        static final MethodHandle fchmodat = Native.downcall("fchmodat",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT), Native.VARIADIC_FROM_3, ERRNO);
    }
    // mkdirat's shape, int(int, void*, int), is bind's, connect's and unlinkat's: no call stub of its own
    private static final class Mkdirat {
        static final MethodHandle mkdirat = Native.downcall("mkdirat",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT), ERRNO);
    }
    static final class Statx { // not private: Warmup links it ahead of use
        static final MethodHandle statx = Native.downcall("statx",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER), ERRNO);
    }

    /** {@code int fchmodat(int dirfd, const char *pathname, mode_t mode, int flags);} */
    static int fchmodat(MemorySegment errno, int dirfd, MemorySegment path, int mode, int flags) {
        try {
            return (int) Fchmodat.fchmodat.invokeExact(errno, dirfd, path, mode, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int mkdirat(int dirfd, const char *pathname, mode_t mode);} */
    static int mkdirat(MemorySegment errno, int dirfd, MemorySegment path, int mode) {
        try {
            return (int) Mkdirat.mkdirat.invokeExact(errno, dirfd, path, mode);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);} */
    static int statx(MemorySegment errno, int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        try {
            return (int) Statx.statx.invokeExact(errno, dirfd, path, flags, mask, buf);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
