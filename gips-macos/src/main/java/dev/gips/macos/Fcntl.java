package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.ERRNO;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Bindings for macOS {@code <fcntl.h>}. The open flags differ from Linux ({@code O_CREAT} is 0x200 here). */
final class Fcntl {
    private Fcntl() {}

    static final int O_RDWR = 0x2;
    static final int O_CREAT = 0x200;
    static final int O_EXCL = 0x800;
    static final int F_DUPFD_CLOEXEC = 67;

    // int fcntl(int, int, ...): the argument is variadic
    private static final class FcntlCall {
        static final MethodHandle fcntl = Native.downcall("fcntl",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2), ERRNO);
    }

    /** {@code int fcntl(int fd, int cmd, ...);} with one {@code int} argument. */
    static int fcntl(MemorySegment errno, int fd, int cmd, int arg) {
        try {
            return (int) FcntlCall.fcntl.invokeExact(errno, fd, cmd, arg);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
