package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.spi.Limits;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** gips 0.2.0's pipe framing: golden bytes written by hand from the notes (§2.1.6), round trips, refusals. */
class WireTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] encode(byte[] payload, long... handles) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) Wire.frameSize(payload.length,
                handles.length)]);
        ByteBuffer b = ByteBuffer.wrap(payload);
        int n = Wire.encode(out, b, handles);
        assertEquals(out.byteSize(), n);
        assertEquals(0, b.position(), "encode must not move the payload's position");
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    private static Wire.Decoded decode(byte[] frame) throws Wire.BadFrame {
        return Wire.decode(MemorySegment.ofArray(frame), frame.length);
    }

    private static String refusal(byte[] frame) {
        return assertThrows(Wire.BadFrame.class, () -> decode(frame)).getMessage();
    }

    @Test
    void emptyMessageIsTheSixteenByteHeader() throws Exception {
        byte[] frame = encode(new byte[0]);
        assertEquals("4c495053" + "0100" + "0000" + "00000000" + "00000000", HEX.formatHex(frame));
        Wire.Decoded d = decode(frame);
        assertEquals(0, d.payload().length);
        assertEquals(0, d.handles().length);
    }

    @Test
    void payloadAndHandlesMatchGoldenBytes() throws Exception {
        byte[] frame = encode("hi".getBytes(), 0x1234L, 0x0000_7FFF_0000_0ABCL);
        String expected = "4c495053" + "0100" + "0000" + "02000000" + "02000000" // header
                + "6869"                                                                // "hi"
                + "01" + "00000000000000" + "3412000000000000"                          // kind 1, value
                + "01" + "00000000000000" + "bc0a0000ff7f0000";
        assertEquals(expected, HEX.formatHex(frame));
        Wire.Decoded d = decode(frame);
        assertArrayEquals("hi".getBytes(), d.payload());
        assertArrayEquals(new long[] {0x1234L, 0x0000_7FFF_0000_0ABCL}, d.handles());
    }

    @Test
    void encodeSendsFromPositionToLimit() throws Exception {
        ByteBuffer b = ByteBuffer.wrap("xxhello!!".getBytes()).position(2).limit(7);
        MemorySegment out = MemorySegment.ofArray(new byte[(int) Wire.frameSize(5, 0)]);
        Wire.encode(out, b, new long[0]);
        assertEquals(2, b.position());
        assertArrayEquals("hello".getBytes(), Wire.decode(out, out.byteSize()).payload());
    }

    @Test
    void directBuffersAndNativeSegmentsRoundTrip() throws Exception {
        Random r = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int size : new int[] {0, 1, 15, 16, 17, 4096, 65_536, 65_537, 1 << 20}) {
                byte[] payload = new byte[size];
                r.nextBytes(payload);
                long[] handles = r.longs(r.nextInt(Limits.MAX_HANDLES + 1), 1, Long.MAX_VALUE).toArray();
                ByteBuffer direct = ByteBuffer.allocateDirect(size).put(payload).flip();
                MemorySegment out = arena.allocate(Wire.frameSize(size, handles.length));
                Wire.encode(out, direct, handles);
                Wire.Decoded d = Wire.decode(out, out.byteSize());
                assertArrayEquals(payload, d.payload(), "payload of " + size);
                assertArrayEquals(handles, d.handles(), "handles with a payload of " + size);
            }
        }
    }

    @Test
    void largestFrameRoundTripsAndOneMoreByteIsRefused() throws Exception {
        byte[] payload = new byte[Limits.MAX_PAYLOAD];
        payload[payload.length - 1] = 42;
        long[] handles = new long[Limits.MAX_HANDLES];
        java.util.Arrays.fill(handles, 8);
        byte[] frame = encode(payload, handles);
        assertEquals(Wire.MAX_FRAME, frame.length);
        assertEquals(42, decode(frame).payload()[payload.length - 1]);
        assertThrows(IllegalArgumentException.class, () -> encode(new byte[Limits.MAX_PAYLOAD + 1], handles));
    }

    @Test
    void shortMessagesAreRefused() {
        assertEquals("message of 0 bytes is shorter than the 16-byte gips header", refusal(new byte[0]));
        assertEquals("message of 15 bytes is shorter than the 16-byte gips header",
                refusal(java.util.Arrays.copyOf(encode(new byte[0]), 15)));
    }

    @Test
    void badMagicIsRefusedNotTakenAsARawPayload() {
        byte[] frame = encode("data".getBytes());
        frame[0] = 'G';
        assertEquals("bad magic 0x53504947, expected 0x5350494C (\"LIPS\")", refusal(frame));
    }

    @Test
    void otherVersionsAreRefused() {
        byte[] frame = encode(new byte[0]);
        frame[4] = 2;
        assertEquals("unsupported gips frame version 2, expected 1", refusal(frame));
    }

    @Test
    void reservedBytesAreIgnoredAsGipsDoes() throws Exception {
        byte[] frame = encode("a".getBytes());
        frame[6] = 9;
        assertArrayEquals("a".getBytes(), decode(frame).payload());
    }

    @Test
    void lengthsThatLieAreRefused() {
        byte[] frame = encode("abcd".getBytes(), 4L);
        put32(frame, 8, 100); // payload_len beyond the message
        assertEquals("frame claims 132 bytes (payload_len 100, object_count 1) but the message has 36",
                refusal(frame));
        frame = encode("abcd".getBytes(), 4L);
        put32(frame, 8, 2); // payload_len short of it: trailing bytes
        assertEquals("frame claims 34 bytes (payload_len 2, object_count 1) but the message has 36",
                refusal(frame));
    }

    @Test
    void handleCountsBeyondTheFrameAreRefused() {
        byte[] frame = encode("abcd".getBytes(), 4L);
        put32(frame, 12, 2);
        assertEquals("frame claims 52 bytes (payload_len 4, object_count 2) but the message has 36",
                refusal(frame));
        put32(frame, 12, -1);
        assertEquals("object_count 4294967295 exceeds the limit of 253", refusal(frame));
        put32(frame, 12, Limits.MAX_HANDLES + 1);
        assertEquals("object_count 254 exceeds the limit of 253", refusal(frame));
    }

    @Test
    void hugePayloadLengthsAreRefusedBeforeAnyAllocation() {
        byte[] frame = encode(new byte[0]);
        put32(frame, 8, -1);
        assertEquals("payload_len 4294967295 exceeds the limit of 16777216", refusal(frame));
    }

    @Test
    void unknownObjectKindsAndNullHandlesAreRefused() {
        byte[] frame = encode(new byte[0], 8L, 12L);
        frame[16 + 16] = 2;
        assertEquals("object 1 has kind 2, expected 1 (handle)", refusal(frame));
        frame = encode(new byte[0], 8L);
        java.util.Arrays.fill(frame, 24, 32, (byte) 0);
        assertEquals("object 0 has handle value 0", refusal(frame));
    }

    @Test
    void refusedFramesGiveUpTheHandlesTheyCarried() {
        byte[] frame = encode("xy".getBytes(), 8L, 12L, 16L);
        byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 3); // trailing bytes
        assertTrue(refusal(longer).contains("but the message has"));
        assertArrayEquals(new long[] {8L, 12L, 16L},
                Wire.salvageHandles(MemorySegment.ofArray(longer), longer.length));
        byte[] cut = java.util.Arrays.copyOf(frame, frame.length - 16); // the last entry is missing
        assertArrayEquals(new long[] {8L, 12L}, Wire.salvageHandles(MemorySegment.ofArray(cut), cut.length));
        frame[0] = 0;
        assertArrayEquals(new long[0], Wire.salvageHandles(MemorySegment.ofArray(frame), frame.length));
    }

    @Test
    void claimedSizeTellsHowMuchOfALongMessageIsStillToCome() throws Exception {
        byte[] frame = encode(new byte[70_000], 8L);
        assertEquals(frame.length, Wire.claimedSize(MemorySegment.ofArray(frame), 16));
    }

    private static void put32(byte[] frame, int at, int value) {
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    }
}
