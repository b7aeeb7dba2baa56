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

    /** The functions, linked on first use only (never on other systems). */
    static final class Handles {
        private Handles() {}

        private static final Linker.Option CRITICAL = Linker.Option.critical(false);
        static final MethodHandle CLOSE = Native.downcall("close", FunctionDescriptor.of(C_INT, C_INT), ERRNO);
        static final MethodHandle FTRUNCATE = Native.downcall("ftruncate",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG), ERRNO);
        static final MethodHandle GETPID = Native.downcall("getpid", FunctionDescriptor.of(C_INT), CRITICAL);
        static final MethodHandle GETEUID = Native.downcall("geteuid", FunctionDescriptor.of(C_INT), CRITICAL);
        static final MethodHandle GETEGID = Native.downcall("getegid", FunctionDescriptor.of(C_INT), CRITICAL);
        static final MethodHandle GETGROUPS = Native.downcall("getgroups",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), ERRNO);
        static final MethodHandle GETGROUPLIST = Native.downcall("getgrouplist",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER));
    }

    /** {@code int close(int fd);} */
    static int close(MemorySegment errno, int fd) {
        try {
            return (int) Handles.CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int ftruncate(int fd, off_t length);} */
    static int ftruncate(MemorySegment errno, int fd, long length) {
        try {
            return (int) Handles.FTRUNCATE.invokeExact(errno, fd, length);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code pid_t getpid(void);} */
    static int getpid() {
        try {
            return (int) Handles.GETPID.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code uid_t geteuid(void);} */
    static int geteuid() {
        try {
            return (int) Handles.GETEUID.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code gid_t getegid(void);} */
    static int getegid() {
        try {
            return (int) Handles.GETEGID.invokeExact();
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgroups(int gidsetsize, gid_t grouplist[]);} */
    static int getgroups(MemorySegment errno, int size, MemorySegment list) {
        try {
            return (int) Handles.GETGROUPS.invokeExact(errno, size, list);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code int getgrouplist(const char *name, int basegid, int *groups, int *ngroups);} */
    static int getgrouplist(MemorySegment name, int basegid, MemorySegment groups, MemorySegment ngroups) {
        try {
            return (int) Handles.GETGROUPLIST.invokeExact(name, basegid, groups, ngroups);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
