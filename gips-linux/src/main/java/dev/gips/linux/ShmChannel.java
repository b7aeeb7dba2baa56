package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.spi.ReleaseGate;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared-memory channel of one connection between a gips-java listener and a gips-java endpoint: a sealed memfd
 * holding two {@link Ring}s (client to server first, then server to client). The socket stays: it carries what the
 * kernel must vouch for or move (the connection, credentials, descriptors, payloads larger than a ring record, the
 * hang-up) and wakes a peer that sleeps.
 *
 * <p>The handshake, in control datagrams ({@link ShmControl}) on the socket, which a plain gips peer never
 * sees:
 * <ol>
 *   <li>The listener, once core admitted a gips-java client, sends an <b>offer</b> with the memfd.</li>
 *   <li>The endpoint, when it reads the offer, maps the memory if it is safe to (a memfd sealed against shrinking and
 *       growing, of exactly the size offered) and answers <b>accept</b>, or <b>decline</b> (the channel is turned off
 *       on its side, or the memory is unusable). From its accept on, it sends through the client-to-server ring.</li>
 *   <li>The listener, reading the accept where the client's earlier datagrams end, reads that ring from then on, and
 *       answers <b>switch</b>, after which its replies go through the server-to-client ring; the endpoint reads the
 *       ring from the switch on. Each side keeps the order of its messages across the change: everything before the
 *       accept (or switch) is on the socket before it.</li>
 * </ol>
 *
 * <p>Each message then is one ring record, or, if it carries handles or does not fit a record, an {@link Ring#ON_SOCKET}
 * record published before the datagram is sent (a {@link Ring#CANCEL} follows if the datagram could not be sent): the
 * consumer takes socket datagrams only where the ring says so, and anything else on the socket but a <b>bell</b> breaks
 * the protocol. A consumer that sleeps does so on its socket, after announcing it in the ring; a producer that finds
 * the announcement sends a bell datagram. Consumers take bells only when the ring is empty, so a socket with a bell
 * queued stays readable while messages wait: what epoll and a {@code Poller} see stays right.
 *
 * <p>The memory is the peer's to write as well: {@link Ring} checks everything it reads, and a peer that breaks a rule
 * only loses its own connection.
 */
final class ShmChannel implements AutoCloseable {
    /** Control datagram: the listener offers a channel (with the memfd). */
    static final byte OFFER = 'o';
    /** Control datagram: the endpoint takes the channel and sends through it from now on. */
    static final byte ACCEPT = 'a';
    /** Control datagram: the endpoint does not take the channel. */
    static final byte DECLINE = 'd';
    /** Control datagram: the listener sends through the channel from now on. */
    static final byte SWITCH = 's';
    /** Control datagram: a record was published for a consumer that announced it sleeps. */
    static final byte BELL = 'b';

    /**
     * The property that sets after how many messages from a gips-java client its listener offers the channel (read
     * when the listener is bound; default {@value #DEFAULT_OFFER_AFTER}, 0 = when the client is admitted): a client
     * that sends only a few messages, a process that connects once and exits, never pays for setting one up.
     */
    static final String OFFER_AFTER_PROPERTY = "gips.linux.shmChannel.offerAfter";
    static final int DEFAULT_OFFER_AFTER = 16;

    /** After how many messages a listener with the channel {@code enabled} offers it (see above); -1 if never. */
    static int offerAfter(boolean enabled) {
        return enabled ? Math.max(0, Integer.getInteger(OFFER_AFTER_PROPERTY, DEFAULT_OFFER_AFTER)) : -1;
    }

    /**
     * The property that says whether a side a {@code Poller} watches uses the channel (read when a listener is bound or
     * an endpoint connects; default true). With {@code false} a polled listener offers no channel and a polled
     * endpoint declines one: such a side is woken through its socket for a message whenever it announced that it
     * sleeps, so the channel saves it less. Measured with 1,000 gips-for-Java clients on one Poller against a
     * Poller-driven listener (BENCHMARKS.md at 1da6a05): about the same CPU per message with it (0.96 x the socket
     * pinned, 0.90-1.24 over rounds) and 1.67 x the messages per second unpinned, so it is on by default.
     */
    static final String WHEN_POLLED_PROPERTY = "gips.linux.shmChannel.whenPolled";

    /** Whether a side that a {@code Poller} watches uses the channel (see {@link #WHEN_POLLED_PROPERTY}). */
    static boolean whenPolled() {
        return Boolean.parseBoolean(System.getProperty(WHEN_POLLED_PROPERTY, "true"));
    }

    /** Bytes of each direction's data area: a payload of up to a quarter of it travels in the ring. */
    static final long RING_SIZE = 64 * 1024;
    /**
     * How long a blocking receive looks at the ring before it sleeps: a request/reply peer's answer usually comes
     * sooner, and then neither side makes a system call. With one CPU the spin yields it instead, so that the peer can
     * run.
     */
    static final long SPIN_NANOS = Long.getLong("gips.linux.shmChannel.spinMicros", 50) * 1000;
    private static final boolean ONE_CPU = Runtime.getRuntime().availableProcessors() < 2;
    /** How often a send through the ring looks whether the peer has gone. */
    static final long LIVENESS_NANOS = 1_000_000;
    /** The most bells one receive takes before it lets other work run: a flood of bells is not a loop. */
    private static final int MAX_BELLS = 64;
    private static final long[] NO_FDS = {};

    private final Arena arena;           // owns the mapping
    private int memfd;                   // the listener's, until offered; -1 after, and on the endpoint's side
    /** The ring this side writes. */
    final Ring out;
    /** The ring this side reads. */
    final Ring in;
    /** One producer at a time: a listener's replies come from any thread. */
    final ReentrantLock sendLock = new ReentrantLock();
    /** Whether this side's messages go through {@link #out}; changed under {@link #sendLock}. */
    private volatile boolean sending;
    /** Whether this side's messages come through {@link #in}; by the side's one receiving thread at a time. */
    private boolean receiving;
    /** Whether an {@link Ring#ON_SOCKET} record was taken whose datagram is still to be read from the socket. */
    private boolean awaiting;
    /** When a send last looked for the peer's hang-up, and whether it saw one; guarded by {@link #sendLock}. */
    private long lastLook = System.nanoTime();
    private boolean peerGone;
    /**
     * Whether the next record rings whether or not the consumer announced that it sleeps; guarded by
     * {@link #sendLock}. Set once an announced datagram was sent: the consumer takes the bells queued ahead of it to
     * reach it, and records published meanwhile (it was awake) would leave its socket with nothing queued.
     */
    private boolean ringNext;

    /** One side of a channel over {@code region}, which {@code arena} unmaps; see {@link ShmChannelMemory}. */
    ShmChannel(Arena arena, MemorySegment region, int memfd, boolean listener) {
        this.arena = arena;
        this.memfd = memfd;
        Ring clientToServer = new Ring(region, 0, RING_SIZE);
        Ring serverToClient = new Ring(region, Ring.footprint(RING_SIZE), RING_SIZE);
        this.out = listener ? serverToClient : clientToServer;
        this.in = listener ? clientToServer : serverToClient;
    }

    /** Bytes of the memfd: both directions. */
    static long regionSize() {
        return 2 * Ring.footprint(RING_SIZE);
    }

    /**
     * Sends the offer to a just-admitted client, and closes the listener's memfd, which the mapping no longer needs.
     *
     * @return 0, or the errno of the failed {@code sendmsg}
     */
    int offer(SeqpacketSocket s, MsgBuffers b) {
        int e = ShmControl.send(s, b, OFFER, RING_SIZE, new long[] {memfd});
        Fds.closeQuietly(memfd);
        memfd = -1;
        return e;
    }

    /** Runs when a receive found a bell with the ring empty, before it acts on it; for tests, else null. */
    Runnable beforeBellForTest;

    /** The listener's memfd before it is offered; for tests. */
    int memfdForTest() {
        return memfd;
    }

    /** The ring size an offer's datagram names (its u64), given its 16 bytes. */
    static long offeredRingSize(byte[] offer) {
        return java.nio.ByteBuffer.wrap(offer).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    /** From now on this side sends through the ring; the caller holds {@link #sendLock}. */
    void startSending() {
        sending = true;
    }

    boolean isSending() {
        return sending;
    }

    /** From now on this side receives from the ring; under the side's receive lock. */
    void startReceiving() {
        receiving = true;
    }

    boolean isReceiving() {
        return receiving;
    }

    // ------------------------------------------------------------------------------------------------- sending

    /**
     * Sends one message through the ring; the caller holds {@link #sendLock} and the socket's gate, and
     * {@link #isSending()} is true.
     *
     * @param waiter  for the socket datagram of a message the ring cannot carry, as {@link Wire#send} takes it
     * @param wait    whether to wait for room; without it a full ring (or socket) sends nothing and returns false
     * @return whether it was sent
     */
    boolean send(SeqpacketSocket s, MsgBuffers b, byte[] array, ByteBuffer buffer, long[] handles,
            Datagram.Waiter waiter, boolean wait, ReleaseGate gate) throws IOException {
        checkPeer(s, b);
        int len = array != null ? array.length : buffer.remaining();
        if (handles.length == 0 && len <= out.maxPayload()) {
            for (int round = 0; !offer(array, buffer, len); round++) {
                if (!wait) {
                    return false;
                }
                awaitRoom(s, b, gate, round);
            }
            wakePeer(s, b);
            return true;
        }
        for (int round = 0; !out.announce(); round++) {
            if (!wait) {
                return false;
            }
            awaitRoom(s, b, gate, round);
        }
        wakePeer(s, b);
        boolean sent = false;
        try {
            Wire.send(s, b, array, buffer, handles, waiter);
            sent = true;
            ringNext = true;
        } catch (Datagram.WouldBlock e) {
            return false;
        } finally {
            if (!sent) {
                out.cancel(); // the consumer waits for the datagram announced: tell it none comes
                wakePeer(s, b);
            }
        }
        return true;
    }

    /**
     * A write to shared memory succeeds whether or not the peer still lives: a send looks at the socket for its
     * hang-up, at most once per {@link #LIVENESS_NANOS} (a system call per message would cost what the ring saves),
     * and once it has seen one, every send fails as on a socket.
     */
    private void checkPeer(SeqpacketSocket s, MsgBuffers b) throws EOFException {
        long now = System.nanoTime();
        if (!peerGone && now - lastLook < LIVENESS_NANOS) {
            return;
        }
        lastLook = now;
        if (peerGone || peerGone(s, b)) {
            peerGone = true;
            throw new EOFException(s.where.message("send", "the peer has gone (the socket hung up)"));
        }
    }

    private boolean offer(byte[] array, ByteBuffer buffer, int len) throws IOException {
        if (array != null) {
            return out.offer(array, 0, len);
        }
        if (buffer.hasArray()) {
            return out.offer(buffer.array(), buffer.arrayOffset() + buffer.position(), len);
        }
        return out.offer(MemorySegment.ofBuffer(buffer), 0, len);
    }

    /**
     * Rings the consumer if it announced that it sleeps, or if {@link #ringNext} says so. A full socket wakes it
     * anyway; a gone one shows later.
     */
    private void wakePeer(SeqpacketSocket s, MsgBuffers b) {
        if (out.takeConsumerWaiting() | ringNext) {
            ringNext = false;
            ShmControl.send(s, b, BELL, 0, NO_FDS);
        }
    }

    /**
     * Waits for the consumer to make room, with a back-off from spinning to sleeps of at most a millisecond: a full
     * ring means a consumer that falls behind, the rare case. Ends with an exception if the peer has gone or the
     * channel is closing.
     */
    private static void awaitRoom(SeqpacketSocket s, MsgBuffers b, ReleaseGate gate, int round) throws IOException {
        if (gate.isClosing()) {
            throw new AsynchronousCloseException();
        }
        if (round < 64) {
            pause();
            return;
        }
        if ((round & 15) == 0 && peerGone(s, b)) {
            throw new EOFException(s.where.message("send", "the peer has gone"));
        }
        LockSupport.parkNanos(Math.min(1_000_000L, 10_000L << Math.min(round - 64, 7)));
    }

    /** Whether the socket reports the peer's hang-up (events 0: only POLLHUP and POLLERR are reported). */
    private static boolean peerGone(SeqpacketSocket s, MsgBuffers b) {
        MemorySegment pfd = b.data(16);
        pfd.set(java.lang.foreign.ValueLayout.JAVA_INT, Poll.FD, s.fd);
        pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, Poll.EVENTS, (short) 0);
        return Poll.poll(b.errno, pfd, 1, 0) > 0;
    }

    // ----------------------------------------------------------------------------------------------- receiving

    /**
     * Takes the next message in ring mode: its payload (its descriptors, if it came on the socket, left in
     * {@code b}), {@link Wire#NOTHING}, or {@link Wire#HUNG_UP}. Bells are taken only when the ring is empty. Never
     * waits; the caller sleeps on the socket after {@link #prepareToSleep()}.
     *
     * @throws Wire.ProtocolException if the peer broke the channel's rules (the caller drops the connection)
     */
    byte[] receive(SeqpacketSocket s, MsgBuffers b) throws IOException {
        // the common case in a few bytecodes, so that the JIT inlines it into the caller (see SeqpacketListener)
        byte[] r = awaiting ? null : poll(s);
        return r == null || r == Ring.ON_SOCKET_MARK || r == Ring.CANCEL_MARK ? receiveSlowly(s, b, r) : r;
    }

    /** {@link #receive} past the common case; {@code first} is what a poll of the ring already took, if anything. */
    private byte[] receiveSlowly(SeqpacketSocket s, MsgBuffers b, byte[] first) throws IOException {
        if (first == Ring.ON_SOCKET_MARK) {
            awaiting = true;
        } else if (first == Ring.CANCEL_MARK) {
            throw violation(s, "a ring cancel record with no message announced");
        }
        for (int bells = 0; bells < MAX_BELLS; ) {
            if (awaiting) {
                switch (ShmControl.peek(s, b)) {
                    case BELL -> {
                        takeBell(s, b);
                        bells++;
                    }
                    case DATAGRAM -> {
                        byte[] m = Wire.receivePayload(s, b, false);
                        if (m != Wire.NOTHING && m != Wire.HUNG_UP && b.ringControl != 0) {
                            Fds.closeAll(b.takeFds());
                            throw violation(s, "a control datagram came where the ring announced a message");
                        }
                        awaiting = m == Wire.NOTHING;
                        return m;
                    }
                    case HUNG_UP -> {
                        return Wire.HUNG_UP;
                    }
                    case NOTHING -> {
                        int next = peekKind(s);
                        if (next == 0) {
                            return Wire.NOTHING;
                        }
                        if (next != Ring.CANCEL) {
                            // published after the announced datagram was sent: that must be on the socket by now
                            if (ShmControl.peek(s, b) == ShmControl.Queued.NOTHING) {
                                throw violation(s, "the ring went on past a message it announced on the socket");
                            }
                            continue;
                        }
                        poll(s);
                        awaiting = false;
                    }
                }
                continue;
            }
            byte[] r = poll(s);
            if (r == Ring.ON_SOCKET_MARK) {
                awaiting = true;
                continue;
            }
            if (r == Ring.CANCEL_MARK) {
                throw violation(s, "a ring cancel record with no message announced");
            }
            if (r != null) {
                return r;
            }
            // the ring is empty: the socket may hold bells, the hang-up, or an announced datagram whose record is
            // visible by now (records are published before their datagram is sent)
            switch (ShmControl.peek(s, b)) {
                case BELL -> {
                    // asleep first, then take the bell only if the ring is still empty: a record published from
                    // now on rings again, and one that came meanwhile keeps this bell queued, so that the socket
                    // stays readable while records wait (a poller sees nothing else)
                    if (beforeBellForTest != null) {
                        beforeBellForTest.run();
                    }
                    if (!in.prepareToWait()) {
                        ShmControl.takeBell(s, b);
                    }
                    bells++;
                }
                case HUNG_UP -> {
                    if (in.isEmpty()) {
                        return Wire.HUNG_UP;
                    }
                }
                case DATAGRAM -> {
                    if (in.isEmpty()) {
                        throw violation(s, "a datagram came on the socket that the ring did not announce");
                    }
                }
                case NOTHING -> {
                    return Wire.NOTHING;
                }
            }
        }
        return Wire.NOTHING; // the socket stays readable: the next receive takes the rest
    }

    /**
     * Takes a bell queued ahead of an announced datagram, and with it the producer's promise to ring: so the consumer
     * is marked asleep again at once (a spurious bell is harmless: it is taken when the ring is empty). The records
     * published after that datagram ring anyway (see {@link #ringNext}).
     */
    private void takeBell(SeqpacketSocket s, MsgBuffers b) {
        ShmControl.takeBell(s, b);
        in.startAsleep();
    }

    private byte[] poll(SeqpacketSocket s) throws Wire.ProtocolException {
        try {
            return in.poll();
        } catch (Ring.ProtocolException e) {
            throw violation(s, e.getMessage());
        }
    }

    private int peekKind(SeqpacketSocket s) throws Wire.ProtocolException {
        try {
            return in.peekKind();
        } catch (Ring.ProtocolException e) {
            throw violation(s, e.getMessage());
        }
    }

    private static Wire.ProtocolException violation(SeqpacketSocket s, String what) {
        return new Wire.ProtocolException(s.where.message("shared-memory channel", what));
    }

    /**
     * Whether a record may be waiting, from the memory alone (no system call): for spinning. A datagram the ring
     * announced is waited for on the socket instead.
     */
    boolean mayHaveMessage() {
        return !awaiting && !in.isEmpty();
    }

    /** Whether a datagram the ring announced is still to be read from the socket. */
    boolean isAwaitingDatagram() {
        return awaiting;
    }

    /**
     * Announces that this side will sleep on its socket, then looks once more: {@code true} if a record came after
     * all (go on receiving; the announcement is withdrawn), {@code false} if the peer will ring. Only for a side that
     * looks at the ring again by itself before it sleeps; else {@link #announceSleep}.
     */
    boolean prepareToSleep() {
        return in.prepareToWait();
    }

    /**
     * Announces that this side sleeps until its socket reports a record, and looks once more: {@code true} if a record
     * came (take it; the announcement stays, see {@link Ring#announceSleep}).
     */
    boolean announceSleep() {
        return in.announceSleep();
    }

    /** Withdraws the announcement before spinning: while this side looks at the ring itself, nobody need ring. */
    void stayAwake() {
        in.stayAwake();
    }

    /**
     * Spins until a record may be waiting or {@code nanos} passed: {@code true} if one came. Busy with several CPUs;
     * with one, each round yields the CPU to the peer.
     */
    boolean spin(long nanos) {
        long start = System.nanoTime();
        do {
            for (int i = 0; i < 64; i++) {
                if (mayHaveMessage()) {
                    return true;
                }
                pause();
            }
        } while (System.nanoTime() - start < nanos);
        return mayHaveMessage();
    }

    static void pause() {
        if (ONE_CPU) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** Unmaps the rings (and closes a memfd never offered); once nobody reads or writes them any more. */
    @Override
    public void close() {
        arena.close();
        Fds.closeQuietly(memfd);
        memfd = -1;
    }
}
