package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The control datagrams of a shared-memory channel on the socket ({@link ShmChannel}), between gips-java peers only:
 * 16 bytes, {@link #MAGIC}, a letter that says which ({@code o}ffer, {@code a}ccept, {@code d}ecline, {@code s}witch,
 * {@code b}ell), and a u64. A payload that looks like one is sent to a gips-java peer out of band ({@link Wire}), so
 * that a control datagram is never ambiguous between them; a plain gips peer never gets one.
 */
final class ShmControl {
    private ShmControl() {}

    static final byte[] MAGIC = {0, 'g', 'i', 'p', 's', '-', 'r'};
    static final int SIZE = 16;

    /**
     * Sends a control datagram of a shared-memory channel: {@link #MAGIC}, {@code kind}, {@code value}, and
     * {@code fds}.
     *
     * @return 0, or the errno of the failed {@code sendmsg} ({@code EAGAIN}: the peer's queue is full)
     */
    static int send(SeqpacketSocket s, MsgBuffers b, byte kind, long value, long[] fds) {
        MemorySegment data = b.data(SIZE);
        MemorySegment.copy(MAGIC, 0, data, JAVA_BYTE, 0, MAGIC.length);
        data.set(JAVA_BYTE, MAGIC.length, kind);
        data.set(Wire.U64_LE, 8, value);
        return Datagram.sendNow(b, s.fd, data, SIZE, fds);
    }

    /**
     * The letter of the control datagram whose bytes are in {@code data} ({@code length} of them), or 0 if it is
     * none; only a gips-java peer's datagrams are looked at.
     */
    static byte kind(SeqpacketSocket s, MemorySegment data, long length) {
        if (length != SIZE || !s.isJavaPeer()) {
            return 0;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (data.get(JAVA_BYTE, i) != MAGIC[i]) {
                return 0;
            }
        }
        return data.get(JAVA_BYTE, MAGIC.length);
    }

    /** What {@link #peek} found at the head of a socket whose messages travel through a ring. */
    enum Queued { NOTHING, BELL, DATAGRAM, HUNG_UP }

    /**
     * Looks at the next datagram of a socket in ring mode without taking it (no control buffer: one with descriptors
     * reports {@code MSG_CTRUNC}, and is a datagram the ring announces).
     */
    static Queued peek(SeqpacketSocket s, MsgBuffers b) throws IOException {
        long n = Wire.peekHead(s, b, SIZE);
        if (n == Wire.PEEKED_NOTHING || n == Wire.PEEKED_END) {
            return n == Wire.PEEKED_NOTHING ? Queued.NOTHING : Queued.HUNG_UP;
        }
        boolean bell = !Datagram.controlTruncated(b) && kind(s, b.data(SIZE + 1), n) == ShmChannel.BELL;
        return bell ? Queued.BELL : Queued.DATAGRAM;
    }

    /** Takes a datagram that {@link #peek} found to be a bell. */
    static void takeBell(SeqpacketSocket s, MsgBuffers b) {
        if (Datagram.receive(b, s.fd, b.data(SIZE + 1), false) >= 0) {
            // none: a bell carries none; but what the kernel gave must not leak (and after a failed call the
            // control buffer holds an older message's, which are not ours to close)
            Fds.closeAll(Datagram.fds(b));
        }
    }
}
