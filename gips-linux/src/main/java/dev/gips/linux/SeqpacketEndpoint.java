package dev.gips.linux;

import dev.gips.ipc.Credentials;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.RawMessage;
import dev.gips.spi.ReleaseGate;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's connected SOCK_SEQPACKET socket. The socket is blocking; non-blocking calls use MSG_DONTWAIT. Its receive
 * buffer holds any datagram up to the payload limit (reserved address space, committed only as far as messages
 * reach), so that each receive is one {@code recvmsg}, with no length peek before it; where the OS refuses the
 * reservation, it receives with a peek.
 */
final class SeqpacketEndpoint implements EndpointChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketEndpoint.class);

    private final Where where;
    private final int fd;
    private final ReleaseGate gate;
    private final Credentials peer;
    private final int inlineMax;
    private final ReentrantLock readLock = new ReentrantLock();
    private final Arena readArena;                              // owns readBuffers' data mapping
    private final MsgBuffers readBuffers;                       // guarded by readLock
    private final ReentrantLock writeLock = new ReentrantLock();
    private final MsgBuffers writeBuffers = new MsgBuffers();  // guarded by writeLock

    private final Wire.Waiter writableWaiter = this::awaitWritable;

    private SeqpacketEndpoint(Where where, int fd, Credentials peer, Arena readArena, MsgBuffers readBuffers) {
        this.where = where;
        this.fd = fd;
        this.peer = peer;
        this.readArena = readArena;
        this.readBuffers = readBuffers;
        this.inlineMax = Sockets.inlineMax(fd);
        this.gate = new ReleaseGate(this::release);
    }

    private void release() {
        Fds.closeQuietly(fd);
        readArena.close(); // nobody is inside any more: unmaps the receive buffer
    }

    static SeqpacketEndpoint connect(String name) throws IOException {
        UnixAddress address = UnixAddress.of(name);
        Where where = address.where();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysSocket.socket(errno, SysSocket.AF_UNIX, SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw where.error("socket", Native.errno(errno));
            }
            boolean ok = false;
            try {
                int bound = Sockets.autobind(fd, errno, arena);
                if (bound != 0) {
                    LOG.debug("{}: no autobind name ({}); the server will use SO_PASSCRED for this client",
                            where.address(), Errno.describe(bound));
                }
                MemorySegment sa = address.sockaddr(arena);
                int r;
                do {
                    r = SysSocket.connect(errno, fd, sa, address.sockaddrLength());
                } while (r < 0 && Native.errno(errno) == Errno.EINTR);
                if (r < 0) {
                    int e = Native.errno(errno);
                    String missing = e == Errno.ENOENT && !address.isAbstract() ? address.missingDirectory() : null;
                    throw missing == null ? where.error("connect", e)
                            : where.error("connect", Errno.describe(e) + " (the directory " + missing
                                    + " does not exist)");
                }
                Credentials peer = Identity.peer(fd, where);
                Arena readArena = Arena.ofShared();
                try {
                    MsgBuffers readBuffers;
                    try {
                        readBuffers = MsgBuffers.forWholeMessages(readArena);
                    } catch (IOException e) {
                        // strict overcommit may refuse the reservation: receive with a length peek instead
                        LOG.debug("{}: receiving with a length peek: {}", where.address(), e.getMessage());
                        readBuffers = new MsgBuffers();
                    }
                    SeqpacketEndpoint endpoint = new SeqpacketEndpoint(where, fd, peer, readArena, readBuffers);
                    ok = true;
                    return endpoint;
                } finally {
                    if (!ok) {
                        readArena.close();
                    }
                }
            } finally {
                if (!ok) {
                    Fds.closeQuietly(fd);
                }
            }
        }
    }

    @Override
    public void send(ByteBuffer payload, long[] handles) throws IOException {
        send(null, payload, handles);
    }

    @Override
    public void send(byte[] payload, long[] handles) throws IOException {
        send(payload, null, handles);
    }

    /** Sends {@code array}, or if it is {@code null} {@code buffer}; see {@link Wire#send}. */
    private void send(byte[] array, ByteBuffer buffer, long[] handles) throws IOException {
        writeLock.lock();
        try {
            gate.enter();
            try {
                Wire.send(writeBuffers, fd, array, buffer, handles, inlineMax, where,
                        Thread.currentThread().isVirtual() ? writableWaiter : null);
            } finally {
                gate.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public RawMessage receive(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0; // the clock only when needed
        if (!lock(readLock, timeoutNanos)) {
            return null;
        }
        byte[] payload;
        int[] fds;
        try {
            gate.enter();
            try {
                payload = receiveLocked(timeoutNanos, deadline);
                fds = readBuffers.takeFds();
            } finally {
                gate.exit();
            }
        } finally {
            readLock.unlock();
        }
        // made here, in a small method the JIT inlines into Endpoint.recv, so that it never reaches the heap
        return payload == null ? null : Wire.message(payload, fds);
    }

    /** Parks a virtual thread until the socket may take more; guarded by writeLock. */
    private void awaitWritable() throws IOException {
        ParkingPoller.write().await(fd, -1, writeBuffers, where);
        if (gate.isClosing()) {
            throw new AsynchronousCloseException();
        }
    }

    /** The next payload, its descriptors left in {@link #readBuffers}; {@code null} when the time is up. */
    private byte[] receiveLocked(long timeoutNanos, long deadline) throws IOException {
        boolean virtual = Thread.currentThread().isVirtual();
        for (;;) {
            // platform threads wait in recvmsg itself: one system call per message; virtual threads never
            // wait in a downcall, which would hold their carrier
            byte[] m = Wire.receivePayload(readBuffers, fd, timeoutNanos < 0 && !virtual, where);
            if (gate.isClosing()) {
                // close() shut the socket down to wake us; what we read, if anything, is for nobody
                Fds.closeAll(readBuffers.takeFds());
                throw new AsynchronousCloseException();
            }
            if (m == Wire.HUNG_UP) {
                throw new EOFException(where.message("recv", "the service closed the connection"));
            }
            if (m != Wire.NOTHING) {
                return m;
            }
            if (timeoutNanos == 0) {
                return null;
            }
            long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos > 0 && left <= 0) {
                return null;
            }
            if (virtual) {
                ParkingPoller.read().await(fd, left, readBuffers, where);
            } else if (!Sockets.awaitReadable(fd, left, readBuffers, where)) {
                return null;
            }
        }
    }

    /** Takes {@code lock} within the timeout: 0 never waits, negative waits forever. */
    static boolean lock(ReentrantLock lock, long timeoutNanos) throws InterruptedIOException {
        if (timeoutNanos == 0) {
            return lock.tryLock();
        }
        if (timeoutNanos < 0) {
            lock.lock();
            return true;
        }
        try {
            return lock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for another receiver");
        }
    }

    @Override
    public Credentials peerCredentials() {
        return peer;
    }

    @Override
    public String address() {
        return where.address();
    }

    @Override
    public void close() {
        gate.close(() -> Sockets.shutdown(fd));
    }

    @Override
    public int pollFd() {
        return fd;
    }

    @Override
    public ReleaseGate gate() {
        return gate;
    }
}
