package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_LONG;
import static dev.gips.macos.Native.C_POINTER;
import static dev.gips.macos.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for macOS {@code <sys/mman.h>}: POSIX shared memory and mappings. Values differ from Linux. */
final class SysMman {
    private SysMman() {}

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    /** {@code MAP_FAILED}, {@code (void *)-1}. */
    static final long MAP_FAILED = -1L;
    /** {@code PSHMNAMLEN}: longest POSIX shm name, without the NUL. */
    static final int PSHMNAMLEN = 31;

    // int shm_open(const char *, int, ...): the mode is variadic, which on arm64 Darwin goes on the stack
    private static final class ShmOpen {
        static final MethodHandle shm_open = Native.downcall("shm_open",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2), ERRNO);
    }
    private static final class ShmUnlink {
        static final MethodHandle shm_unlink = Native.downcall("shm_unlink",
                FunctionDescriptor.of(C_INT, C_POINTER), ERRNO);
    }
    private static final class Mmap {
        static final MethodHandle mmap = Native.downcall("mmap",
                FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG), ERRNO);
    }
    private static final class Munmap {
        static final MethodHandle munmap = Native.downcall("munmap",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG), ERRNO);
    }

    /** {@code int shm_open(const char *name, int oflag, ...);} with the mode as the one variadic {@code int}. */
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

    /** {@code void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);} */
    static MemorySegment mmap(MemorySegment errno, MemorySegment addr, long len, int prot, int flags, int fd,
            long offset) {
        try {
            return (MemorySegment) Mmap.mmap.invokeExact(errno, addr, len, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int munmap(void *addr, size_t len);} */
    static int munmap(MemorySegment errno, MemorySegment addr, long len) {
        try {
            return (int) Munmap.munmap.invokeExact(errno, addr, len);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
