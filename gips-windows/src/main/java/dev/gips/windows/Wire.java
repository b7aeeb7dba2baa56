package dev.gips.windows;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The gips 0.2.0 framing of one message inside one pipe message, pure Java so that it is tested on every OS. All
 * fields are little-endian and unaligned:
 * <pre>
 * offset  size  field
 *      0     4  magic 0x5350494C (bytes "LIPS")
 *      4     2  version 1
 *      6     2  reserved (written 0, not checked: gips 0.2.0 does not check it either)
 *      8     4  payload_len
 *     12     4  object_count
 *     16     n  payload
 * then object_count entries of 16 bytes: kind (1 = handle), 7 bytes padding (not checked), u64 HANDLE value
 * </pre>
 * The handle values are already valid in the receiver's process: the sender duplicated them there.
 *
 * <p>Unlike gips 0.2.0, decoding never falls back to "the whole buffer is the payload": a frame that is not exactly
 * right is refused with a {@link BadFrame} that says what was wrong, and lengths are bounded by {@link Limits}
 * before anything is allocated (gips bug W-3).
 */
final class Wire {
    private Wire() {}

    static final int MAGIC = 0x5350_494C;
    static final short VERSION = 1;
    static final int HEADER_SIZE = 16;
    static final int ENTRY_SIZE = 16;
    static final byte KIND_HANDLE = 1;
    /** The largest frame a peer may send: a full payload and the most handles. */
    static final int MAX_FRAME = HEADER_SIZE + Limits.MAX_PAYLOAD + ENTRY_SIZE * Limits.MAX_HANDLES;

    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    static final long RESERVED_OFFSET = 6;
    static final long PAYLOAD_LEN_OFFSET = 8;
    static final long OBJECT_COUNT_OFFSET = 12;
    static final long ENTRY_KIND_OFFSET = 0;
    static final long ENTRY_VALUE_OFFSET = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A frame that breaks the format; the message is refused as a whole. */
    static final class BadFrame extends IOException {
        private static final long serialVersionUID = 1L;

        BadFrame(String message) {
            super(message);
        }
    }

    /**
     * A decoded frame.
     *
     * @param payload the payload bytes
     * @param handles the handle values as the peer wrote them, not yet validated
     */
    record Decoded(byte[] payload, long[] handles) {}

    /** The size of the frame for {@code payloadLength} bytes and {@code handleCount} handles. */
    static long frameSize(int payloadLength, int handleCount) {
        return HEADER_SIZE + (long) payloadLength + (long) ENTRY_SIZE * handleCount;
    }

    /**
     * Writes the frame into {@code out}, which must hold {@link #frameSize} bytes. The payload is read from its
     * position to its limit; its position is not changed.
     *
     * @return the number of bytes written
     */
    static int encode(MemorySegment out, ByteBuffer payload, long[] handles) {
        int payloadLength = payload.remaining();
        long size = frameSize(payloadLength, handles.length);
        if (size > MAX_FRAME || out.byteSize() < size) {
            throw new IllegalArgumentException("frame of " + size + " bytes does not fit (max " + MAX_FRAME
                    + ", buffer " + out.byteSize() + ")");
        }
        out.set(U32, MAGIC_OFFSET, MAGIC);
        out.set(U16, VERSION_OFFSET, VERSION);
        out.set(U16, RESERVED_OFFSET, (short) 0);
        out.set(U32, PAYLOAD_LEN_OFFSET, payloadLength);
        out.set(U32, OBJECT_COUNT_OFFSET, handles.length);
        MemorySegment.copy(MemorySegment.ofBuffer(payload), 0, out, HEADER_SIZE, payloadLength);
        long entry = HEADER_SIZE + (long) payloadLength;
        for (long h : handles) {
            out.asSlice(entry, ENTRY_SIZE).fill((byte) 0);
            out.set(JAVA_BYTE, entry + ENTRY_KIND_OFFSET, KIND_HANDLE);
            out.set(U64, entry + ENTRY_VALUE_OFFSET, h);
            entry += ENTRY_SIZE;
        }
        return (int) size;
    }

    /**
     * Reads the header's claimed total size, for a receiver that got the first part of a longer message. Checks
     * magic, version and limits; returns the size the whole frame must have.
     */
    static long claimedSize(MemorySegment in, long length) throws BadFrame {
        if (length < HEADER_SIZE) {
            throw new BadFrame("message of " + length + " bytes is shorter than the 16-byte gips header");
        }
        int magic = in.get(U32, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new BadFrame(String.format("bad magic 0x%08X, expected 0x%08X (\"LIPS\")", magic, MAGIC));
        }
        int version = Short.toUnsignedInt(in.get(U16, VERSION_OFFSET));
        if (version != VERSION) {
            throw new BadFrame("unsupported gips frame version " + version + ", expected " + VERSION);
        }
        long payloadLength = Integer.toUnsignedLong(in.get(U32, PAYLOAD_LEN_OFFSET));
        long count = Integer.toUnsignedLong(in.get(U32, OBJECT_COUNT_OFFSET));
        if (payloadLength > Limits.MAX_PAYLOAD) {
            throw new BadFrame("payload_len " + payloadLength + " exceeds the limit of " + Limits.MAX_PAYLOAD);
        }
        if (count > Limits.MAX_HANDLES) {
            throw new BadFrame("object_count " + count + " exceeds the limit of " + Limits.MAX_HANDLES);
        }
        return HEADER_SIZE + payloadLength + ENTRY_SIZE * count;
    }

    /**
     * Decodes a whole pipe message of {@code length} bytes at the start of {@code in}.
     *
     * @throws BadFrame naming what is wrong: short header, magic, version, a length beyond the limits or not
     *         matching the message, a handle entry of an unknown kind or with value 0
     */
    static Decoded decode(MemorySegment in, long length) throws BadFrame {
        long claimed = claimedSize(in, length);
        int payloadLength = in.get(U32, PAYLOAD_LEN_OFFSET);
        int count = in.get(U32, OBJECT_COUNT_OFFSET);
        if (claimed != length) {
            throw new BadFrame("frame claims " + claimed + " bytes (payload_len " + payloadLength + ", object_count "
                    + count + ") but the message has " + length);
        }
        long[] handles = new long[count];
        long entry = HEADER_SIZE + (long) payloadLength;
        for (int i = 0; i < count; i++, entry += ENTRY_SIZE) {
            byte kind = in.get(JAVA_BYTE, entry + ENTRY_KIND_OFFSET);
            if (kind != KIND_HANDLE) {
                throw new BadFrame("object " + i + " has kind " + Byte.toUnsignedInt(kind) + ", expected "
                        + KIND_HANDLE + " (handle)");
            }
            handles[i] = in.get(U64, entry + ENTRY_VALUE_OFFSET);
            if (handles[i] == 0) {
                throw new BadFrame("object " + i + " has handle value 0");
            }
        }
        byte[] payload = in.asSlice(HEADER_SIZE, payloadLength).toArray(JAVA_BYTE);
        return new Decoded(payload, handles);
    }

    /**
     * The handle values of a frame that {@link #decode} refused, as far as its entries can be read, so that the
     * receiver can close what the peer may have placed in its process. Never throws.
     */
    static long[] salvageHandles(MemorySegment in, long length) {
        if (length < HEADER_SIZE || in.get(U32, MAGIC_OFFSET) != MAGIC) {
            return new long[0];
        }
        long payloadLength = Integer.toUnsignedLong(in.get(U32, PAYLOAD_LEN_OFFSET));
        long count = Math.min(Integer.toUnsignedLong(in.get(U32, OBJECT_COUNT_OFFSET)), Limits.MAX_HANDLES);
        long entry = HEADER_SIZE + payloadLength;
        int n = 0;
        long[] out = new long[(int) count];
        for (int i = 0; i < count && entry + ENTRY_SIZE <= length; i++, entry += ENTRY_SIZE) {
            if (in.get(JAVA_BYTE, entry + ENTRY_KIND_OFFSET) == KIND_HANDLE) {
                long v = in.get(U64, entry + ENTRY_VALUE_OFFSET);
                if (v != 0) {
                    out[n++] = v;
                }
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
