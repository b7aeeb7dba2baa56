package dev.gips.shm;

import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mapping of a region's OS object, bytes {@code [0, length)} with the header, in a shared arena of its own, and
 * the copies in and out of its data bytes. Closing the arena ({@link #unmap()}) unmaps it, and from then on the
 * segment and every slice of it throw {@link IllegalStateException}: no access can reach unmapped memory. A
 * {@link Region} replaces its mapping on resize and remap, so a mapping lives from one of those to the next (as
 * Lucene's {@code MemorySegmentIndexInput} reads through segments whose arena {@code RefCountedSharedArena} owns).
 * Thread-safe: the copies race only as any shared memory does.
 */
final class Mapping {
    private static final Logger LOG = LoggerFactory.getLogger(Shm.class);

    /** How long {@link #unmap()} waits for native calls that hold the mapping before giving up. */
    private static final long UNMAP_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Arena arena;
    private final MemorySegment segment;

    private Mapping(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * Maps {@code length} bytes of {@code object} in a new shared arena. On failure nothing stays mapped and the
     * object stays open.
     *
     * @throws IOException if the OS cannot map it
     */
    static Mapping map(ShmObject object, long length) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return new Mapping(arena, object.map(length, arena));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** All mapped bytes, header first. */
    MemorySegment segment() {
        return segment;
    }

    /** The bytes mapped, header included. */
    long length() {
        return segment.byteSize();
    }

    /** The data bytes usable through this mapping: the header's capacity, but never more than is mapped. */
    long capacity() {
        return Math.max(0, Math.min(Header.capacity(segment), length() - Header.SIZE));
    }

    /** The data bytes: {@link #capacity()} bytes from byte 24. */
    MemorySegment data() {
        return segment.asSlice(Header.SIZE, capacity());
    }

    /** Copies {@code src} to data offset {@code offset}, clamped to the capacity; returns the bytes copied. */
    long write(byte[] src, long offset) {
        long n = clamp(offset, src.length);
        if (n > 0) { // also for an offset past the mapping, which a copy of 0 bytes would still check
            MemorySegment.copy(src, 0, segment, ValueLayout.JAVA_BYTE, Header.SIZE + offset, (int) n);
        }
        return n;
    }

    /**
     * Copies {@code src} from its position to its limit to data offset {@code offset}, clamped to the capacity;
     * returns the bytes copied and leaves the buffer's position alone.
     */
    long write(ByteBuffer src, long offset) {
        long n = clamp(offset, src.remaining());
        if (n > 0) {
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, segment, Header.SIZE + offset, n);
        }
        return n;
    }

    /**
     * A copy of at most {@code size} data bytes from {@code offset}, clamped to the capacity.
     *
     * @throws IllegalArgumentException if the bytes do not fit a {@code byte[]}
     */
    byte[] read(long offset, long size) {
        long n = clamp(offset, size);
        if (n == 0) {
            return new byte[0];
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " bytes do not fit a byte[]; use segment()");
        }
        return segment.asSlice(Header.SIZE + offset, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Copies data bytes from {@code offset} into {@code dst}, clamped to the capacity; returns the bytes copied. */
    long read(long offset, byte[] dst) {
        long n = clamp(offset, dst.length);
        if (n > 0) {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, Header.SIZE + offset, dst, 0, (int) n);
        }
        return n;
    }

    private long clamp(long offset, long length) {
        long capacity = capacity();
        return offset >= capacity ? 0 : Math.min(length, capacity - offset);
    }

    /**
     * Unmaps: closes the arena. A shared arena cannot close while a native call holds one of its segments; wait for
     * such calls a while, then leave the mapping in place rather than fail: a leak, never a dangling segment.
     */
    void unmap() {
        long deadline = System.nanoTime() + UNMAP_PATIENCE_NANOS;
        for (int attempt = 0; ; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.warn("a shared memory mapping is still held by a native call after {} ms; it stays mapped",
                            TimeUnit.NANOSECONDS.toMillis(UNMAP_PATIENCE_NANOS), e);
                    return;
                }
                if (attempt < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }
    }
}
