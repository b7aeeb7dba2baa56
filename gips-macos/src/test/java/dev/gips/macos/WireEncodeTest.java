package dev.gips.macos;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The encoder produces the bytes gips 0.2.0 sends (backends notes §1.1.5). The expected arrays are written by hand
 * from the notes' tables, field by field, not produced by any encoder.
 */
class WireEncodeTest {
    private static final int SERVICE = 0x2a03;
    private static final int REPLY = 0x1e07;

    private static byte[] encode(int remote, int remoteDisposition, int local, int localDisposition,
            List<Wire.Descriptor> descriptors, byte[] payload) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 8);
            buf.fill((byte) 0x5a); // garbage, as in a reused buffer: padding must not leak it
            int n = Wire.encode(buf, remote, remoteDisposition, local, localDisposition, descriptors,
                    MemorySegment.ofArray(payload));
            assertEquals(Wire.size(payload.length, descriptors), n);
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void clientMessageWithPayloadPortAndOolIsGips020Bytes() {
        byte[] expected = Le.hex("""
                13 14 00 80  40 00 00 00  03 2a 00 00  07 1e 00 00  00 00 00 00  05 00 00 00
                02 00 00 00
                03 11 00 00  00 00 00 00  00 00 13 00
                00 50 34 12 00 7f 00 00  00 01 00 01  00 10 00 00
                68 65 6c 6c 6f 00 00 00
                """);
        // header: bits = COPY_SEND (19) | MAKE_SEND (20) << 8 | COMPLEX; size 64; remote; local; voucher 0;
        // id = payload length 5. body: 2 descriptors. port: name, pad1, pad2, disposition 19, type 0.
        // OOL: address (4-aligned at offset 40), deallocate 0, copy VIRTUAL (1), pad, type 1, size 4096.
        // payload "hello" padded to 8 with zeros.
        byte[] actual = encode(SERVICE, MachMessage.MACH_MSG_TYPE_COPY_SEND, REPLY, MachMessage.MACH_MSG_TYPE_MAKE_SEND,
                List.of(new Wire.Port(0x1103, MachMessage.MACH_MSG_TYPE_COPY_SEND),
                        new Wire.Ool(0x7f0012345000L, 4096, false, MachMessage.MACH_MSG_VIRTUAL_COPY)),
                "hello".getBytes(US_ASCII));
        assertArrayEquals(expected, actual);
    }

    @Test
    void emptyMessageStillHasTheBodyAndTheComplexBit() {
        byte[] expected = Le.hex("""
                13 14 00 80  1c 00 00 00  03 2a 00 00  07 1e 00 00  00 00 00 00  00 00 00 00
                00 00 00 00
                """);
        assertArrayEquals(expected, encode(SERVICE, MachMessage.MACH_MSG_TYPE_COPY_SEND, REPLY,
                MachMessage.MACH_MSG_TYPE_MAKE_SEND, List.of(), new byte[0]));
    }

    @Test
    void twoPortsAndAFourBytePayloadNeedNoPadding() {
        byte[] expected = Le.hex("""
                13 14 00 80  38 00 00 00  03 2a 00 00  07 1e 00 00  00 00 00 00  04 00 00 00
                02 00 00 00
                0b 01 00 00  00 00 00 00  00 00 13 00
                0f 02 00 00  00 00 00 00  00 00 13 00
                de ad be ef
                """);
        assertArrayEquals(expected, encode(SERVICE, MachMessage.MACH_MSG_TYPE_COPY_SEND, REPLY,
                MachMessage.MACH_MSG_TYPE_MAKE_SEND,
                List.of(new Wire.Port(0x10b, MachMessage.MACH_MSG_TYPE_COPY_SEND),
                        new Wire.Port(0x20f, MachMessage.MACH_MSG_TYPE_COPY_SEND)),
                new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
    }

    @Test
    void replyWithoutAReplyPortHasLocalBitsZero() {
        // the Java server sends no send right to its service port with replies (gips 0.2.0 leaks one per reply);
        // everything a Rust client reads (COMPLEX, body, descriptors, msgh_id) is unchanged
        byte[] expected = Le.hex("""
                13 00 00 80  24 00 00 00  07 1e 00 00  00 00 00 00  00 00 00 00  07 00 00 00
                00 00 00 00
                72 65 70 6c 69 65 64 00
                """);
        assertArrayEquals(expected, encode(REPLY, MachMessage.MACH_MSG_TYPE_COPY_SEND, MachPort.MACH_PORT_NULL, 0,
                List.of(), "replied".getBytes(US_ASCII)));
    }

    @Test
    void aTooSmallBufferIsRefusedBeforeWriting() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32, 8);
            assertThrows(IllegalArgumentException.class, () -> Wire.encode(buf, SERVICE,
                    MachMessage.MACH_MSG_TYPE_COPY_SEND, REPLY, MachMessage.MACH_MSG_TYPE_MAKE_SEND, List.of(),
                    MemorySegment.ofArray(new byte[8])));
            assertEquals(0, buf.get(ValueLayout.JAVA_INT, 0));
        }
    }
}
