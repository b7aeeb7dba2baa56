package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_LONG;
import static dev.gips.macos.Native.C_POINTER;
import static dev.gips.macos.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for macOS {@code <unistd.h>}. */
final class Unistd {
    private Unistd() {}

    // getpid, geteuid, getegid: always short, never blocking, no errno to capture
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final class Close {
        static final MethodHandle close = Native.downcall("close", FunctionDescriptor.of(C_INT, C_INT), ERRNO);
    }
    private static final class Ftruncate {
        static final MethodHandle ftruncate = Native.downcall("ftruncate",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG), ERRNO);
    }
    private static final class Getpid {
        static final MethodHandle getpid = Native.downcall("getpid", FunctionDescriptor.of(C_INT), CRITICAL);
    }
    private static final class Geteuid {
        static final MethodHandle geteuid = Native.downcall("geteuid", FunctionDescriptor.of(C_INT), CRITICAL);
    }
    private static final class Getegid {
        static final MethodHandle getegid = Native.downcall("getegid", FunctionDescriptor.of(C_INT), CRITICAL);
    }
    private static final class Getgroups {
        static final MethodHandle getgroups = Native.downcall("getgroups",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), ERRNO);
    }
    private static final class Getgrouplist {
        static final MethodHandle getgrouplist = Native.downcall("getgrouplist",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER));
    }

    /** {@code int close(int fd);} */
    static int close(MemorySegment errno, int fd) {
        try {
            return (int) Close.close.invokeExact(errno, fd);
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

    /** {@code int getgroups(int gidsetsize, gid_t grouplist[]);} */
    static int getgroups(MemorySegment errno, int size, MemorySegment list) {
        try {
            return (int) Getgroups.getgroups.invokeExact(errno, size, list);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgrouplist(const char *name, int basegid, int *groups, int *ngroups);} */
    static int getgrouplist(MemorySegment name, int basegid, MemorySegment groups, MemorySegment ngroups) {
        try {
            return (int) Getgrouplist.getgrouplist.invokeExact(name, basegid, groups, ngroups);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
