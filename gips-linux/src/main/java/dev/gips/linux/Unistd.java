package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_LONG;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SIZE_T;
import static dev.gips.linux.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <unistd.h>}: descriptors, files, process identity. */
final class Unistd {
    private Unistd() {}

    private static final MethodHandle close = Native.downcall("close",
            FunctionDescriptor.of(C_INT, C_INT), ERRNO);
    private static final MethodHandle read = Native.downcall("read",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T), ERRNO);
    private static final MethodHandle write = Native.downcall("write",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T), ERRNO);
    private static final MethodHandle unlink = Native.downcall("unlink",
            FunctionDescriptor.of(C_INT, C_POINTER), ERRNO);
    private static final MethodHandle ftruncate = Native.downcall("ftruncate",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG), ERRNO);
    private static final MethodHandle getpid = Native.downcall("getpid",
            FunctionDescriptor.of(C_INT));
    private static final MethodHandle geteuid = Native.downcall("geteuid",
            FunctionDescriptor.of(C_INT));
    private static final MethodHandle getegid = Native.downcall("getegid",
            FunctionDescriptor.of(C_INT));
    private static final MethodHandle getgroups = Native.downcall("getgroups",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER), ERRNO);

    /** {@code int close(int fd);} */
    static int close(MemorySegment errno, int fd) {
        try {
            return (int) close.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count);} */
    static long read(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) read.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count);} */
    static long write(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) write.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int unlink(const char *pathname);} */
    static int unlink(MemorySegment errno, MemorySegment path) {
        try {
            return (int) unlink.invokeExact(errno, path);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int ftruncate(int fd, off_t length);} */
    static int ftruncate(MemorySegment errno, int fd, long length) {
        try {
            return (int) ftruncate.invokeExact(errno, fd, length);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code pid_t getpid(void);} */
    static int getpid() {
        try {
            return (int) getpid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code uid_t geteuid(void);} */
    static int geteuid() {
        try {
            return (int) geteuid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code gid_t getegid(void);} */
    static int getegid() {
        try {
            return (int) getegid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgroups(int size, gid_t list[]);} */
    static int getgroups(MemorySegment errno, int size, MemorySegment list) {
        try {
            return (int) getgroups.invokeExact(errno, size, list);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
