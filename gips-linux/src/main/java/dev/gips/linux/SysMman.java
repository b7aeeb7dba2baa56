package dev.gips.linux;

import static dev.gips.linux.Native.C_INT;
import static dev.gips.linux.Native.C_LONG;
import static dev.gips.linux.Native.C_POINTER;
import static dev.gips.linux.Native.C_SIZE_T;
import static dev.gips.linux.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for {@code <sys/mman.h>}: mappings, memfd and POSIX shared memory. */
final class SysMman {
    private SysMman() {}

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final long MAP_FAILED = -1L;

    static final int MFD_CLOEXEC = 0x1;
    static final int MFD_ALLOW_SEALING = 0x2;

    static final class Mmap { // not private: Warmup links it ahead of use
        static final MethodHandle mmap = Native.downcall("mmap",
                FunctionDescriptor.of(C_POINTER, C_POINTER, C_SIZE_T, C_INT, C_INT, C_INT, C_LONG), ERRNO);
    }
    static final class Munmap { // not private: Warmup links it ahead of use
        static final MethodHandle munmap = Native.downcall("munmap",
                FunctionDescriptor.of(C_INT, C_POINTER, C_SIZE_T), ERRNO);
    }

    /** Linked on first use: {@code memfd_create} is missing from glibc before 2.27. */
    private static final class MemfdCreate {
        static final MethodHandle memfd_create = Native.downcall("memfd_create",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT), ERRNO);
    }

    /**
     * Linked on first use: in glibc before 2.34 these live in librt.so.1. glibc declares {@code shm_open} with a
     * fixed {@code mode_t} argument (macOS makes it variadic; on Linux both conventions pass it alike).
     */
    private static final class ShmOpen {
        static final MethodHandle shm_open = Native.downcall("shm_open", "librt.so.1",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), ERRNO);
    }
    private static final class ShmUnlink {
        static final MethodHandle shm_unlink = Native.downcall("shm_unlink", "librt.so.1",
                FunctionDescriptor.of(C_INT, C_POINTER), ERRNO);
    }

    /** {@code int shm_open(const char *name, int oflag, mode_t mode);} */
    static int shm_open(MemorySegment errno, MemorySegment name, int oflag, int mode) {
        try {
            return (int) ShmOpen.shm_open.invokeExact(errno, name, oflag, mode);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int shm_unlink(const char *name);} */
    static int shm_unlink(MemorySegment errno, MemorySegment name) {
        try {
            return (int) ShmUnlink.shm_unlink.invokeExact(errno, name);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);} */
    static MemorySegment mmap(MemorySegment errno, MemorySegment addr, long length, int prot, int flags, int fd,
            long offset) {
        try {
            return (MemorySegment) Mmap.mmap.invokeExact(errno, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int munmap(void *addr, size_t length);} */
    static int munmap(MemorySegment errno, MemorySegment addr, long length) {
        try {
            return (int) Munmap.munmap.invokeExact(errno, addr, length);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int memfd_create(const char *name, unsigned int flags);} */
    static int memfd_create(MemorySegment errno, MemorySegment name, int flags) {
        try {
            return (int) MemfdCreate.memfd_create.invokeExact(errno, name, flags);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
