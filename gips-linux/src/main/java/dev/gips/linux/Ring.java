package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One direction of a shared-memory channel between two gips-java processes: a single-producer, single-consumer ring
 * of message records in memory that both processes map. The other process can write all of it at any time, so the
 * consumer trusts nothing it reads: every position, length and kind is checked before use, each payload is copied
 * out exactly once and only the copy is handed on; a ring that breaks a rule is a {@link ProtocolException} and the
 * channel is closed (only the peer that broke it loses anything).
 *
 * <p>Layout: a control block of 128 bytes, then the data area of {@link #size} bytes (a power of two).
 * <pre>
 *   control + 0   u64 tail               next position the producer writes (a count of bytes, never wrapped)
 *   control + 64  u64 head               next position the consumer reads
 *   control + 72  u32 consumerWaiting    1 while the consumer sleeps: the next record must wake it
 * </pre>
 * The producer owns {@code tail}, the consumer {@code head}, each on a cache line of its own. A record starts at a
 * position that is a multiple of 8: a header of two u32, the payload's length and the record's {@linkplain #MESSAGE
 * kind}, then the payload, padded to 8 bytes. A record never wraps: where it would, the producer writes a
 * {@link #WRAP} record and starts again at the data area's beginning.
 *
 * <p>Waiting: a consumer with nothing to read announces that it will sleep ({@link #prepareToWait}), looks once more,
 * and sleeps (on its socket, outside this class); a producer that published a record and finds the consumer announced
 * wakes it ({@link #takeConsumerWaiting}; a doorbell datagram on the socket, see {@link ShmChannel}). The announcement
 * and the re-check, like the publication and the look at the announcement, are volatile accesses on both sides, so
 * that either the consumer sees the record or the producer sees the announcement: no wake-up is lost. A producer that
 * finds no room waits with a bounded back-off instead (a full ring is the rare case of a consumer that falls behind).
 *
 * <p>Not thread-safe: one thread at a time produces (under its owner's send lock) and one consumes (under the
 * receive lock).
 */
final class Ring {
    /** Bytes of the control block before the data area. */
    static final long CONTROL_SIZE = 128;
    /** Bytes of a record's header. */
    static final int HEADER = 8;
    /** A record that carries a message's payload. */
    static final int MESSAGE = 1;
    /** A record that means: go on at the data area's beginning. */
    static final int WRAP = 2;
    /** A record that means: the next message is on the socket (too large for the ring, or with handles). */
    static final int ON_SOCKET = 3;
    /** A record that means: the message the last {@link #ON_SOCKET} announced was not sent after all. */
    static final int CANCEL = 4;

    private static final long TAIL = 0;
    private static final long HEAD = 64;
    private static final long CONSUMER_WAITING = 72;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** What {@link #poll} returns for an {@link #ON_SOCKET} record. */
    static final byte[] ON_SOCKET_MARK = new byte[0];
    /** What {@link #poll} returns for a {@link #CANCEL} record. */
    static final byte[] CANCEL_MARK = new byte[0];

    private final MemorySegment control;
    private final MemorySegment data;
    private final long size;
    private final long mask;
    private final int maxPayload;
    private long position;     // the producer's tail, or the consumer's head: our own copy, never read back
    private long otherCache;   // the last value read of the other side's position

    /**
     * A view of one direction in {@code region}: the control block at {@code offset}, the data area right after it.
     *
     * @param size the data area's bytes, a power of two of at least 4 KiB
     */
    Ring(MemorySegment region, long offset, long size) {
        if (Long.bitCount(size) != 1 || size < 4096 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ring size must be a power of two from 4 KiB to 1 GiB: " + size);
        }
        this.control = region.asSlice(offset, CONTROL_SIZE);
        this.data = region.asSlice(offset + CONTROL_SIZE, size);
        this.size = size;
        this.mask = size - 1;
        this.maxPayload = (int) (size / 4);
    }

    /** Starts this side at {@code position} instead of 0, as after a long life; for tests. */
    void startAt(long position) {
        this.position = position;
        this.otherCache = position;
    }

    /** Bytes of a region that holds one direction of {@code size} bytes. */
    static long footprint(long size) {
        return CONTROL_SIZE + size;
    }

    /** The largest payload a {@link #MESSAGE} record carries: larger ones travel on the socket. */
    int maxPayload() {
        return maxPayload;
    }

    // ----------------------------------------------------------------------------------------------- producer

    /**
     * Appends a message record holding {@code len} bytes of {@code src} from {@code offset}.
     *
     * @return {@code false} if there is no room for it now (the ring is full)
     * @throws ProtocolException if the consumer's position is impossible (the peer wrote nonsense)
     */
    boolean offer(MemorySegment src, long offset, int len) throws ProtocolException {
        long at = claim(len, 0);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(src, offset, data, at, len);
        commit(MESSAGE, len);
        return true;
    }

    /** {@link #offer(MemorySegment, long, int)} of {@code len} bytes of a heap array from {@code offset}. */
    boolean offer(byte[] src, int offset, int len) throws ProtocolException {
        long at = claim(len, 0);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(src, offset, data, JAVA_BYTE, at, len);
        commit(MESSAGE, len);
        return true;
    }

    /**
     * Appends an {@link #ON_SOCKET} record if there is room for it and for the {@link #CANCEL} that may have to
     * follow it (so that {@link #cancel} never finds the ring full).
     *
     * @return {@code false} if there is no room now
     */
    boolean announce() throws ProtocolException {
        if (claim(0, HEADER) < 0) {
            return false;
        }
        commit(ON_SOCKET, 0);
        return true;
    }

    /** Appends a {@link #CANCEL} record: room for it was kept by {@link #announce}. */
    void cancel() throws ProtocolException {
        if (claim(0, 0) < 0) {
            throw new IllegalStateException("no room for a cancel record that announce() kept room for");
        }
        commit(CANCEL, 0);
    }

    private long claimedIndex; // where the record being appended starts
    private long claimedSkip;  // the bytes a wrap record before it takes

    /**
     * Makes room for a record of {@code len} payload bytes with {@code reserve} more bytes behind it, wherever they
     * land (a wrap record goes first if the record would not fit before the end); the index of its payload, or -1 if
     * there is no room now.
     */
    private long claim(int len, int reserve) throws ProtocolException {
        if (len > maxPayload) {
            throw new IllegalArgumentException(len + " bytes exceed the ring's " + maxPayload);
        }
        long record = HEADER + align(len);
        long index = position & mask;
        long skip = index + record > size ? size - index : 0;
        // a reserved record may itself need a wrap: count its worth twice
        if (!room(skip + record + (reserve == 0 ? 0 : 2L * (reserve + HEADER)))) {
            return -1;
        }
        if (skip > 0) {
            data.set(JAVA_INT, index, 0);
            data.set(JAVA_INT, index + 4, WRAP);
            index = 0;
        }
        claimedIndex = index;
        claimedSkip = skip;
        return index + HEADER;
    }

    /** Writes the claimed record's header and publishes it. */
    private void commit(int kind, int len) {
        data.set(JAVA_INT, claimedIndex, len);
        data.set(JAVA_INT, claimedIndex + 4, kind);
        position += claimedSkip + HEADER + align(len);
        // volatile, not just release: the producer's next look at consumerWaiting must not move before it
        LONG.setVolatile(control, TAIL, position);
    }

    /** Whether {@code bytes} fit behind the tail, reading the consumer's head again if the cached one says no. */
    private boolean room(long bytes) throws ProtocolException {
        if (size - (position - otherCache) >= bytes) {
            return true;
        }
        long head = (long) LONG.getAcquire(control, HEAD);
        if (head - otherCache < 0 || head - position > 0) {
            throw new ProtocolException("the peer moved its ring position to " + head + ", outside " + otherCache
                    + ".." + position);
        }
        otherCache = head;
        return size - (position - head) >= bytes;
    }

    /**
     * Whether the consumer announced that it sleeps, clearing the announcement: then the caller rings its doorbell
     * (once per announcement).
     */
    boolean takeConsumerWaiting() {
        return (int) INT.getVolatile(control, CONSUMER_WAITING) != 0
                && INT.compareAndSet(control, CONSUMER_WAITING, 1, 0);
    }

    // ----------------------------------------------------------------------------------------------- consumer

    /**
     * Takes the next record: a copy of a message's payload, {@link #ON_SOCKET_MARK}, or {@code null} if there is
     * none.
     *
     * @throws ProtocolException if the ring breaks a rule; nothing is consumed then, and the channel is done for
     */
    byte[] poll() throws ProtocolException {
        for (;;) {
            if (position == otherCache) {
                long tail = (long) LONG.getAcquire(control, TAIL);
                if (tail == position) {
                    return null;
                }
                if (tail - position < 0 || tail - position > size) {
                    throw new ProtocolException("the peer moved its ring position to " + tail + ", outside "
                            + position + ".." + (position + size));
                }
                otherCache = tail;
            }
            long index = position & mask;
            long available = otherCache - position;
            if (available < HEADER) {
                throw new ProtocolException("a ring record's header is cut off");
            }
            int len = data.get(JAVA_INT, index);
            int kind = data.get(JAVA_INT, index + 4);
            switch (kind) {
                case WRAP -> {
                    long skip = size - index;
                    if (len != 0 || skip > available) {
                        throw new ProtocolException("a ring wrap record is malformed");
                    }
                    advance(skip);
                }
                case ON_SOCKET, CANCEL -> {
                    if (len != 0) {
                        throw new ProtocolException("a ring record of kind " + kind + " carries " + len + " bytes");
                    }
                    advance(HEADER);
                    return kind == ON_SOCKET ? ON_SOCKET_MARK : CANCEL_MARK;
                }
                case MESSAGE -> {
                    if (len < 0 || len > maxPayload) {
                        throw new ProtocolException("a ring record claims " + Integer.toUnsignedString(len)
                                + " bytes, over the ring's " + maxPayload);
                    }
                    long record = HEADER + align(len);
                    if (index + record > size || record > available) {
                        throw new ProtocolException("a ring record of " + len + " bytes runs past what was written");
                    }
                    byte[] payload = new byte[len];
                    MemorySegment.copy(data, JAVA_BYTE, index + HEADER, payload, 0, len);
                    advance(record);
                    return payload;
                }
                default -> throw new ProtocolException("a ring record has the unknown kind " + kind);
            }
        }
    }

    private void advance(long bytes) {
        position += bytes;
        LONG.setRelease(control, HEAD, position);
    }

    /**
     * The kind of the next record ({@link #MESSAGE}, {@link #ON_SOCKET}, {@link #CANCEL}), without taking it; 0 if
     * there is none. Wrap records on the way are taken. Whatever the peer wrote, the record is checked when taken.
     */
    int peekKind() throws ProtocolException {
        for (;;) {
            if (position == otherCache && (long) LONG.getAcquire(control, TAIL) == position) {
                return 0;
            }
            long tail = (long) LONG.getAcquire(control, TAIL);
            if (tail - position < HEADER || tail - position > size) {
                throw new ProtocolException("the peer moved its ring position to " + tail + ", outside "
                        + position + ".." + (position + size));
            }
            long index = position & mask;
            int kind = data.get(JAVA_INT, index + 4);
            if (kind != WRAP) {
                return kind;
            }
            long skip = size - index;
            if (data.get(JAVA_INT, index) != 0 || skip > tail - position) {
                throw new ProtocolException("a ring wrap record is malformed");
            }
            otherCache = tail;
            advance(skip);
        }
    }

    /** Withdraws the consumer's announcement that it sleeps: it looks at the ring itself for a while. */
    void stayAwake() {
        INT.setVolatile(control, CONSUMER_WAITING, 0);
    }

    /** Marks the consumer as asleep, as a new channel starts: the first record rings the doorbell. */
    void startAsleep() {
        INT.setVolatile(control, CONSUMER_WAITING, 1);
    }

    /** Whether a record is waiting, without taking it. */
    boolean isEmpty() {
        return position == otherCache && (long) LONG.getAcquire(control, TAIL) == position;
    }

    /**
     * Announces that the consumer will sleep, then looks once more: {@code true} if a record arrived after all (the
     * announcement is withdrawn and the caller goes on reading), {@code false} if it may sleep on its doorbell. Only
     * for a consumer that looks at the ring again by itself before it sleeps; see {@link #announceSleep}.
     */
    boolean prepareToWait() {
        INT.setVolatile(control, CONSUMER_WAITING, 1);
        if ((long) LONG.getVolatile(control, TAIL) != position) {
            INT.setVolatile(control, CONSUMER_WAITING, 0);
            return true;
        }
        return false;
    }

    /**
     * Announces that the consumer will sleep, then looks once more, and keeps the announcement either way: {@code true}
     * if a record arrived after all. For a consumer that is woken only through its socket (a listener, a polled
     * endpoint): were it to withdraw, a producer that published just before and looks at the announcement just after
     * would ring nobody, and the consumer, having taken that record, would be left awake with no bell queued, so that
     * nothing ever reports the next one. Kept, it costs at most a bell taken later with the ring empty.
     */
    boolean announceSleep() {
        INT.setVolatile(control, CONSUMER_WAITING, 1);
        return (long) LONG.getVolatile(control, TAIL) != position;
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** The peer broke the ring's rules; the channel cannot be trusted any more. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }
}
