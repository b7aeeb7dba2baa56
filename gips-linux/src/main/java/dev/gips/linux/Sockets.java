package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Socket chores shared by the listener and the endpoint. */
final class Sockets {
    private Sockets() {}

    /**
     * The largest payload sent inline by any socket: the system's default send buffer less the 32 bytes the
     * kernel keeps ({@code unix_dgram_sendmsg}). Fixed per process so that the handle limit of a payload size does
     * not depend on the socket.
     */
    static final int INLINE_MAX = defaultSendBuffer() - 32;

    private static int defaultSendBuffer() {
        // read to EOF: procfs reports size 0, and Files.readString then returns only the first byte
        try (var in = Files.newInputStream(Path.of("/proc/sys/net/core/wmem_default"))) {
            int v = Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
            if (v >= 4096) {
                return v;
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the kernel's default
        }
        return 212_992;
    }

    /** The largest payload {@code fd} sends inline. */
    static int inlineMax(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocateFrom(JAVA_INT, 4);
            if (SysSocket.getsockopt(Native.threadCapture(), fd, SysSocket.SOL_SOCKET, SysSocket.SO_SNDBUF, value,
                    len) < 0) {
                return INLINE_MAX;
            }
            return Math.max(0, Math.min(INLINE_MAX, value.get(JAVA_INT, 0) - 32));
        }
    }

    /**
     * Binds {@code fd} to an autobind name (an abstract address the kernel picks), so that each datagram it sends
     * carries an address and the server can tell an empty message from end-of-stream without {@code SO_PASSCRED}
     * (see {@link Wire}). Only a saving for the server: if the kernel has no name left, the server falls back to
     * {@code SO_PASSCRED} for this client, so a failure is returned, not thrown.
     *
     * @return 0, or the errno of a failed {@code bind}
     */
    static int autobind(int fd, MemorySegment errno, Arena arena) {
        MemorySegment family = arena.allocate(SysSocket.SOCKADDR_UN);
        family.set(JAVA_SHORT, SysSocket.SUN_FAMILY, (short) SysSocket.AF_UNIX);
        // an address of just sun_family asks for autobind (unix(7))
        return SysSocket.bind(errno, fd, family, (int) JAVA_SHORT.byteSize()) < 0 ? Native.errno(errno) : 0;
    }

    /**
     * Sets {@code SO_PASSCRED} on the socket of a client that has no address, so that {@link Wire} can tell its empty
     * messages from end-of-stream.
     */
    static void passCredentials(int fd, Where where) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            if (SysSocket.setsockopt(errno, fd, SysSocket.SOL_SOCKET, SysSocket.SO_PASSCRED,
                    arena.allocateFrom(JAVA_INT, 1), 4) < 0) {
                throw where.error("setsockopt(SO_PASSCRED)", Native.errno(errno));
            }
        }
    }

    /**
     * Waits until {@code fd} is readable (or hung up) or {@code nanos} passed; {@code nanos < 0} waits forever.
     *
     * @param scratch the caller's {@code pollfd} and errno slot
     * @return whether it became ready
     */
    static boolean awaitReadable(int fd, long nanos, MsgBuffers scratch, Where where) throws IOException {
        MemorySegment pfd = scratch.pollfd;
        pfd.set(JAVA_INT, Poll.FD, fd);
        pfd.set(JAVA_SHORT, Poll.EVENTS, Poll.POLLIN);
        long deadline = System.nanoTime() + nanos;
        for (;;) {
            long left = deadline - System.nanoTime();
            if (nanos >= 0 && left <= 0) {
                return false;
            }
            int r = Poll.poll(scratch.errno, pfd, 1, nanos < 0 ? -1 : millisRoundedUp(left));
            if (r > 0) {
                return true;
            }
            if (r < 0 && Native.errno(scratch.errno) != Errno.EINTR) {
                throw where.error("poll", Native.errno(scratch.errno));
            }
        }
    }

    /** A poll timeout in whole milliseconds, rounded up so that a short wait never becomes a busy loop. */
    static int millisRoundedUp(long nanos) {
        long ms = (nanos + 999_999) / 1_000_000;
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    /** {@code shutdown(fd, SHUT_RDWR)}: wakes every thread blocked on {@code fd} and tells the peer. */
    static void shutdown(int fd) {
        SysSocket.shutdown(Native.threadCapture(), fd, SysSocket.SHUT_RDWR);
    }
}
