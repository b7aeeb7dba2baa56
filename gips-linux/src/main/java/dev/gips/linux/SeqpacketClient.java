package dev.gips.linux;

import dev.gips.internal.jfr.Jfr;
import dev.gips.ipc.Credentials;
import dev.gips.spi.AbstractClientChannel;
import dev.gips.spi.RawMessage;
import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's socket for one client of a {@link SeqpacketListener}. Its messages are read by the listener, once core
 * has admitted it (until then the socket is not in the listener's epoll set, so nobody reads it); replies
 * go out from any thread, each with scratch borrowed from the listener's pool: SEQPACKET sends one datagram per
 * call, so concurrent replies need no lock to stay whole. A gips-java client is offered a shared-memory channel when
 * it is admitted ({@link ShmChannel}); once it takes it, replies go through the channel one at a time (its send lock).
 */
final class SeqpacketClient extends AbstractClientChannel implements Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketClient.class);
    private static final long[] NO_FDS = {};

    private final SeqpacketListener listener;
    /** Its peer kind is fixed: a gips-java endpoint (payloads go and come out of band) or a plain gips client. */
    private final SeqpacketSocket socket;
    private final long id;
    private final Credentials credentials;
    private final Where where;
    private final ReleaseGate gate;
    /** This client's finish tag in the listener's fair queueing (see {@link FairScheduler}). */
    long finishTag;                                  // guarded by the listener's receive lock
    /** What its last message cost there, the guess for its next. */
    long lastCost = FairScheduler.MESSAGE_COST;      // guarded by the listener's receive lock
    /** Whether a thread is reading this client's out-of-band payload; it is not read again until then. */
    private volatile boolean copying;
    /** Serialises virtual threads waiting for this socket to drain: a parking wait has one waiter per socket. */
    private final ReentrantLock writeWaitLock = new ReentrantLock();
    /** Made by the first virtual thread that finds the socket full; guarded by writeWaitLock. */
    private WaitScratch writeWait;
    /** Made by the first virtual thread that replies: a platform thread waits in the kernel instead. */
    private Datagram.Waiter writableWaiter;
    /** The shared-memory channel once offered (see {@link SeqpacketListener#offerAfter()}), null if declined. */
    private volatile ShmChannel channel;
    /** Messages taken from the socket before the offer; -1 once offered. Guarded by the listener's receive lock. */
    private int received;

    SeqpacketClient(SeqpacketListener listener, SeqpacketSocket socket, long id, Credentials credentials) {
        this.listener = listener;
        this.socket = socket;
        this.id = id;
        this.credentials = credentials;
        this.where = socket.where;
        this.gate = new ReleaseGate(this::release);
    }

    long id() {
        return id;
    }

    int fd() {
        return socket.fd;
    }

    /**
     * Reads one message for the listener: its payload, with its descriptors left in {@code buffers};
     * {@link Wire#NOTHING} if none is queued; {@link Wire#HUNG_UP} once the client has gone or was dropped for
     * breaking the protocol (it is closed then). Never throws for what the client did.
     *
     * @param scratch the listener's, for taking the socket out of the epoll interest while an out-of-band payload is
     *                read
     */
    byte[] receive(MsgBuffers buffers, WaitScratch scratch) {
        return receive(buffers, null, scratch);
    }

    /**
     * Whether the listener may take this client's datagrams in a {@link ReceiveBatch}: a plain client's, which never
     * carry an out-of-band payload nor a control datagram of the shared-memory channel.
     */
    boolean batches() {
        return !socket.isJavaPeer();
    }

    /**
     * {@link #receive(MsgBuffers, WaitScratch)}, with {@code batch} (if not null; only for a client that
     * {@link #batches()}): the next datagram that waits there if they are this client's, else a new batch of them
     * (the batch must then be empty). A client that closes, hangs up or is dropped leaves nothing in the batch.
     */
    byte[] receive(MsgBuffers buffers, ReceiveBatch batch, WaitScratch scratch) {
        if (!gate.tryEnter()) {
            dropBatch(batch);
            return Wire.NOTHING;
        }
        try {
            byte[] m = batch == null ? receiveMessage(buffers) : receiveBatched(batch, buffers);
            if (m == Wire.HUNG_UP) {
                close();
            } else if (buffers.hasOutOfBand()) {
                // the listener reads the payload after releasing its lock; until then, nobody reads this socket
                copying = true;
                listener.clientInterest(this, 0, scratch.event, scratch.errno);
            }
            return m;
        } catch (Wire.DescriptorsLost e) {
            // our shortage, not the client's fault; but its message cannot be delivered whole, and a client left
            // waiting for the answer to a message nobody will see would wait forever: it sees the connection close
            Jfr.descriptorsExhausted(where.service(), "receive", credentials.pid(), e.installed);
            if (listener.exhaustion().permit()) {
                LOG.warn("service \"{}\": dropped client pid {} uid {}, whose message could not be received whole"
                        + " (the server's fault, not the client's): {}", where.service(), credentials.pid(),
                        credentials.uid(), e.getMessage());
            }
            close();
            return Wire.HUNG_UP;
        } catch (Wire.ProtocolException e) {
            Jfr.clientDropped(where.service(), credentials, e.getMessage());
            if (listener.violations().permit()) {
                LOG.warn("service \"{}\": dropped client pid {} uid {}: {}", where.service(), credentials.pid(),
                        credentials.uid(), e.getMessage());
            }
            close();
            return Wire.HUNG_UP;
        } catch (IOException e) {
            LOG.debug("service \"{}\": client pid {} failed: {}", where.service(), credentials.pid(), e.toString());
            close();
            return Wire.HUNG_UP;
        } finally {
            if (gate.isClosing()) {
                dropBatch(batch); // hung up, dropped, or closed by the application meanwhile
            }
            gate.exit();
        }
    }

    /**
     * Drops what waits for this closing client in {@code batch}, closing the descriptors it brought: like what still
     * waits in its socket, it is delivered to nobody.
     */
    private void dropBatch(ReceiveBatch batch) {
        if (batch != null && batch.holds(this)) {
            batch.discard();
        }
    }

    /** The next datagram of this client through {@code batch}: one that waits there, else the first of a new batch. */
    private byte[] receiveBatched(ReceiveBatch batch, MsgBuffers buffers) throws IOException {
        if (!batch.holds(this)) {
            int n = batch.fill(this, socket.fd);
            if (n < 0) {
                if (n == -Errno.EAGAIN) {
                    return Wire.NOTHING;
                }
                throw where.error("recvmmsg", -n);
            }
        }
        return batch.take(socket, buffers);
    }

    /**
     * The next message from the socket, or from the shared-memory channel once the client sends through it; control
     * datagrams of the channel are acted on here.
     */
    private byte[] receiveMessage(MsgBuffers buffers) throws IOException {
        for (;;) {
            ShmChannel c = channel;
            if (c != null && c.isReceiving()) {
                byte[] m = c.receive(socket, buffers);
                if (m == Wire.NOTHING || m == Wire.HUNG_UP) {
                    // the listener comes back only when the socket is reported: the announcement must stay
                    if (m == Wire.NOTHING && c.announceSleep()) {
                        continue; // a record came while announcing that we sleep
                    }
                    return m; // nothing: the client's next record rings its socket, which epoll watches
                }
                listener.ringActive(this);
                return m;
            }
            byte[] m = Wire.receivePayload(socket, buffers, false);
            byte kind = m == Wire.NOTHING || m == Wire.HUNG_UP ? 0 : buffers.ringControl;
            if (kind == 0) {
                if (m != Wire.NOTHING && m != Wire.HUNG_UP && received >= 0 && ++received == listener.offerAfter()
                        && socket.isJavaPeer()) {
                    received = -1;
                    offerChannel(); // a client that keeps talking: worth a channel
                }
                return m;
            }
            int[] fds = buffers.takeFds();
            Fds.closeAll(fds);
            if (c == null || fds.length > 0 || (kind != ShmChannel.ACCEPT && kind != ShmChannel.DECLINE)) {
                throw new Wire.ProtocolException(where.message("recvmsg", "a shared-memory channel control"
                        + " datagram out of turn (" + (char) kind + ")"));
            }
            if (kind == ShmChannel.DECLINE) {
                c.sendLock.lock();
                try {
                    channel = null;
                } finally {
                    c.sendLock.unlock();
                }
                c.close(); // nobody used it: the client never sent through it, and we never did
                continue;
            }
            c.startReceiving();
            c.sendLock.lock();
            MsgBuffers b = listener.sendBuffers().borrow();
            try {
                int e = ShmControl.send(socket, b, ShmChannel.SWITCH, 0, NO_FDS);
                if (e == 0) {
                    c.startSending();
                } else { // a client that does not read its socket keeps getting replies there
                    LOG.debug("service \"{}\": client pid {} gets its replies on the socket: {}", where.service(),
                            credentials.pid(), Errno.describe(e));
                }
            } finally {
                listener.sendBuffers().giveBack(b);
                c.sendLock.unlock();
            }
        }
    }

    /** The channel once the client sends through it, else null; for the listener's spin. */
    ShmChannel receivingChannel() {
        ShmChannel c = channel;
        return c != null && c.isReceiving() ? c : null;
    }

    /**
     * Offers a gips-java client a shared-memory channel: at admission, or after its first few messages. The offer is
     * one datagram among the replies (they stay on the socket until the client accepts); a failure leaves the client
     * on the socket.
     */
    private void offerChannel() {
        ShmChannel c;
        try {
            c = ShmChannelMemory.create(where);
        } catch (IOException e) {
            LOG.debug("service \"{}\": no shared-memory channel for client pid {}: {}", where.service(),
                    credentials.pid(), e.getMessage());
            return;
        }
        MsgBuffers b = listener.sendBuffers().borrow();
        try {
            int e = c.offer(socket, b);
            if (e != 0) {
                LOG.debug("service \"{}\": could not offer client pid {} a shared-memory channel: {}", where.service(),
                        credentials.pid(), Errno.describe(e));
                c.close();
                return;
            }
        } finally {
            listener.sendBuffers().giveBack(b);
        }
        channel = c;
    }

    boolean isCopying() {
        return copying;
    }

    /** The listener has read this client's out-of-band payload: its socket is read again. */
    void resumeAfterCopy() {
        copying = false;
        if (gate.tryEnter()) { // else it closed meanwhile, and left the epoll set
            try (Arena arena = Arena.ofConfined()) { // once per out-of-band payload (over 200 KiB), not per message
                listener.clientInterest(this, SysEpoll.EPOLLIN, arena.allocate(SysEpoll.EPOLL_EVENT),
                        Native.allocateCapture(arena));
            } finally {
                gate.exit();
            }
        }
    }

    /** Its out-of-band payload could not be read although the memfd passed the checks: the client is dropped. */
    void dropForBadPayload(IOException e) {
        Jfr.clientDropped(where.service(), credentials, e.getMessage());
        if (listener.violations().permit()) {
            LOG.warn("service \"{}\": dropped client pid {} uid {}: {}", where.service(), credentials.pid(),
                    credentials.uid(), e.getMessage());
        }
        close();
    }

    @Override
    public Credentials credentials() {
        return credentials;
    }

    @Override
    protected boolean transmit(ByteBuffer payload, long[] handles, boolean wait) throws IOException {
        return send(null, payload, handles, wait);
    }

    @Override
    protected boolean transmit(byte[] payload, long[] handles, boolean wait) throws IOException {
        return send(payload, null, handles, wait);
    }

    /**
     * Sends {@code array}, or if it is {@code null} {@code buffer}; see {@link Wire#send}. Without {@code wait} a full
     * socket sends nothing and returns {@code false}: SEQPACKET sends are atomic, EAGAIN means nothing left.
     */
    private boolean send(byte[] array, ByteBuffer buffer, long[] handles, boolean wait) throws IOException {
        ShmChannel c = channel;
        return c == null ? sendOnSocket(array, buffer, handles, wait) : sendOffered(c, array, buffer, handles, wait);
    }

    /** Sends on the socket: few bytecodes, so that the JIT inlines it whole (and its send allocates nothing). */
    private boolean sendOnSocket(byte[] array, ByteBuffer buffer, long[] handles, boolean wait) throws IOException {
        gate.enter();
        MsgBuffers buffers = listener.sendBuffers().borrow();
        try {
            Datagram.Waiter waiter = !wait ? Datagram.NEVER_WAIT
                    : Thread.currentThread().isVirtual() ? writableWaiter() : null;
            Wire.send(socket, buffers, array, buffer, handles, waiter);
            return true;
        } catch (Datagram.WouldBlock e) {
            return false;
        } finally {
            listener.sendBuffers().giveBack(buffers);
            gate.exit();
        }
    }

    /**
     * {@link #send} once a channel was offered: one sender at a time, through the channel once the client took it. A
     * non-blocking reply does not wait for another sender.
     */
    private boolean sendOffered(ShmChannel c, byte[] array, ByteBuffer buffer, long[] handles, boolean wait)
            throws IOException {
        if (wait) {
            c.sendLock.lock();
        } else if (!c.sendLock.tryLock()) {
            return false;
        }
        try {
            return c.isSending() ? sendThrough(c, array, buffer, handles, wait) : sendOnSocket(array, buffer, handles,
                    wait);
        } finally {
            c.sendLock.unlock();
        }
    }

    /** Sends through the channel the client took; the caller holds its send lock. */
    private boolean sendThrough(ShmChannel c, byte[] array, ByteBuffer buffer, long[] handles, boolean wait)
            throws IOException {
        gate.enter();
        MsgBuffers buffers = listener.sendBuffers().borrow();
        try {
            Datagram.Waiter waiter = !wait ? Datagram.NEVER_WAIT
                    : Thread.currentThread().isVirtual() ? writableWaiter() : null;
            return c.send(socket, buffers, array, buffer, handles, waiter, wait, gate);
        } finally {
            listener.sendBuffers().giveBack(buffers);
            gate.exit();
        }
    }

    private Datagram.Waiter writableWaiter() {
        Datagram.Waiter w = writableWaiter;
        if (w == null) {
            w = this::awaitWritable; // a race makes two: harmless
            writableWaiter = w;
        }
        return w;
    }

    private void awaitWritable() throws IOException {
        writeWaitLock.lock();
        try {
            if (writeWait == null) {
                writeWait = new WaitScratch();
            }
            ParkingPoller.write().await(socket.fd, -1, writeWait, where);
        } finally {
            writeWaitLock.unlock();
        }
        if (gate.isClosing()) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public boolean isOpen() {
        return !gate.isClosing();
    }

    @Override
    public void close() {
        gate.close(() -> Sockets.shutdown(socket.fd));
    }

    private void release() {
        listener.released(this);
        Fds.closeQuietly(socket.fd);
        ShmChannel c = channel;
        if (c != null) {
            c.close(); // nobody is inside any more: unmaps the rings
        }
    }

    /**
     * Adds the socket to the listener's epoll set: only from now on can a receiving thread read it, and it finds the
     * attachment set (written before the {@code epoll_ctl} that makes the socket visible). The socket cannot close
     * meanwhile: this holds its gate.
     */
    @Override
    protected boolean startReporting() {
        if (!gate.tryEnter()) {
            return false;
        }
        try {
            if (socket.isJavaPeer() && listener.offerAfter() == 0) {
                offerChannel();
            }
            if (listener.watch(this)) {
                return true;
            }
        } finally {
            gate.exit();
        }
        close();
        return false;
    }

    @Override
    public int pollFd() {
        return socket.fd;
    }

    @Override
    public ReleaseGate gate() {
        return gate;
    }
}
