package dev.gips.cli;

import dev.gips.ipc.Handle;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Handles from files ({@code --handle PATH}): Java has no API that yields a file's descriptor number, so the tool
 * opens the file itself with {@code open(2)}, read-only, and gives gips the descriptor. Linux and macOS.
 */
@SuppressWarnings("restricted")
final class Descriptors {
    private Descriptors() {}

    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    /** Linked on first use: a command without {@code --handle} never links them. */
    private static final class Libc {
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement
                .groupElement("errno"));
        /** {@code int open(const char *path, int flags, ...);} called with no variadic argument */
        static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
        /** {@code int close(int fd);} */
        static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final int O_RDONLY = 0;   // 0 on Linux and macOS

    /** A handle to {@code file}, opened read-only; the caller closes it. */
    static Handle open(Path file) throws IOException {
        if (WINDOWS) {
            throw new IOException("--handle " + file + ": handles from files are for Linux and macOS (file"
                    + " descriptors); on Windows gips sends HANDLEs");
        }
        int fd;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(Libc.CAPTURE);
            fd = (int) Libc.OPEN.invokeExact(capture, arena.allocateFrom(file.toString()), O_RDONLY);
            errno = (int) Libc.ERRNO.get(capture, 0L);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open failed unexpectedly", t);
        }
        if (fd < 0) {
            throw new IOException("--handle " + file + ": open failed: " + (Files.exists(file)
                    ? "errno " + errno + (errno == 13 ? " (EACCES: permission denied)" : "")
                    : "no such file"));
        }
        try {
            return Handle.ofFileDescriptor(fd);   // a duplicate
        } finally {
            try {
                int ignored = (int) Libc.CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new AssertionError("close failed unexpectedly", t);
            }
        }
    }

    /**
     * {@code FILE_DESCRIPTOR 5 -> /tmp/data.bin}: the kind, and for a descriptor what it refers to when the OS says
     * ({@code /proc/self/fd} on Linux).
     */
    static String describe(Handle handle) {
        if (handle.kind() != Handle.Kind.FILE_DESCRIPTOR) {
            return handle.kind().toString();
        }
        int fd = handle.fileDescriptor();
        try {
            return "FILE_DESCRIPTOR " + fd + " -> " + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        } catch (IOException | UnsupportedOperationException e) {
            return "FILE_DESCRIPTOR " + fd;   // no /proc (macOS): the number is all there is
        }
    }
}
