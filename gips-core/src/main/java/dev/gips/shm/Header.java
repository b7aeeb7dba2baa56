package dev.gips.shm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.function.Function;

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
 * Every process that maps the region sees the same header, and another process may change it at any time: every
 * read is a fresh acquire-load, every write a release-store, so the data written before a capacity change is
 * visible to whoever reads the new capacity.
 *
 * <p>The header of a {@link Shm} follows its mapping across {@link Shm#remap()} and {@link Shm#resize(long)}; once
 * the region is closed its methods throw {@link IllegalStateException}. Thread-safe.
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

    /** The header's memory when it is fixed; {@code null} when it follows {@link #region}'s current mapping. */
    private final MemorySegment fixed;
    private final Region region;

    /** A header over {@code segment}, which must be at least {@link #SIZE} bytes and 8-aligned. */
    Header(MemorySegment segment) {
        this.fixed = segment;
        this.region = null;
    }

    /** The header of {@code region}, wherever it is mapped now. */
    Header(Region region) {
        this.fixed = null;
        this.region = region;
    }

    /** Writes a fresh header: {@code capacity}, {@code total}, extension and barrier 0. */
    static void initialize(MemorySegment segment, long capacity, long total) {
        EXTENSION.set(segment, 0L, (byte) 0);
        BARRIER.set(segment, 0L, (byte) 0);
        TOTAL.setRelease(segment, 0L, total);
        CAPACITY.setRelease(segment, 0L, capacity);
    }

    /** The capacity stored in {@code segment}, a mapping's first bytes. */
    static long capacity(MemorySegment segment) {
        return (long) CAPACITY.getAcquire(segment, 0L);
    }

    /** The total stored in {@code segment}, a mapping's first bytes. */
    static long total(MemorySegment segment) {
        return (long) TOTAL.getAcquire(segment, 0L);
    }

    /** Raises the capacity stored in {@code segment} to at least {@code v}; never lowers it. */
    static void raiseCapacity(MemorySegment segment, long v) {
        long cur;
        do {
            cur = capacity(segment);
        } while (cur < v && !CAPACITY.compareAndSet(segment, 0L, cur, v));
    }

    private <T> T apply(Function<MemorySegment, T> op) {
        return fixed != null ? op.apply(fixed) : region.withMapping(m -> op.apply(m.segment()));
    }

    /** Usable data bytes now, as the region says; a {@link Shm} maps at most this much after {@link Shm#remap()}. */
    public long capacity() {
        return apply(Header::capacity);
    }

    /**
     * Sets the usable data bytes (release store). Prefer {@link Shm#resize}, which also maps the new bytes; a
     * process that sets it directly must make sure the OS object holds {@code 24 + v} bytes before others
     * {@link Shm#remap()}.
     *
     * @throws IllegalArgumentException if {@code v} is negative or more than {@link #total()}
     */
    public void setCapacity(long v) {
        apply(s -> {
            checkCapacity(v, total(s));
            CAPACITY.setRelease(s, 0L, v);
            return null;
        });
    }

    /**
     * Atomically sets capacity to {@code v} if it is {@code e}, with the same checks as {@link #setCapacity}. On a
     * region another process can shrink ({@link Shm#isSealed()} {@code false}), a shrink that lands during this
     * call can kill the JVM: see {@link Shm#segment()}.
     *
     * @return whether capacity was {@code e} and is now {@code v}
     */
    public boolean compareAndSetCapacity(long e, long v) {
        return apply(s -> {
            checkCapacity(v, total(s));
            return CAPACITY.compareAndSet(s, 0L, e, v);
        });
    }

    private static void checkCapacity(long v, long total) {
        if (v < 0 || v > total) {
            throw new IllegalArgumentException("capacity " + v + " is outside [0, total=" + total + "]");
        }
    }

    /** The most capacity may grow to, fixed when the region was created. */
    public long total() {
        return apply(Header::total);
    }

    /** The reserved extension byte (0 in regions gips creates). */
    public int extension() {
        return apply(s -> Byte.toUnsignedInt((byte) EXTENSION.get(s, 0L)));
    }

    /**
     * Whether the region must not be trusted: the barrier byte is not 0, or capacity or total are negative, or
     * capacity exceeds total. Opening or receiving such a region fails with an {@link java.io.IOException}.
     */
    public boolean isDamaged() {
        return apply(Header::isDamaged);
    }

    static boolean isDamaged(MemorySegment s) {
        long cap = capacity(s);
        long tot = total(s);
        return (byte) BARRIER.getAcquire(s, 0L) != 0 || cap < 0 || tot < 0 || cap > tot;
    }

    /** Capacity, total and whether the header is damaged, for messages. */
    @Override
    public String toString() {
        try {
            return apply(Header::describe);
        } catch (IllegalStateException e) {
            return "Header[closed]";
        }
    }

    static String describe(MemorySegment s) {
        return "Header[capacity=" + capacity(s) + ", total=" + total(s) + (isDamaged(s) ? ", damaged]" : "]");
    }
}
