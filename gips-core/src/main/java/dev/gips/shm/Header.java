package dev.gips.shm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 24-byte header at the start of every region, shared with Rust gips 0.2.0:
 * <pre>
 * offset 0   u64 capacity   usable data bytes now (little-endian, acquire/release)
 * offset 8   u64 total      the most capacity may grow to
 * offset 16  u8  extension  reserved, 0
 * offset 17  u8  barrier    0; anything else marks the region damaged
 * offset 18  6 bytes padding
 * offset 24  data
 * </pre>
 * Another process may change the header at any time; every read is a fresh acquire-load.
 */
public final class Header {
    /** Size of the header; data starts here. */
    public static final long SIZE = 24;

    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U64.withName("capacity"),
            U64.withName("total"),
            ValueLayout.JAVA_BYTE.withName("extension"),
            ValueLayout.JAVA_BYTE.withName("barrier"),
            MemoryLayout.paddingLayout(6)).withName("gips_shm_header");
    private static final VarHandle CAPACITY = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("capacity"));
    private static final VarHandle TOTAL = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("total"));
    private static final VarHandle EXTENSION = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("extension"));
    private static final VarHandle BARRIER = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("barrier"));

    private final MemorySegment segment;

    Header(MemorySegment segment) {
        this.segment = segment;
    }

    /** Writes a fresh header: {@code capacity}, {@code total}, extension and barrier 0. */
    static void initialize(MemorySegment segment, long capacity, long total) {
        EXTENSION.set(segment, 0L, (byte) 0);
        BARRIER.set(segment, 0L, (byte) 0);
        TOTAL.setRelease(segment, 0L, total);
        CAPACITY.setRelease(segment, 0L, capacity);
    }

    /** Usable data bytes now. */
    public long capacity() {
        return (long) CAPACITY.getAcquire(segment, 0L);
    }

    /** Sets the usable data bytes (release store). Prefer {@link Shm#resize}. */
    public void setCapacity(long v) {
        CAPACITY.setRelease(segment, 0L, v);
    }

    /** Atomically sets capacity to {@code v} if it is {@code e}. */
    public boolean compareAndSetCapacity(long e, long v) {
        return CAPACITY.compareAndSet(segment, 0L, e, v);
    }

    /** The most capacity may grow to. */
    public long total() {
        return (long) TOTAL.getAcquire(segment, 0L);
    }

    /** The reserved extension byte. */
    public int extension() {
        return Byte.toUnsignedInt((byte) EXTENSION.get(segment, 0L));
    }

    /** Whether the barrier byte is not 0, or capacity exceeds total: the region must not be trusted. */
    public boolean isDamaged() {
        long cap = capacity();
        long tot = total();
        return (byte) BARRIER.getAcquire(segment, 0L) != 0 || cap < 0 || tot < 0 || cap > tot;
    }

    @Override
    public String toString() {
        return "Header[capacity=" + capacity() + ", total=" + total() + (isDamaged() ? ", damaged]" : "]");
    }
}
