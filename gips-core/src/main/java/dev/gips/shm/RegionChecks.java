package dev.gips.shm;

import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks {@link Shm} makes on an OS object another process controls, before it maps it and before it trusts
 * its header again: so that no access through a mapping faults because the object is smaller than the header says.
 * Also the header's arithmetic: how many bytes a region of so many data bytes needs.
 */
final class RegionChecks {
    private static final Logger LOG = LoggerFactory.getLogger(Shm.class);

    private RegionChecks() {}

    /**
     * Checks an object {@link Shm} is about to map and returns the bytes to map, header included: {@code prefix}
     * data bytes (all of the capacity if negative, at most the capacity). Maps only the header, in an arena of its
     * own, to read it.
     *
     * @throws IOException if {@code sealedOnly} and the object is not sealed, if the object is smaller than a
     *                     header, the header is damaged, or it claims more than the object holds
     */
    static long lengthToMap(ShmObject object, long prefix, boolean sealedOnly, String what) throws IOException {
        if (sealedOnly && !object.isSealed()) {
            throw new IOException(what + ": refused: the region is not sealed against shrinking, so another process"
                    + " could shrink it under this mapping (on Linux: a memfd created without MFD_ALLOW_SEALING, or a"
                    + " POSIX shm object or file, as Rust gips sends); send a memfd created with MFD_ALLOW_SEALING,"
                    + " or accept unsealed regions with from/open");
        }
        long objectSize = object.size();
        if (objectSize < Header.SIZE) {
            throw new IOException(what + ": the object holds " + objectSize + " bytes, less than the "
                    + Header.SIZE + "-byte header");
        }
        long capacity;
        long total;
        try (Arena probe = Arena.ofConfined()) {
            MemorySegment h = object.map(Header.SIZE, probe);
            if (Header.isDamaged(h)) {
                throw new IOException(what + ": damaged header (" + Header.describe(h) + ")");
            }
            capacity = Header.capacity(h);
            total = Header.total(h);
        }
        long data = prefix < 0 ? capacity : Math.min(prefix, capacity);
        long length = headerSpan(data, what);
        ensureBacked(object, length, total, what);
        return length;
    }

    /**
     * Checks that an unsealed object still holds the {@code mapped} bytes mapped from it, before its header is
     * read again: another process may have shrunk it, and then reading the header could fault. A shrink that
     * lands after this check still ends in {@link InternalError}, not a crash: the header is read from Java.
     *
     * @throws IOException if the object holds fewer than {@code mapped} bytes now
     */
    static void ensureNotShrunk(ShmObject object, boolean sealed, long mapped, String what) throws IOException {
        if (sealed) {
            return;
        }
        long objectSize = object.size();
        if (objectSize < mapped) {
            throw new IOException(what + ": the object shrank to " + objectSize + " bytes, less than the " + mapped
                    + " mapped here: another process truncated it; accesses beyond its end fault, close the region");
        }
    }

    /**
     * Makes sure the object holds {@code length} bytes before they are mapped, so no access can fault. Grows a
     * Rust gips object (sized {@code total}, without room for the header) by at most the header's 24 bytes.
     */
    static void ensureBacked(ShmObject object, long length, long total, String what) throws IOException {
        long objectSize = object.size();
        if (objectSize >= length) {
            return;
        }
        if (objectSize == total && length - objectSize <= Header.SIZE) {
            object.setSize(length);
            LOG.debug("{}: grew a {}-byte object sized as Rust gips 0.2.0 does to {} bytes", what, objectSize,
                    length);
            return;
        }
        throw new IOException(what + ": the header claims " + (length - Header.SIZE) + " data bytes (" + length
                + " with the header) but the object holds only " + objectSize);
    }

    /**
     * {@code 24 + n}, the bytes a region of {@code n} data bytes needs, for a size the caller chose.
     *
     * @throws IllegalArgumentException if that does not fit a {@code long}
     */
    static long span(long n) {
        if (n < 0 || n > Long.MAX_VALUE - Header.SIZE) {
            throw new IllegalArgumentException("size " + n + " is out of range");
        }
        return n + Header.SIZE;
    }

    /** {@code 24 + n} for a size read from a header, which another process controls. */
    static long headerSpan(long n, String what) throws IOException {
        if (n < 0 || n > Long.MAX_VALUE - Header.SIZE) {
            throw new IOException(what + ": damaged header (capacity " + n + ")");
        }
        return n + Header.SIZE;
    }
}
