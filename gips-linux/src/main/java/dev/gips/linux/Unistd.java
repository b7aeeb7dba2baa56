package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_LONG;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SIZE_T;
import static dev.gips.linux.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <unistd.h>}: descriptors, files, process identity. */
final class Unistd {
    private Unistd() {}

    private static final class Close {
        static final MethodHandle close = Native.downcall("close",
                FunctionDescriptor.of(C_INT, C_INT), ERRNO);
    }
    private static final class Read {
        static final MethodHandle read = Native.downcall("read",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T), ERRNO);
    }
    private static final class Write {
        static final MethodHandle write = Native.downcall("write",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T), ERRNO);
    }
    private static final class Pread {
        static final MethodHandle pread = Native.downcall("pread",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_LONG), ERRNO);
    }
    // critical: the buffer may be a Java array; only for descriptors that never block (a memfd), and in bounded
    // chunks, since the GC waits for a critical call to return. Linked only where Native.CRITICAL_WITH_ERRNO: JDK 22
    // and 23 refuse critical together with captureCallState
    private static final class WriteCritical {
        static final MethodHandle writeCritical = Native.downcall("write",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T), ERRNO, Linker.Option.critical(true));
    }
    private static final class PreadCritical {
        static final MethodHandle preadCritical = Native.downcall("pread",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_LONG), ERRNO, Linker.Option.critical(true));
    }
    // unlinkat rather than unlink: its shape, int(int, void*, int), is bind's and connect's, so a fresh JVM that
    // closes a service generates one call stub fewer
    private static final class Unlinkat {
        static final MethodHandle unlinkat = Native.downcall("unlinkat",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT), ERRNO);
    }
    private static final class Linkat {
        static final MethodHandle linkat = Native.downcall("linkat",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT), ERRNO);
    }
    private static final class Readlinkat {
        static final MethodHandle readlinkat = Native.downcall("readlinkat",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_POINTER, C_SIZE_T), ERRNO);
    }
    private static final class Ftruncate {
        static final MethodHandle ftruncate = Native.downcall("ftruncate",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG), ERRNO);
    }
    private static final class Getpid {
        static final MethodHandle getpid = Native.downcall("getpid",
                FunctionDescriptor.of(C_INT));
    }
    static final class Geteuid { // not private: Warmup links it ahead of use
        static final MethodHandle geteuid = Native.downcall("geteuid",
                FunctionDescriptor.of(C_INT));
    }
    private static final class Getegid {
        static final MethodHandle getegid = Native.downcall("getegid",
                FunctionDescriptor.of(C_INT));
    }
    private static final class Getgroups {
        static final MethodHandle getgroups = Native.downcall("getgroups",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), ERRNO);
    }

    /** {@code int close(int fd);} */
    static int close(MemorySegment errno, int fd) {
        try {
            return (int) Close.close.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count);} */
    static long read(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) Read.read.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count);} */
    static long write(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) Write.write.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset);} */
    static long pread(MemorySegment errno, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) Pread.pread.invokeExact(errno, fd, buf, count, offset);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code write} to a descriptor that never blocks (a memfd), as a critical call: {@code buf} may be a heap
     * segment, which the kernel then copies from directly. Only where {@link Native#CRITICAL_WITH_ERRNO}.
     */
    static long writeNonBlocking(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) WriteCritical.writeCritical.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset);} from a descriptor that never blocks (a
     * memfd), as a critical call: {@code buf} may be a heap segment, which the kernel then copies into directly.
     * Only where {@link Native#CRITICAL_WITH_ERRNO}.
     */
    static long preadNonBlocking(MemorySegment errno, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) PreadCritical.preadCritical.invokeExact(errno, fd, buf, count, offset);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int unlinkat(int dirfd, const char *pathname, int flags);} */
    static int unlinkat(MemorySegment errno, int dirfd, MemorySegment path, int flags) {
        try {
            return (int) Unlinkat.unlinkat.invokeExact(errno, dirfd, path, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);} */
    static int linkat(MemorySegment errno, int oldDirfd, MemorySegment oldPath, int newDirfd, MemorySegment newPath,
            int flags) {
        try {
            return (int) Linkat.linkat.invokeExact(errno, oldDirfd, oldPath, newDirfd, newPath, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code ssize_t readlinkat(int dirfd, const char *pathname, char *buf, size_t bufsiz);} */
    static long readlinkat(MemorySegment errno, int dirfd, MemorySegment path, MemorySegment buf, long size) {
        try {
            return (long) Readlinkat.readlinkat.invokeExact(errno, dirfd, path, buf, size);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int ftruncate(int fd, off_t length);} */
    static int ftruncate(MemorySegment errno, int fd, long length) {
        try {
            return (int) Ftruncate.ftruncate.invokeExact(errno, fd, length);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code pid_t getpid(void);} */
    static int getpid() {
        try {
            return (int) Getpid.getpid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code uid_t geteuid(void);} */
    static int geteuid() {
        try {
            return (int) Geteuid.geteuid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code gid_t getegid(void);} */
    static int getegid() {
        try {
            return (int) Getegid.getegid.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgroups(int size, gid_t list[]);} */
    static int getgroups(MemorySegment errno, int size, MemorySegment list) {
        try {
            return (int) Getgroups.getgroups.invokeExact(errno, size, list);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
