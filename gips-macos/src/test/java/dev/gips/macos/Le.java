package dev.gips.macos;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Little-endian bytes written field by field, for messages built by hand (never by the encoder under test). */
final class Le {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Le u8(int v) {
        out.write(v);
        return this;
    }

    Le u16(int v) {
        return u8(v & 0xff).u8((v >>> 8) & 0xff);
    }

    Le u32(int v) {
        return u16(v & 0xffff).u16(v >>> 16);
    }

    Le u64(long v) {
        return u32((int) v).u32((int) (v >>> 32));
    }

    Le bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toArray() {
        return out.toByteArray();
    }

    /** The bytes in 8-aligned native memory (as a receive buffer is), followed by {@code spare} zero bytes. */
    MemorySegment native_(Arena arena, int spare) {
        byte[] b = toArray();
        MemorySegment s = arena.allocate(b.length + (long) spare, 8);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }

    /** Parses {@code "13 14 00 80 …"}. */
    static byte[] hex(String s) {
        String[] parts = s.trim().split("\\s+");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }
}
