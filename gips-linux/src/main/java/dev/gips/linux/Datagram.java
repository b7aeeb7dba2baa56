package dev.gips.linux;

import static dev.gips.linux.SysSocket.CMSG_ALIGN;
import static dev.gips.linux.SysSocket.CMSG_DATA_OFFSET;
import static dev.gips.linux.SysSocket.CMSG_LEN;
import static dev.gips.linux.SysSocket.CMSG_LEN_OFFSET;
import static dev.gips.linux.SysSocket.CMSG_LEVEL;
import static dev.gips.linux.SysSocket.CMSG_SPACE;
import static dev.gips.linux.SysSocket.CMSG_TYPE;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One datagram in or out of a SOCK_SEQPACKET socket, through a {@link MsgBuffers}: {@code sendmsg} with the
 * descriptors as one {@code SCM_RIGHTS} control message; {@code recvmsg} with room for the sender's address and the
 * control messages, then what the kernel reported ({@code MSG_TRUNC}, {@code MSG_CTRUNC}, whether a sender's address
 * or control data came) and the descriptors received. EINTR is retried here; every other failure is returned as
 * {@code -errno}. What the datagrams mean (a marker, a hello, end-of-stream) is {@link Wire}'s.
 */
final class Datagram {
    private Datagram() {}

    private static final int[] NO_FDS = new int[0];

    /** Waits until a socket may be writable again; for senders that must not block in the kernel. */
    @FunctionalInterface
    interface Waiter {
        void awaitWritable() throws IOException;
    }

    /** Thrown by {@link #NEVER_WAIT}: the socket is full and nothing was sent. */
    static final class WouldBlock extends IOException {
        private static final long serialVersionUID = 1L;
        static final WouldBlock INSTANCE = new WouldBlock();

        private WouldBlock() {
            super("would block", null); // shared and stackless: it is control flow, not an error
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** A waiter for sends that must not wait: a full socket ends the send with {@link WouldBlock}. */
    static final Waiter NEVER_WAIT = () -> {
        throw WouldBlock.INSTANCE;
    };

    /**
     * {@code sendmsg} of {@code len} bytes of {@code data} with {@code fds}, whole (SEQPACKET sends one datagram per
     * call, or nothing).
     *
     * @param waiter {@code null} to block in {@code sendmsg} (a blocking socket, a platform thread); otherwise the call
     *               uses {@code MSG_DONTWAIT} and asks the waiter whenever the socket is full
     * @return the bytes sent, or {@code -errno}
     */
    static long send(MsgBuffers b, int fd, MemorySegment data, long len, long[] fds, Waiter waiter)
            throws IOException {
        MemorySegment msg = b.msghdr;
        b.iov.set(ADDRESS, SysSocket.IOV_BASE, data);
        b.iov.set(JAVA_LONG, SysSocket.IOV_LEN, len);
        msghdr(msg, MemorySegment.NULL, 0, b.iov, MemorySegment.NULL, 0);
        if (fds.length > 0) {
            MemorySegment c = b.control;
            c.set(JAVA_LONG, CMSG_LEN_OFFSET, CMSG_LEN(4L * fds.length));
            c.set(JAVA_INT, CMSG_LEVEL, SysSocket.SOL_SOCKET);
            c.set(JAVA_INT, CMSG_TYPE, SysSocket.SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                c.set(JAVA_INT, CMSG_DATA_OFFSET + 4L * i, (int) fds[i]);
            }
            msg.set(ADDRESS, SysSocket.MSG_CONTROL, c);
            msg.set(JAVA_LONG, SysSocket.MSG_CONTROLLEN, CMSG_SPACE(4L * fds.length));
        }
        int flags = SysSocket.MSG_NOSIGNAL | (waiter == null ? 0 : SysSocket.MSG_DONTWAIT);
        for (;;) {
            long n = SysSocket.sendmsg(b.errno, fd, msg, flags);
            if (n >= 0) {
                return n;
            }
            int e = Native.errno(b.errno);
            if (e == Errno.EAGAIN && waiter != null) {
                waiter.awaitWritable();
            } else if (e != Errno.EINTR) {
                return -e;
            }
        }
    }

    /**
     * {@code send} of {@code len} bytes of {@code data} (a heap segment is fine: the kernel copies from the array
     * itself) with no descriptors, whole, without waiting: a critical call, so only where
     * {@link Native#CRITICAL_WITH_ERRNO}.
     *
     * @return the bytes sent, or {@code -errno}: {@code -EAGAIN} when the socket is full and nothing was sent
     */
    static long sendNow(MsgBuffers b, int fd, MemorySegment data, long len) {
        for (;;) {
            long n = SysSocket.sendNonBlocking(b.errno, fd, data, len, SysSocket.MSG_NOSIGNAL | SysSocket.MSG_DONTWAIT);
            if (n >= 0) {
                return n;
            }
            int e = Native.errno(b.errno);
            if (e != Errno.EINTR) {
                return -e;
            }
        }
    }

    /**
     * {@link #send} without waiting, for the protocol's own small datagrams (a hello, a control datagram): 0, or the
     * errno of the failed {@code sendmsg} ({@code EAGAIN}: the peer's queue is full).
     */
    static int sendNow(MsgBuffers b, int fd, MemorySegment data, long len, long[] fds) {
        long n;
        try {
            n = send(b, fd, data, len, fds, NEVER_WAIT);
        } catch (IOException e) { // only NEVER_WAIT throws: a full queue
            return Errno.EAGAIN;
        }
        return n < 0 ? (int) -n : 0;
    }

    /**
     * The length of the next datagram ({@code MSG_TRUNC} reports the real one), consuming nothing and receiving no
     * descriptors; {@code -errno} if there is none ({@code -EAGAIN} when told not to wait).
     */
    static long peekLength(MsgBuffers b, int fd, boolean wait) {
        b.msghdr.fill((byte) 0);
        return call(b, fd, SysSocket.MSG_PEEK | SysSocket.MSG_TRUNC | (wait ? 0 : SysSocket.MSG_DONTWAIT));
    }

    /**
     * Takes the next datagram, known to be {@code len} bytes without control data (a {@link #peekLength} saw it), into
     * {@code data} (a heap segment is fine: the kernel copies into the array itself) with one critical {@code recv}
     * that does not wait, so only where {@link Native#CRITICAL_WITH_ERRNO}. The datagram's real length
     * ({@code MSG_TRUNC}), or {@code -errno}: nothing was taken then.
     */
    static long receiveNow(MsgBuffers b, int fd, MemorySegment data, long len) {
        long n;
        do {
            n = SysSocket.recvNonBlocking(b.errno, fd, data, len, SysSocket.MSG_DONTWAIT | SysSocket.MSG_TRUNC);
        } while (n < 0 && retry(Native.errno(b.errno)));
        return n < 0 ? -Native.errno(b.errno) : n;
    }

    /**
     * Copies up to {@code len} bytes of the next datagram into {@code data} without taking it and without its
     * descriptors (no room for control data: a datagram that carries some reports {@link #controlTruncated}); the
     * bytes it holds, or {@code -errno} ({@code -EAGAIN}: none queued).
     */
    static long peek(MsgBuffers b, int fd, MemorySegment data, long len) {
        b.iov.set(ADDRESS, SysSocket.IOV_BASE, data);
        b.iov.set(JAVA_LONG, SysSocket.IOV_LEN, len);
        msghdr(b.msghdr, b.name, (int) b.name.byteSize(), b.iov, MemorySegment.NULL, 0);
        return call(b, fd, SysSocket.MSG_PEEK | SysSocket.MSG_DONTWAIT);
    }

    /**
     * Takes the next datagram into {@code data}, with its sender's address and its control messages (descriptors
     * close-on-exec); the bytes received, or {@code -errno}. The rest of what came is in {@code b} until the next call:
     * {@link #truncated}, {@link #controlTruncated}, {@link #isBare}, {@link #fds}.
     */
    static long receive(MsgBuffers b, int fd, MemorySegment data, boolean wait) {
        b.iov.set(ADDRESS, SysSocket.IOV_BASE, data);
        b.iov.set(JAVA_LONG, SysSocket.IOV_LEN, data.byteSize());
        msghdr(b.msghdr, b.name, (int) b.name.byteSize(), b.iov, b.control, b.control.byteSize());
        return call(b, fd, SysSocket.MSG_CMSG_CLOEXEC | (wait ? 0 : SysSocket.MSG_DONTWAIT));
    }

    /**
     * Readies {@code b.msghdr} for a receive into the data its iovec points to already, with room for the sender's
     * address and the control messages: each slot of a {@link ReceiveBatch} before its {@code recvmmsg}. The rest of
     * what comes is then read as after {@link #receive}.
     */
    static void prepareReceive(MsgBuffers b) {
        msghdr(b.msghdr, b.name, (int) b.name.byteSize(), b.iov, b.control, b.control.byteSize());
    }

    /**
     * {@code recvmsg} of what {@code b.msghdr} describes, retried while {@link #retry} says so; its result, or
     * {@code -errno}.
     */
    private static long call(MsgBuffers b, int fd, int flags) {
        long n;
        do {
            n = SysSocket.recvmsg(b.errno, fd, b.msghdr, flags);
        } while (n < 0 && retry(Native.errno(b.errno)));
        return n < 0 ? -Native.errno(b.errno) : n;
    }

    /**
     * Whether a failed {@code recvmsg} is simply repeated. Besides EINTR: ECONNRESET is how the kernel reports, once,
     * that the peer closed with messages of ours still unread (a refused client, a server that quit); it is cleared
     * by being reported and the peer's shutdown is already visible, so the next call returns what is still queued
     * for us and then end-of-stream, which callers see as EOF, as for any other hang-up.
     */
    static boolean retry(int errno) {
        return errno == Errno.EINTR || errno == Errno.ECONNRESET;
    }

    /** Whether the datagram received last was longer than the buffer ({@code MSG_TRUNC}): its tail is lost. */
    static boolean truncated(MsgBuffers b) {
        return (b.msghdr.get(JAVA_INT, SysSocket.MSG_FLAGS) & SysSocket.MSG_TRUNC) != 0;
    }

    /** Whether the control data of the datagram received last did not all arrive ({@code MSG_CTRUNC}). */
    static boolean controlTruncated(MsgBuffers b) {
        return (b.msghdr.get(JAVA_INT, SysSocket.MSG_FLAGS) & SysSocket.MSG_CTRUNC) != 0;
    }

    /**
     * Whether the datagram received (or peeked at) last came with neither a sender's address nor any control data,
     * not even a truncated one: what {@code recvmsg} reports at end-of-stream.
     */
    static boolean isBare(MsgBuffers b) {
        MemorySegment msg = b.msghdr;
        return msg.get(JAVA_INT, SysSocket.MSG_NAMELEN) == 0 && msg.get(JAVA_LONG, SysSocket.MSG_CONTROLLEN) == 0
                && !controlTruncated(b);
    }

    /**
     * The descriptors of the {@code SCM_RIGHTS} messages that came with the datagram received last, walked as
     * CMSG_FIRSTHDR / CMSG_NXTHDR do; other control messages ({@code SCM_CREDENTIALS}) are skipped. They belong to
     * the caller.
     */
    static int[] fds(MsgBuffers b) {
        MemorySegment control = b.control;
        long length = b.msghdr.get(JAVA_LONG, SysSocket.MSG_CONTROLLEN);
        int[] fds = NO_FDS;
        long off = 0;
        while (off + SysSocket.CMSGHDR.byteSize() <= length) {
            long len = control.get(JAVA_LONG, off + CMSG_LEN_OFFSET);
            if (len < SysSocket.CMSGHDR.byteSize() || off + len > length) {
                break;
            }
            if (control.get(JAVA_INT, off + CMSG_LEVEL) == SysSocket.SOL_SOCKET
                    && control.get(JAVA_INT, off + CMSG_TYPE) == SysSocket.SCM_RIGHTS) {
                int count = (int) ((len - CMSG_DATA_OFFSET) / 4);
                int start = fds.length;
                fds = Arrays.copyOf(fds, start + count);
                for (int i = 0; i < count; i++) {
                    fds[start + i] = control.get(JAVA_INT, off + CMSG_DATA_OFFSET + 4L * i);
                }
            }
            off += CMSG_ALIGN(len);
        }
        return fds;
    }

    /**
     * Sets every field of a {@code struct msghdr} with one iovec, which costs less than clearing it first (a stub
     * call per message); the kernel reads no padding.
     */
    private static void msghdr(MemorySegment msg, MemorySegment name, int nameLength, MemorySegment iov,
            MemorySegment control, long controlLength) {
        msg.set(ADDRESS, SysSocket.MSG_NAME, name);
        msg.set(JAVA_INT, SysSocket.MSG_NAMELEN, nameLength);
        msg.set(ADDRESS, SysSocket.MSG_IOV, iov);
        msg.set(JAVA_LONG, SysSocket.MSG_IOVLEN, 1);
        msg.set(ADDRESS, SysSocket.MSG_CONTROL, control);
        msg.set(JAVA_LONG, SysSocket.MSG_CONTROLLEN, controlLength);
        msg.set(JAVA_INT, SysSocket.MSG_FLAGS, 0);
    }
}
