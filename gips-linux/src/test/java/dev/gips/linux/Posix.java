package dev.gips.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Raw descriptors for tests that send them: Java has no public way to get one, so {@code open}, {@code pipe2} and
 * {@code socketpair} (which the library itself never calls) are called through the library's own linker helpers. Every descriptor is close-on-exec, so peers started later do
 * not inherit it.
 */
final class Posix {
    private Posix() {}

    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400,
            O_CLOEXEC = 0x80000;

    private static final MethodHandle OPEN = Native.downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Native.ERRNO,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PIPE2 = Native.downcall("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Native.ERRNO);
    private static final MethodHandle SOCKETPAIR = Native.downcall("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Native.ERRNO);

    /** {@code int socketpair(int domain, int type, int protocol, int sv[2]);} */
    static int socketpair(MemorySegment errno, int domain, int type, int protocol, MemorySegment sv) {
        try {
            return (int) SOCKETPAIR.invokeExact(errno, domain, type, protocol, sv);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code open(path, flags | O_CLOEXEC, mode)}. */
    static int open(Path path, int flags, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = (int) OPEN.invokeExact(errno, arena.allocateFrom(path.toString()), flags | O_CLOEXEC, mode);
            if (fd < 0) {
                throw new IOException("open " + path + ": " + Errno.describe(Native.errno(errno)));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code pipe2(O_CLOEXEC)}: {read end, write end}. */
    static int[] pipe() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            if ((int) PIPE2.invokeExact(errno, fds, O_CLOEXEC) < 0) {
                throw new IOException("pipe2: " + Errno.describe(Native.errno(errno)));
            }
            return fds.toArray(JAVA_INT);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Reads {@code fd} (a pipe's read end) to end-of-file, waiting at most {@code timeout} in all: end-of-file comes
     * only once every copy of the write end, in every process, is closed.
     */
    static byte[] readToEof(int fd, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Where where = new Where("pipe", "fd " + fd);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment buf = arena.allocate(4096);
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !Sockets.awaitReadable(fd, left, new WaitScratch(), where)) {
                    throw new IOException("no end-of-file on fd " + fd + " within " + timeout + " (a write end is"
                            + " still open somewhere); read so far: " + out);
                }
                long n = Unistd.read(errno, fd, buf, buf.byteSize());
                if (n < 0) {
                    throw where.error("read", Native.errno(errno));
                }
                if (n == 0) {
                    return out.toByteArray();
                }
                out.write(buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        }
    }

    static void close(int fd) {
        Fds.closeQuietly(fd);
    }

    /** What descriptor {@code fd} of this process refers to, e.g. {@code pipe:[1234]} or a file's path. */
    static String describe(int fd) throws IOException {
        return Files.readSymbolicLink(procFd(fd)).toString();
    }

    /** {@code /proc/self/fd/<fd>}: opening it opens the object behind the descriptor afresh, at offset 0. */
    static Path procFd(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }
}
