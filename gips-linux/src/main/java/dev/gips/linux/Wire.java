package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.ipc.Handle;
import dev.gips.spi.Limits;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The gips 0.2.0 wire format on a SOCK_SEQPACKET socket: one datagram per message, the payload as is, handles as one
 * {@code SCM_RIGHTS} control message. This class is the protocol; sending and receiving one datagram is
 * {@link Datagram}'s, an out-of-band payload's memfd {@link OutOfBand}'s.
 *
 * <p>Three additions, all invisible to the API and to a plain gips peer:
 * <ul>
 *   <li><b>Knowing the peer.</b> Out-of-band payloads (next item) are sent only to a peer known to be gips for Java,
 *       and only such a peer's markers are restored. A gips-java endpoint binds an abstract address that starts with
 *       {@link Sockets#JAVA_ENDPOINT_PREFIX} before connecting; a listener that accepts such a client sends it a
 *       16-byte {@linkplain #HELLO hello} datagram ({@code 00 'gips-hi'} + u64 feature bits, little-endian) before
 *       anything else, and the endpoint takes the first datagram it receives for that hello if it is one. A plain
 *       gips client has no such address, so it never sees a hello; a plain gips server never sends one, so its
 *       endpoint learns from its first datagram that it is plain.</li>
 *   <li><b>Large payloads</b> (gips bug L-4: the 16 MiB limit is unreachable there). A payload that does not fit one
 *       datagram (the socket's {@code SO_SNDBUF} − 32) travels in a sealed memfd passed as the last descriptor,
 *       behind a 16-byte marker datagram: 8 bytes {@link #MAGIC}, then the payload length (u64, little-endian). A
 *       receiver takes a datagram for a marker only if it comes from a gips-java peer and carries descriptors, so a
 *       small payload that happens to look like a marker and carries handles is sent to such a peer the large way too
 *       (which leaves room for 252 handles, as for any out-of-band payload): the marker is never ambiguous between
 *       gips-java peers. To a plain gips peer nothing is ever sent out of band: a payload over the datagram limit
 *       fails with an error that names the limit. A received look-alike that is not a valid out-of-band message (its
 *       last descriptor not a memfd sealed against shrinking and writing that holds the length claimed, or a claim
 *       over the limit) is the plain gips message it is.</li>
 *   <li><b>Empty messages</b> (gips bug L-1). A 0-byte datagram and end-of-stream both make {@code recvmsg} return 0.
 *       A real datagram comes with its sender's address or with control data, end-of-stream with neither: every
 *       {@code recvmsg} asks for the sender's address, which the kernel fills in from the sending socket. A server's
 *       sockets always have one (accepted sockets carry the listener's name), and gips-java endpoints bind their
 *       address before connecting; for a client without a name (Rust gips, Python, C) the listener sets
 *       {@code SO_PASSCRED} on that client's socket, so that each of its datagrams arrives with an
 *       {@code SCM_CREDENTIALS} control message. {@code SO_PASSCRED} is not set otherwise: it makes the kernel
 *       attach and format credentials for every message, which costs throughput.</li>
 * </ul>
 */
final class Wire {
    private Wire() {}

    static final byte[] MAGIC = {0, 'g', 'i', 'p', 's', '-', 'm', 'f'};
    static final int MARKER_SIZE = 16;
    /** What starts a listener's hello to a gips-java endpoint; the 8 bytes after it are feature bits. */
    static final byte[] HELLO_MAGIC = {0, 'g', 'i', 'p', 's', '-', 'h', 'i'};
    static final int HELLO_SIZE = 16;
    /** Feature bit of a hello: the sender restores out-of-band payloads. */
    static final long FEATURE_OUT_OF_BAND = 1;
    /** Feature bit of a hello: the listener may offer a shared-memory channel ({@link ShmChannel}). */
    static final long FEATURE_SHM_CHANNEL = 2;
    static final ValueLayout.OfLong U64_LE = JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The hello this listener sends: every feature it has. */
    private static final MemorySegment HELLO = hello(FEATURE_OUT_OF_BAND | FEATURE_SHM_CHANNEL);

    private static final long[] NO_HANDLES = {};

    /** A peer broke the protocol; the message was consumed and every descriptor it carried closed. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    /**
     * A message arrived but the kernel could not install its descriptors in this process: it truncated the control
     * data (MSG_CTRUNC) although the buffer holds the most any sender can pass ({@code SCM_MAX_FD} descriptors and
     * credentials). That is this process's own shortage (EMFILE, ENFILE; or a security module refusing a file), not
     * the sender breaking the protocol. The message cannot be delivered whole; it was consumed, and the descriptors
     * that did arrive are closed.
     */
    static final class DescriptorsLost extends IOException {
        private static final long serialVersionUID = 1L;
        /** How many of the message's descriptors had been installed (and are closed now). */
        final int installed;

        DescriptorsLost(String message, int installed) {
            super(message);
            this.installed = installed;
        }
    }

    // ---------------------------------------------------------------------------------------------- sending

    private static MemorySegment hello(long features) {
        MemorySegment m = Arena.global().allocate(HELLO_SIZE, 8);
        MemorySegment.copy(HELLO_MAGIC, 0, m, JAVA_BYTE, 0, HELLO_MAGIC.length);
        m.set(U64_LE, HELLO_MAGIC.length, features);
        return m;
    }

    /**
     * Sends the hello to a just-accepted gips-java client, without waiting: its queue is empty, so only a client that
     * is already gone makes this fail.
     *
     * @return 0, or the errno of the failed {@code sendmsg}
     */
    static int sendHello(SeqpacketSocket s, MsgBuffers b) {
        return Datagram.sendNow(b, s.fd, HELLO, HELLO_SIZE, NO_HANDLES);
    }

    /** What the first datagram queued on an endpoint is, as {@link #peekHello} sees it. */
    enum First { NOTHING, HELLO, OTHER, HUNG_UP }

    /**
     * Looks at the first datagram queued on {@code fd} without taking it, and without receiving its descriptors
     * (no control buffer: a datagram with descriptors reports {@code MSG_CTRUNC} and is no hello).
     */
    static First peekHello(SeqpacketSocket s, MsgBuffers b) throws IOException {
        long n = peekHead(s, b, HELLO_SIZE);
        if (n == PEEKED_NOTHING || n == PEEKED_END) {
            return n == PEEKED_NOTHING ? First.NOTHING : First.HUNG_UP;
        }
        if (n != HELLO_SIZE || Datagram.controlTruncated(b)) {
            return First.OTHER;
        }
        MemorySegment data = b.data(HELLO_SIZE + 1);
        for (int i = 0; i < HELLO_MAGIC.length; i++) {
            if (data.get(JAVA_BYTE, i) != HELLO_MAGIC[i]) {
                return First.OTHER;
            }
        }
        return First.HELLO;
    }

    /** What {@link #peekHead} returns when no datagram is queued. */
    static final long PEEKED_NOTHING = -1;
    /** What {@link #peekHead} returns at end-of-stream. */
    static final long PEEKED_END = -2;

    /**
     * Copies up to {@code size + 1} bytes of the next datagram into {@code b.data} without taking it or its
     * descriptors (one that carries some reports {@link Datagram#controlTruncated}); its length, or
     * {@link #PEEKED_NOTHING} or {@link #PEEKED_END}.
     */
    static long peekHead(SeqpacketSocket s, MsgBuffers b, int size) throws IOException {
        long n = Datagram.peek(b, s.fd, b.data(size + 1), size + 1);
        if (n < 0) {
            if (n == -Errno.EAGAIN) {
                return PEEKED_NOTHING;
            }
            throw s.where.error("recvmsg", (int) -n);
        }
        return n == 0 && Datagram.isBare(b) ? PEEKED_END : n;
    }

    /** Whether a received payload without descriptors is a listener's hello. */
    static boolean isHello(byte[] payload) {
        return payload.length == HELLO_SIZE && Arrays.equals(payload, 0, HELLO_MAGIC.length, HELLO_MAGIC, 0,
                HELLO_MAGIC.length);
    }

    /**
     * Sends one message, whole: all of {@code array} if it is not {@code null}, else {@code buffer} from position to
     * limit (the position is not changed). Without handles, an array or a buffer over an accessible array goes from
     * the array itself in one non-blocking {@code send} (where critical calls may be linked, see {@link Native}, and
     * once the buffers have sent a few messages, see {@link MsgBuffers#DIRECT_SEND_AFTER}); with handles, or when the
     * socket is full, it is copied into the scratch buffer first. Either way without a wrapper
     * object that survives the JIT: the steady-state send allocates nothing. The payload goes inline if it fits,
     * out of band if it does not and the peer is gips for Java; the caller has waited for the peer's kind if that
     * matters (see {@link #needsOutOfBand}).
     *
     * @param waiter {@code null} to block in {@code sendmsg} (blocking socket, platform thread); otherwise the send
     *               uses {@code MSG_DONTWAIT} and calls the waiter whenever the socket is full
     * @throws IOException naming the limit if the payload does not fit a datagram and the peer is not gips for Java
     */
    static void send(SeqpacketSocket s, MsgBuffers b, byte[] array, ByteBuffer buffer, long[] handles,
            Datagram.Waiter waiter) throws IOException {
        int len = array != null ? array.length : buffer.remaining();
        boolean outOfBand = s.isJavaPeer();
        if (outOfBand && needsOutOfBand(s, len, array, buffer, handles)) {
            sendLarge(s, b, array != null ? ByteBuffer.wrap(array) : buffer, handles, waiter);
            return;
        }
        if (len > s.inlineMax) {
            throw tooLargeForPlainPeer(len, s.inlineMax, s.where);
        }
        long n = -Errno.EAGAIN;
        if (handles.length == 0 && Native.CRITICAL_WITH_ERRNO && (array != null || buffer.hasArray())
                && b.sendsDirectly()) {
            // straight from the caller's array, as C sends: one call, no copy into the scratch buffer. A critical
            // call must not wait, so it cannot block; only a full socket (EAGAIN) takes the waiting path below
            n = Datagram.sendNow(b, s.fd, array != null ? MemorySegment.ofArray(array)
                    : MemorySegment.ofArray(buffer.array()).asSlice(buffer.arrayOffset() + buffer.position(), len),
                    len);
        }
        if (n == -Errno.EAGAIN) {
            n = Datagram.send(b, s.fd, nativeCopy(b, array, buffer, len), len, handles, waiter);
        }
        if (n == -Errno.EMSGSIZE && !outOfBand) {
            throw tooLargeForPlainPeer(len, Sockets.inlineMax(s.fd), s.where); // SO_SNDBUF is smaller than planned
        }
        if (n == -Errno.EMSGSIZE && handles.length < Limits.MAX_HANDLES) {
            // the socket's send buffer is smaller than the system default we planned with
            sendLarge(s, b, array != null ? ByteBuffer.wrap(array) : buffer, handles, waiter);
            return;
        }
        check(n, len, s.where);
    }

    /** The payload in native memory: a direct buffer as it is, anything else copied into the scratch buffer. */
    private static MemorySegment nativeCopy(MsgBuffers b, byte[] array, ByteBuffer buffer, int len) {
        MemorySegment data;
        if (array != null) {
            data = b.data(len);
            MemorySegment.copy(array, 0, data, JAVA_BYTE, 0, len);
        } else if (buffer.isDirect()) {
            data = MemorySegment.ofBuffer(buffer); // zero copy: covers position..limit
        } else if (buffer.hasArray()) {
            data = b.data(len);
            MemorySegment.copy(buffer.array(), buffer.arrayOffset() + buffer.position(), data, JAVA_BYTE, 0, len);
        } else {
            data = b.data(len); // a read-only heap buffer
            MemorySegment.copy(MemorySegment.ofBuffer(buffer), 0, data, 0, len);
        }
        return data;
    }

    private static void check(long n, long expected, Where where) throws IOException {
        if (n < 0) {
            int e = (int) -n;
            if (e == Errno.EPIPE || e == Errno.ECONNRESET) {
                // the other end closed (EPIPE), or closed with messages of ours unread (ECONNRESET, reported once):
                // the peer has gone, which the API reports as EOFException, as recv does
                throw new EOFException(where.message("sendmsg", "the peer has gone (" + Errno.describe(e) + ")"));
            }
            throw where.error("sendmsg", e);
        }
        if (n != expected) {
            throw where.error("sendmsg", "sent " + n + " of " + expected + " bytes");
        }
    }

    /**
     * Whether a payload must travel out of band to a gips-java peer: it does not fit a datagram, or it looks like a
     * marker and carries handles (see the class comment).
     */
    static boolean needsOutOfBand(SeqpacketSocket s, int len, byte[] array, ByteBuffer buffer, long[] handles) {
        return len > s.inlineMax || (handles.length > 0 && looksLikeMarker(array, buffer))
                || (len == ShmControl.SIZE && startsWith(ShmControl.MAGIC, array, buffer));
    }

    private static IOException tooLargeForPlainPeer(int len, int inlineMax, Where where) {
        return where.error("sendmsg", "EMSGSIZE: a payload of " + len + " bytes exceeds the datagram limit of "
                + inlineMax + " bytes; only a peer known to be gips for Java takes larger payloads (out of band), and"
                + " this one is not (see the README's Linux details); send bulk data through shared memory"
                + " (dev.gips.shm)");
    }

    private static boolean looksLikeMarker(byte[] array, ByteBuffer buffer) {
        int len = array != null ? array.length : buffer.remaining();
        return len == MARKER_SIZE && startsWith(MAGIC, array, buffer);
    }

    /** Whether the payload (of at least {@code magic.length} bytes) begins with {@code magic}. */
    static boolean startsWith(byte[] magic, byte[] array, ByteBuffer buffer) {
        for (int i = 0; i < magic.length; i++) {
            byte v = array != null ? array[i] : buffer.get(buffer.position() + i);
            if (v != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static void sendLarge(SeqpacketSocket s, MsgBuffers b, ByteBuffer payload, long[] handles,
            Datagram.Waiter waiter) throws IOException {
        if (handles.length >= Limits.MAX_HANDLES) {
            throw new IllegalArgumentException(handles.length + " handles exceed the limit of "
                    + (Limits.MAX_HANDLES - 1) + " for a payload that travels out of band"
                    + (payload.remaining() == MARKER_SIZE ? " (a 16-byte payload that begins with the out-of-band"
                            + " marker's 8 magic bytes travels out of band when it carries handles)" : ""));
        }
        int len = payload.remaining();
        int memfd = OutOfBand.create(payload, b.errno, s.where);
        try {
            MemorySegment marker = b.data(MARKER_SIZE);
            MemorySegment.copy(MAGIC, 0, marker, JAVA_BYTE, 0, MAGIC.length);
            marker.set(U64_LE, MAGIC.length, len);
            long[] all = Arrays.copyOf(handles, handles.length + 1);
            all[handles.length] = memfd;
            check(Datagram.send(b, s.fd, marker, MARKER_SIZE, all, waiter), MARKER_SIZE, s.where);
        } finally {
            Fds.closeQuietly(memfd);
        }
    }

    // -------------------------------------------------------------------------------------------- receiving

    /**
     * From this length on, a receive peeks at the datagram's length first and has the kernel copy it straight into an
     * array of its size: below it, a second system call costs more than the copy it saves. A buffer that took such a
     * datagram last peeks before the next one too; one that took a smaller one does not (see
     * {@link MsgBuffers#peeksFirst()}).
     */
    static final long DIRECT_MIN = 32 * 1024;
    private static final int[] NO_FDS = {};

    /** What {@link #receivePayload} returns when nothing is queued and it was told not to wait. */
    static final byte[] NOTHING = new byte[0];
    /** What {@link #receivePayload} returns when the peer has hung up and nothing is queued. */
    static final byte[] HUNG_UP = new byte[0];

    /** The message of a payload from {@link #receivePayload} and the descriptors it left in the buffers. */
    static RawMessage message(byte[] payload, int[] fds) {
        return new RawMessage(payload, handles(fds));
    }

    /**
     * Receives one message and returns its payload, leaving its descriptors in {@code b} for
     * {@link MsgBuffers#takeFds()}. Returning only the array lets a caller that inlines into the API build the
     * {@code RawMessage} where the JIT can see it die, so that a receive allocates only the payload and the
     * {@code Message}.
     *
     * @param wait whether to block in the kernel until a datagram arrives (the socket must be blocking). Markers are
     *             restored only from a peer known to be gips for Java; a plain peer's message that looks like one is
     *             delivered as it is
     * @return the payload, {@link #NOTHING} or {@link #HUNG_UP}
     * @throws ProtocolException if the peer broke the protocol; the datagram is consumed and its descriptors closed
     * @throws DescriptorsLost if this process could not take the message's descriptors; the datagram is consumed
     */
    static byte[] receivePayload(SeqpacketSocket s, MsgBuffers b, boolean wait) throws IOException {
        b.ringControl = 0;
        long n;            // the datagram's length, when a peek was needed to size the buffer
        MemorySegment data;
        if (b.holdsAnyMessage() && !b.peeksFirst()) {
            n = -1;        // any datagram we accept fits: one recvmsg
            data = b.data(0);
        } else {
            n = Datagram.peekLength(b, s.fd, wait);
            if (n < 0) {
                return nothingOrThrow(n, s.where);
            }
            byte[] direct = receiveDirect(s, b, n);
            if (direct != null) {
                return direct;
            }
            data = b.data(n > Limits.MAX_PAYLOAD ? 1 : Math.max(n, 1));
        }
        // without a peek, this call is the one that waits; after a peek the datagram is there already
        long m = Datagram.receive(b, s.fd, data, n < 0 && wait);
        if (m < 0) {
            return nothingOrThrow(m, s.where);
        }
        return received(s, b, data, n, m);
    }

    /**
     * What {@link #receivePayload} makes of the datagram of {@code m} bytes that the kernel left in {@code b} and
     * {@code data} ({@code n}: the length a peek announced, or -1): its payload, {@link #HUNG_UP}, or a
     * {@link ProtocolException}. Also for each datagram of a {@link ReceiveBatch}.
     */
    static byte[] received(SeqpacketSocket s, MsgBuffers b, MemorySegment data, long n, long m) throws IOException {
        if (m == 0 && Datagram.isBare(b)) {
            return HUNG_UP; // no datagram: no sender's address, no control data (see the class comment)
        }
        b.peekFirst(Native.CRITICAL_WITH_ERRNO && m >= DIRECT_MIN);
        int[] fds = Datagram.fds(b);
        refuseIncomplete(b, n, m, fds, s.where);
        byte[] payload = new byte[(int) m];
        MemorySegment.copy(data, JAVA_BYTE, 0, payload, 0, (int) m); // no slice: nothing allocated but the array
        if (s.isJavaPeer() && m == MARKER_SIZE && fds.length > 0
                && Arrays.equals(payload, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                && OutOfBand.holds(fds[fds.length - 1], data.get(U64_LE, MAGIC.length), b.statx, b.errno)) {
            return restore(b, payload, data.get(U64_LE, MAGIC.length), fds, s.where);
        }
        // anything else that looks like a marker (its last descriptor not a sealed memfd that holds what it claims)
        // is a plain gips message that happens to begin with the magic: delivered as it is, every descriptor a handle
        b.putFds(fds);
        b.ringControl = ShmControl.kind(s, data, m);
        return payload;
    }

    /**
     * The payload of a datagram of {@code n} bytes that a peek saw, taken straight into an array of its size by the
     * kernel (one copy, as C's {@code recv}) if it is at least {@link #DIRECT_MIN} bytes, within the limit and without
     * control data (no descriptors: neither a marker nor a message with handles, nor a client's credentials), and
     * critical calls may be linked; otherwise {@code null}, with the datagram still queued. Our lock keeps the datagram
     * that the peek saw at the head of the queue until we take it.
     */
    private static byte[] receiveDirect(SeqpacketSocket s, MsgBuffers b, long n) throws IOException {
        boolean large = Native.CRITICAL_WITH_ERRNO && n >= DIRECT_MIN;
        b.peekFirst(large);
        if (!large || n > Limits.MAX_PAYLOAD || Datagram.controlTruncated(b)) {
            return null;
        }
        byte[] payload = new byte[(int) n];
        long m = Datagram.receiveNow(b, s.fd, MemorySegment.ofArray(payload), n);
        if (m < 0) {
            return null; // nothing taken: the recvmsg that follows sees what is there
        }
        if (m != n) {
            throw new ProtocolException(s.where.message("recv", "datagram of " + m + " bytes where a peek saw " + n
                    + "; dropped it"));
        }
        b.putFds(NO_FDS);
        return payload;
    }

    /** {@link #NOTHING} for {@code -EAGAIN}; any other failure of {@code recvmsg} is thrown. */
    private static byte[] nothingOrThrow(long result, Where where) throws IOException {
        if (result == -Errno.EAGAIN) {
            return NOTHING;
        }
        throw where.error("recvmsg", (int) -result);
    }

    /**
     * Refuses a datagram of {@code m} bytes ({@code n} announced by the peek, or -1) that is over the payload limit or
     * did not arrive whole, closing the descriptors that came with it.
     */
    private static void refuseIncomplete(MsgBuffers b, long n, long m, int[] fds, Where where) throws IOException {
        if (n > Limits.MAX_PAYLOAD || m > Limits.MAX_PAYLOAD || (n < 0 && Datagram.truncated(b))) {
            Fds.closeAll(fds);
            throw new ProtocolException(where.message("recvmsg", "datagram of " + (n < 0 ? "more than "
                    + Limits.MAX_PAYLOAD : n) + " bytes exceeds the limit of " + Limits.MAX_PAYLOAD
                    + " bytes; dropped it"));
        }
        if (Datagram.controlTruncated(b)) {
            Fds.closeAll(fds);
            if (b.control.byteSize() >= MsgBuffers.CONTROL_SIZE) {
                // no sender can pass more than this buffer holds: the kernel stopped installing descriptors here
                throw new DescriptorsLost(where.message("recvmsg", "this process is out of file descriptors (or a"
                        + " security module refused one): the kernel could not install the descriptors of a message"
                        + " here; lost it and closed the " + fds.length + " that arrived"), fds.length);
            }
            throw new ProtocolException(where.message("recvmsg", "MSG_CTRUNC: the message carried more"
                    + " descriptors than fit the control buffer; dropped it and closed the " + fds.length
                    + " that arrived"));
        }
        if (Datagram.truncated(b)) {
            Fds.closeAll(fds);
            throw new ProtocolException(where.message("recvmsg", "MSG_TRUNC: message larger than announced"
                    + " (" + m + " of " + n + " bytes); dropped it"));
        }
    }

    /**
     * The payload of a valid marker: read from its memfd (the last of {@code fds}, closed here), or, for buffers that
     * defer it, left with its length in {@code b} for the caller to read outside its lock (then the marker itself is
     * returned). The other descriptors are the message's handles, left in {@code b}.
     */
    private static byte[] restore(MsgBuffers b, byte[] marker, long length, int[] fds, Where where)
            throws IOException {
        int memfd = fds[fds.length - 1];
        int[] handles = Arrays.copyOf(fds, fds.length - 1);
        if (b.defersOutOfBand()) {
            b.putOutOfBand(memfd, length);
            b.putFds(handles);
            return marker;
        }
        byte[] payload;
        try {
            payload = OutOfBand.read(memfd, length, b.errno, where);
        } catch (IOException | RuntimeException e) {
            Fds.closeAll(handles);
            throw e;
        } finally {
            Fds.closeQuietly(memfd);
        }
        b.putFds(handles);
        return payload;
    }

    static List<RawHandle> handles(int[] fds) {
        if (fds.length == 0) {
            return List.of();
        }
        List<RawHandle> list = new ArrayList<>(fds.length);
        for (int fd : fds) {
            list.add(new RawHandle(Handle.Kind.FILE_DESCRIPTOR, fd));
        }
        return list;
    }
}
