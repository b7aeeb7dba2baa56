package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
     * What the abstract address of every gips-java endpoint starts with (a leading NUL, then {@code gips-java:}): a
     * listener that accepts a client with such an address knows it for gips for Java and sends it the hello (see
     * {@link Wire}). gips 0.2.0 clients do not bind an address, and no socket path starts with a NUL.
     */
    static final byte[] JAVA_ENDPOINT_PREFIX = {0, 'g', 'i', 'p', 's', '-', 'j', 'a', 'v', 'a', ':'};
    private static final int ADDRESS_TRIES = 8;

    /**
     * Binds {@code fd}, before it connects, to an abstract address of its own that starts with
     * {@link #JAVA_ENDPOINT_PREFIX}. The address serves twice: each datagram the endpoint sends carries it, so the
     * server tells an empty message from end-of-stream without {@code SO_PASSCRED} (see {@link Wire}), and it tells
     * a gips-java listener that this endpoint understands the hello. The rest of the name is random, so that
     * nobody can occupy the names of endpoints to come; after {@value #ADDRESS_TRIES} names in use (only a deliberate
     * squatter could cause that) it falls back to an autobind name, without the prefix: the endpoint then talks
     * plain gips 0.2.0.
     *
     * @return 0, or the errno of a failed {@code bind}: the server falls back to {@code SO_PASSCRED} for this client,
     *         so a failure is returned, not thrown
     */
    static int bindEndpointAddress(int fd, MemorySegment errno, Arena arena) {
        MemorySegment sa = arena.allocate(SysSocket.SOCKADDR_UN);
        sa.set(JAVA_SHORT, SysSocket.SUN_FAMILY, (short) SysSocket.AF_UNIX);
        MemorySegment.copy(JAVA_ENDPOINT_PREFIX, 0, sa, JAVA_BYTE, SysSocket.SUN_PATH, JAVA_ENDPOINT_PREFIX.length);
        long nameAt = SysSocket.SUN_PATH + JAVA_ENDPOINT_PREFIX.length;
        for (int i = 0; i < ADDRESS_TRIES; i++) {
            String random = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
            byte[] name = random.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(name, 0, sa, JAVA_BYTE, nameAt, name.length);
            if (SysSocket.bind(errno, fd, sa, (int) nameAt + name.length) == 0) {
                return 0;
            }
            if (Native.errno(errno) != Errno.EADDRINUSE) {
                return Native.errno(errno);
            }
        }
        // an address of just sun_family asks for autobind (unix(7))
        return SysSocket.bind(errno, fd, sa, (int) JAVA_SHORT.byteSize()) < 0 ? Native.errno(errno) : 0;
    }

    /**
     * The mode of a gips-java service's socket file: every user may connect (0666, as gips 0.2.0 sets it; the
     * policy decides who is served), plus the sticky bit, which means nothing to the kernel on a socket and tells a
     * connecting gips-java endpoint that a gips-java listener made the file. Only the file's owner can set it, and
     * gips 0.2.0 sets 0666, so a plain gips service's file never has it.
     */
    static final int SERVICE_FILE_MODE = 0666 | SysStat.S_ISVTX;

    /**
     * The identity (device, inode) of the socket file at {@code path} if it carries the mark of a gips-java service
     * ({@link #SERVICE_FILE_MODE}'s sticky bit), else {@code null}. Follows symbolic links, as {@code connect} does.
     */
    static long[] markedServiceFile(MemorySegment path, MemorySegment errno, Arena arena) {
        MemorySegment st = arena.allocate(SysStat.STATX);
        if (SysStat.statx(errno, SysStat.AT_FDCWD, path, 0, SysStat.STATX_TYPE | SysStat.STATX_MODE
                | SysStat.STATX_INO, st) < 0) {
            return null;
        }
        int mode = st.get(JAVA_SHORT, SysStat.STX_MODE);
        if ((mode & SysStat.S_IFMT) != SysStat.S_IFSOCK || (mode & SysStat.S_ISVTX) == 0) {
            return null;
        }
        return new long[] {st.get(JAVA_INT, SysStat.STX_DEV_MAJOR), st.get(JAVA_INT, SysStat.STX_DEV_MINOR),
            st.get(JAVA_LONG, SysStat.STX_INO)};
    }

    /** Whether a peer's address ({@code accept4}'s, {@code length} bytes) is a gips-java endpoint's. */
    static boolean isJavaEndpoint(MemorySegment address, int length) {
        if (length < SysSocket.SUN_PATH + JAVA_ENDPOINT_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < JAVA_ENDPOINT_PREFIX.length; i++) {
            if (address.get(JAVA_BYTE, SysSocket.SUN_PATH + i) != JAVA_ENDPOINT_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /** The first pause while a service's queue of pending connections is full; it doubles from there. */
    private static final long FIRST_FULL_QUEUE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest pause: how late, at most, a waiting connect notices room in the queue. */
    private static final long MAX_FULL_QUEUE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /**
     * Connects the non-blocking socket {@code fd} to {@code address}, waiting while the service's queue of pending
     * connections is full.
     *
     * <p>Why not a blocking {@code connect(2)}: on a full queue (a server that stopped accepting, a flood, a squatter
     * that listens with a backlog of 0) it sleeps in the kernel until the server accepts, which may be never: no
     * interrupt ends it, and on a virtual thread it holds the carrier (three such threads stopped every virtual
     * thread of a JVM). Non-blocking, the kernel answers EAGAIN instead, and no poll event says that the queue has
     * room, so the thread parks and tries again, 1 ms later, then doubling up to 20 ms apart: cheap, and prompt
     * enough for what is an overload.
     *
     * @param timeoutNanos how long to wait for room: {@code < 0} as long as it takes, {@code 0} not at all
     * @throws dev.gips.ipc.NoSuchServiceException if nobody serves the name: no socket file (ENOENT), or nobody
     *         listening on it (ECONNREFUSED: a stale file, a file that is not a socket, an unused abstract name)
     * @throws InterruptedIOException if the thread is interrupted while waiting; its interrupt status stays set
     * @throws IOException if the queue stayed full for {@code timeoutNanos}, or connect failed otherwise
     */
    static void connect(int fd, UnixAddress address, long timeoutNanos, MemorySegment errno, Arena arena)
            throws IOException {
        Where where = address.where();
        MemorySegment sa = address.sockaddr(arena);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long pause = FIRST_FULL_QUEUE_PAUSE_NANOS;
        for (;;) {
            if (SysSocket.connect(errno, fd, sa, address.sockaddrLength()) == 0) {
                return;
            }
            int e = Native.errno(errno);
            if (e == Errno.EINTR) {
                continue;
            }
            if (e == Errno.ENOENT || e == Errno.ECONNREFUSED) {
                String missing = e == Errno.ENOENT && !address.isAbstract() ? address.missingDirectory() : null;
                throw missing == null ? where.noService("connect", e)
                        : where.noService("connect", e, "the directory " + missing + " does not exist");
            }
            if (e != Errno.EAGAIN) {
                throw where.error("connect", e);
            }
            long left = timeoutNanos < 0 ? pause : deadline - System.nanoTime();
            if (timeoutNanos == 0 || left <= 0) {
                throw where.error("connect", "the service's queue of pending connections is full"
                        + (timeoutNanos == 0 ? "" : " and had no room before the time was up")
                        + ": it is not accepting connections (" + Errno.describe(e) + ")");
            }
            LockSupport.parkNanos(Math.min(pause, left));
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException(where.message("connect", "interrupted while waiting for room in"
                        + " the service's queue of pending connections"));
            }
            pause = Math.min(2 * pause, MAX_FULL_QUEUE_PAUSE_NANOS);
        }
    }

    /** Clears {@code O_NONBLOCK} on {@code fd}: a connected endpoint's platform threads wait in the kernel. */
    static void setBlocking(int fd, MemorySegment errno, Where where) throws IOException {
        int flags = Fcntl.fcntl(errno, fd, Fcntl.F_GETFL, 0);
        if (flags < 0 || Fcntl.fcntl(errno, fd, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK) < 0) {
            throw where.error("fcntl(F_SETFL) to make the socket blocking", Native.errno(errno));
        }
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
     * @param scratch the caller's, for the {@code pollfd}
     * @return whether it became ready
     */
    static boolean awaitReadable(int fd, long nanos, WaitScratch scratch, Where where) throws IOException {
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
