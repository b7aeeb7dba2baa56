package dev.gips.linux;

import dev.gips.ipc.Credentials;
import dev.gips.linux.SeqpacketSocket.PeerKind;
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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's connected SOCK_SEQPACKET socket. The socket is blocking; non-blocking calls use MSG_DONTWAIT (gips bug
 * L-5: there the socket's mode changed with each call). Its receive buffer holds any datagram up to the payload limit
 * (reserved address space, committed only as far as messages reach), so that each receive is one {@code recvmsg}, with
 * no length peek before it; where the OS refuses the reservation, it receives with a peek.
 */
final class SeqpacketEndpoint implements EndpointChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketEndpoint.class);

    private final SeqpacketSocket socket;
    private final ReleaseGate gate;
    private final Credentials peer;
    private final ReentrantLock readLock = new ReentrantLock();
    private final Arena readArena;                              // owns readBuffers' data mapping
    private final MsgBuffers readBuffers;                       // guarded by readLock
    private final WaitScratch readWait = new WaitScratch();     // guarded by readLock
    private final ReentrantLock writeLock = new ReentrantLock();
    private final MsgBuffers writeBuffers = new MsgBuffers();  // guarded by writeLock
    private final WaitScratch writeWait = new WaitScratch();    // guarded by writeLock

    private final Datagram.Waiter writableWaiter = this::awaitWritable;
    private static final long[] NO_FDS = {};
    private static final long SPIN_NANOS = ShmChannel.SPIN_NANOS;

    /**
     * How long the first payload that needs the out-of-band form waits for the hello of a service known neither way
     * (an abstract name, which has no file to carry the mark): a gips-java listener sends it when it accepts the
     * connection, a plain gips service never does.
     */
    static final long HELLO_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Whether the service's first datagram is still to come: it may be a hello. */
    private boolean firstDatagram = true;                        // guarded by readLock
    /** Whether a shared-memory channel offered by the service is taken. */
    private final boolean shmChannelAllowed;
    /** Whether a channel is taken while a Poller watches (see {@link ShmChannel#WHEN_POLLED_PROPERTY}). */
    private final boolean takeWhenPolled = ShmChannel.whenPolled();
    /** The shared-memory channel, once taken (see {@link ShmChannel}); set under both locks. */
    private volatile ShmChannel channel;
    /** Whether a {@code Poller} watches this endpoint: then no receive leaves the ring's consumer awake. */
    private volatile boolean watched;

    private SeqpacketEndpoint(SeqpacketSocket socket, Credentials peer, Arena readArena, MsgBuffers readBuffers,
            boolean shmChannelAllowed) {
        this.socket = socket;
        this.peer = peer;
        this.readArena = readArena;
        this.readBuffers = readBuffers;
        this.shmChannelAllowed = shmChannelAllowed;
        this.gate = new ReleaseGate(this::release);
    }

    private void release() {
        Fds.closeQuietly(socket.fd);
        readArena.close(); // nobody is inside any more: unmaps the receive buffer
        ShmChannel c = channel;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Connects to {@code name}, once.
     *
     * @param timeoutNanos how long to wait while the service's queue of pending connections is full: {@code < 0}
     *                     as long as it takes, {@code 0} not at all
     * @throws dev.gips.ipc.NoSuchServiceException if nobody serves the name
     */
    static SeqpacketEndpoint connect(String name, long timeoutNanos) throws IOException {
        return connect(name, timeoutNanos, true);
    }

    /**
     * Connects to {@code name}, once; with {@code shmChannel} false, a shared-memory channel the service offers is
     * declined.
     */
    static SeqpacketEndpoint connect(String name, long timeoutNanos, boolean shmChannel) throws IOException {
        UnixAddress address = UnixAddress.of(name);
        Where where = address.where();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            // non-blocking until connected (see Sockets.connect); blocking afterwards, as the endpoint expects
            int fd = SysSocket.socket(errno, SysSocket.AF_UNIX,
                    SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC | SysSocket.SOCK_NONBLOCK, 0);
            if (fd < 0) {
                throw where.error("socket", Native.errno(errno));
            }
            boolean ok = false;
            try {
                int bound = Sockets.bindEndpointAddress(fd, errno, arena);
                if (bound != 0) {
                    LOG.debug("{}: no address of its own ({}); the server will use SO_PASSCRED for this client",
                            where.address(), Errno.describe(bound));
                }
                // a gips-java service marks its socket file; the mark counts if the file is the same after connect
                MemorySegment path = address.isAbstract() ? null : arena.allocateFrom(address.path());
                long[] marked = path == null ? null : Sockets.markedServiceFile(path, errno, arena);
                Sockets.connect(fd, address, timeoutNanos, errno, arena);
                Sockets.setBlocking(fd, errno, where);
                // a file without the mark is not a gips-java listener's (but for a socket made by systemd without
                // SocketMode=1666: its hello still tells); an abstract name has no file, only the hello tells
                PeerKind peerKind = path == null ? PeerKind.UNKNOWN
                        : marked != null && Arrays.equals(marked, Sockets.markedServiceFile(path, errno, arena))
                                ? PeerKind.JAVA : PeerKind.PLAIN;
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
                    SeqpacketEndpoint endpoint = new SeqpacketEndpoint(new SeqpacketSocket(fd, where, peerKind), peer,
                            readArena, readBuffers, shmChannel);
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
        if (socket.peer() == PeerKind.UNKNOWN
                && Wire.needsOutOfBand(socket, array != null ? array.length : buffer.remaining(), array, buffer,
                        handles)) {
            awaitPeerKind(); // only a gips-java service takes this payload
        }
        writeLock.lock();
        try {
            gate.enter();
            try {
                ShmChannel c = channel;
                if (c != null) {
                    sendThrough(c, array, buffer, handles); // apart, so that the JIT inlines the socket path whole
                } else {
                    Wire.send(socket, writeBuffers, array, buffer, handles,
                            Thread.currentThread().isVirtual() ? writableWaiter : null);
                }
            } finally {
                gate.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends through the shared-memory channel; guarded by writeLock, within the gate. */
    private void sendThrough(ShmChannel c, byte[] array, ByteBuffer buffer, long[] handles) throws IOException {
        c.sendLock.lock();
        try {
            c.send(socket, writeBuffers, array, buffer, handles,
                    Thread.currentThread().isVirtual() ? writableWaiter : null, true, gate);
        } finally {
            c.sendLock.unlock();
        }
    }

    /**
     * Learns, for a payload that only a gips-java service can take, whether the service is one: waits at most
     * {@link #HELLO_WAIT_NANOS} for its first datagram. A thread blocked in {@link #receive} takes that datagram
     * itself; otherwise this looks at it without taking anything but a hello.
     */
    private void awaitPeerKind() throws IOException {
        long deadline = System.nanoTime() + HELLO_WAIT_NANOS;
        for (long left = HELLO_WAIT_NANOS; socket.peer() == PeerKind.UNKNOWN && left > 0;
                left = deadline - System.nanoTime()) {
            // a receiver blocked in recvmsg holds the lock until a datagram comes: look at peerKind now and then
            if (lock(readLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)))) {
                try {
                    gate.enter();
                    try {
                        peekForHello(left);
                    } finally {
                        gate.exit();
                    }
                } finally {
                    readLock.unlock();
                }
            }
        }
    }

    /** Waits up to {@code nanos} for the first datagram and takes it if it is a hello; guarded by readLock. */
    private void peekForHello(long nanos) throws IOException {
        boolean virtual = Thread.currentThread().isVirtual();
        long deadline = System.nanoTime() + nanos;
        while (socket.peer() == PeerKind.UNKNOWN && firstDatagram) {
            switch (Wire.peekHello(socket, readBuffers)) {
                case HELLO -> {
                    // the same datagram: nobody else receives while we hold the lock
                    Wire.receivePayload(socket, readBuffers, false);
                    firstDatagram = false;
                    socket.peerIs(PeerKind.JAVA);
                }
                case OTHER -> socket.peerIs(PeerKind.PLAIN); // left for recv, which will see it is no hello
                case HUNG_UP -> throw new EOFException(socket.where.message("send",
                        "the service closed the connection"));
                case NOTHING -> {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    if (virtual) {
                        ParkingPoller.read().await(socket.fd, left, readWait, socket.where);
                    } else {
                        Sockets.awaitReadable(socket.fd, left, readWait, socket.where);
                    }
                    if (gate.isClosing()) {
                        throw new AsynchronousCloseException();
                    }
                }
            }
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
        ParkingPoller.write().await(socket.fd, -1, writeWait, socket.where);
        if (gate.isClosing()) {
            throw new AsynchronousCloseException();
        }
    }

    /** The next payload, its descriptors left in {@link #readBuffers}; {@code null} when the time is up. */
    private byte[] receiveLocked(long timeoutNanos, long deadline) throws IOException {
        boolean virtual = Thread.currentThread().isVirtual();
        for (;;) {
            ShmChannel c = channel;
            if (c != null && c.isReceiving()) {
                return receiveFromRing(c, timeoutNanos, deadline, virtual);
            }
            // platform threads wait in recvmsg itself: one system call per message; virtual threads never
            // wait in a downcall, which would hold their carrier
            byte[] m = Wire.receivePayload(socket, readBuffers, timeoutNanos < 0 && !virtual);
            if (gate.isClosing()) {
                // close() shut the socket down to wake us; what we read, if anything, is for nobody
                Fds.closeAll(readBuffers.takeFds());
                throw new AsynchronousCloseException();
            }
            if (m == Wire.HUNG_UP) {
                throw new EOFException(socket.where.message("recv", "the service closed the connection"));
            }
            if (m != Wire.NOTHING) {
                if (readBuffers.ringControl != 0 && !firstDatagram) {
                    takeControl(readBuffers.ringControl, m);
                    continue;
                }
                if (!firstDatagram) {
                    return m;
                }
                // the service's first datagram: a gips-java listener's hello is for us, anything else is the
                // first message of a plain gips service (or of a gips-java one that did not know us for its own)
                firstDatagram = false;
                if (!Wire.isHello(m) || readBuffers.hasFds()) {
                    if (socket.peer() == PeerKind.UNKNOWN) {
                        socket.peerIs(PeerKind.PLAIN);
                    }
                    return m;
                }
                socket.peerIs(PeerKind.JAVA); // also after PLAIN from an unmarked file: systemd made it
                continue;
            }
            if (timeoutNanos == 0) {
                return null;
            }
            long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos > 0 && left <= 0) {
                return null;
            }
            if (virtual) {
                ParkingPoller.read().await(socket.fd, left, readWait, socket.where);
            } else if (!Sockets.awaitReadable(socket.fd, left, readWait, socket.where)) {
                return null;
            }
        }
    }

    /**
     * The next message once the service sends through the shared-memory channel: looks at the ring, spins a while if
     * this is a blocking receive, then sleeps on the socket until the service rings; {@code null} when the time is
     * up. Guarded by readLock.
     */
    private byte[] receiveFromRing(ShmChannel c, long timeoutNanos, long deadline, boolean virtual)
            throws IOException {
        // a watched endpoint's consumer never stays awake: a poller must see every record through the socket
        boolean spin = timeoutNanos != 0 && !watched;
        boolean awake = false;
        for (;;) {
            byte[] m = c.receive(socket, readBuffers);
            if (gate.isClosing()) {
                Fds.closeAll(readBuffers.takeFds());
                throw new AsynchronousCloseException();
            }
            if (m == Wire.HUNG_UP) {
                throw new EOFException(socket.where.message("recv", "the service closed the connection"));
            }
            if (m != Wire.NOTHING) {
                if (awake) {
                    c.prepareToSleep(); // between receives the service rings again
                }
                return m;
            }
            if (spin && !c.isAwaitingDatagram()) {
                spin = false;
                awake = true;
                c.stayAwake();
                if (c.spin(SPIN_NANOS)) {
                    continue;
                }
            }
            // a watched endpoint is read again only when its socket is reported: its announcement must stay
            if (watched ? c.announceSleep() : c.prepareToSleep()) {
                continue; // a record came while announcing
            }
            if (timeoutNanos == 0) {
                return null;
            }
            long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
            if (timeoutNanos > 0 && left <= 0) {
                return null;
            }
            if (virtual) {
                ParkingPoller.read().await(socket.fd, left, readWait, socket.where);
            } else if (!Sockets.awaitReadable(socket.fd, left, readWait, socket.where)) {
                return null;
            }
        }
    }

    /**
     * Acts on a control datagram of the shared-memory channel from the service (see {@link ShmChannel}); its
     * descriptors are in readBuffers. Guarded by readLock.
     */
    private void takeControl(byte kind, byte[] datagram) throws IOException {
        int[] fds = readBuffers.takeFds();
        if (kind == ShmChannel.OFFER && channel == null && fds.length == 1) {
            ShmChannel c = null;
            if (shmChannelAllowed && (!watched || takeWhenPolled)) {
                try {
                    c = ShmChannelMemory.adopt(fds[0], ShmChannel.offeredRingSize(datagram), socket.where);
                } catch (IOException e) {
                    LOG.debug("{}: declined the shared-memory channel offered: {}", socket.where.address(),
                            e.getMessage());
                }
            } else {
                Fds.closeAll(fds);
            }
            answerOffer(c);
            return;
        }
        if (kind == ShmChannel.SWITCH && channel != null && fds.length == 0) {
            channel.startReceiving();
            return;
        }
        Fds.closeAll(fds);
        throw new Wire.ProtocolException(socket.where.message("recv", "the service sent a shared-memory channel"
                + " control datagram out of turn (" + (char) kind + ")"));
    }

    /** Accepts the channel (or declines it if {@code c} is null): sends go through it from the answer on. */
    private void answerOffer(ShmChannel c) throws IOException {
        writeLock.lock();
        try {
            int e = ShmControl.send(socket, writeBuffers, c == null ? ShmChannel.DECLINE : ShmChannel.ACCEPT, 0,
                    NO_FDS);
            if (c == null) {
                return;
            }
            if (e != 0) {
                // the service does not read us: it keeps sending on the socket, and so do we
                LOG.debug("{}: could not accept the shared-memory channel: {}", socket.where.address(),
                        Errno.describe(e));
                c.close();
                return;
            }
            c.startSending();
            channel = c;
        } finally {
            writeLock.unlock();
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

    /** Whether messages go through the shared-memory channel in both directions; for tests. */
    boolean usesShmChannel() {
        ShmChannel c = channel;
        return c != null && c.isSending() && c.isReceiving();
    }

    @Override
    public Credentials peerCredentials() {
        return peer;
    }

    @Override
    public String address() {
        return socket.where.address();
    }

    @Override
    public void close() {
        gate.close(() -> Sockets.shutdown(socket.fd));
    }

    @Override
    public int pollFd() {
        return socket.fd;
    }

    /**
     * From now on no receive leaves the ring's consumer awake: a record the service publishes then always rings the
     * socket, which is what the poller watches.
     */
    @Override
    public void watched() {
        watched = true;
    }

    @Override
    public ReleaseGate gate() {
        return gate;
    }
}
