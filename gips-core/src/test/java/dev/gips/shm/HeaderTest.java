package dev.gips.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 24-byte region header: byte layout shared with Rust gips 0.2.0 (DESIGN.md §4), CAS, damage detection. */
class HeaderTest {
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Arena arena;
    private MemorySegment region;   // header plus 8 data bytes
    private Header header;

    @BeforeEach
    void allocate() {
        arena = Arena.ofConfined();
        region = arena.allocate(Header.SIZE + 8, 8);
        region.fill((byte) 0xA5);   // garbage, as in a region nobody initialised
        header = new Header(region);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    @Test
    void layoutIsExactly24BytesWithTheSharedOffsets() {
        assertEquals(24, Header.SIZE);
        assertEquals(24, Header.LAYOUT.byteSize());
        assertEquals(0, Header.LAYOUT.byteOffset(PathElement.groupElement("capacity")));
        assertEquals(8, Header.LAYOUT.byteOffset(PathElement.groupElement("total")));
        assertEquals(16, Header.LAYOUT.byteOffset(PathElement.groupElement("extension")));
        assertEquals(17, Header.LAYOUT.byteOffset(PathElement.groupElement("barrier")));
        assertEquals(ByteOrder.LITTLE_ENDIAN, Header.U64.order());
    }

    @Test
    void initializeWritesLittleEndianFieldsAndZeroFlags() {
        Header.initialize(region, 0x0102_0304_0506_0708L, 0x1112_1314_1516_1718L);
        assertEquals(0x0102_0304_0506_0708L, region.get(LE_LONG, 0));
        assertEquals(0x1112_1314_1516_1718L, region.get(LE_LONG, 8));
        // byte by byte: the least significant byte first
        assertEquals(0x08, region.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x01, region.get(ValueLayout.JAVA_BYTE, 7));
        assertEquals(0x18, region.get(ValueLayout.JAVA_BYTE, 8));
        assertEquals(0x11, region.get(ValueLayout.JAVA_BYTE, 15));
        assertEquals(0, region.get(ValueLayout.JAVA_BYTE, 16), "extension");
        assertEquals(0, region.get(ValueLayout.JAVA_BYTE, 17), "barrier");
        for (long i = 24; i < region.byteSize(); i++) {
            assertEquals((byte) 0xA5, region.get(ValueLayout.JAVA_BYTE, i), "data byte " + i + " must be untouched");
        }
        assertEquals(0x0102_0304_0506_0708L, header.capacity());
        assertEquals(0x1112_1314_1516_1718L, header.total());
        assertEquals(0, header.extension());
    }

    @Test
    void setCapacityWritesBytes0To7LittleEndianAndNothingElse() {
        Header.initialize(region, 0, 0x0100_0000_0000_0000L);
        header.setCapacity(0x00AB_CDEF_0123_4567L);
        assertEquals(0x00AB_CDEF_0123_4567L, region.get(LE_LONG, 0));
        assertEquals(0x67, region.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x0100_0000_0000_0000L, region.get(LE_LONG, 8), "total unchanged");
    }

    @Test
    void capacityOutsideZeroToTotalIsRefusedAndNotWritten() {
        // a header with capacity > total is damaged for every process: do not let a caller write one
        Header.initialize(region, 10, 100);
        assertThrows(IllegalArgumentException.class, () -> header.setCapacity(101));
        assertThrows(IllegalArgumentException.class, () -> header.setCapacity(-1));
        assertThrows(IllegalArgumentException.class, () -> header.compareAndSetCapacity(10, 101));
        assertEquals(10, header.capacity());
        header.setCapacity(100);
        assertEquals(100, header.capacity());
    }

    @Test
    void raiseCapacityNeverLowersIt() {
        Header.initialize(region, 50, 100);
        Header.raiseCapacity(region, 40);
        assertEquals(50, header.capacity());
        Header.raiseCapacity(region, 80);
        assertEquals(80, header.capacity());
    }

    @Test
    void toStringNamesCapacityTotalAndDamage() {
        Header.initialize(region, 10, 100);
        assertEquals("Header[capacity=10, total=100]", header.toString());
        region.set(ValueLayout.JAVA_BYTE, 17, (byte) 1);
        assertEquals("Header[capacity=10, total=100, damaged]", header.toString());
    }

    @Test
    void readsWhatAnotherProcessWroteInLittleEndian() {
        // as Rust gips writes it: u64::to_le at 0 and 8, extension at 16, barrier at 17
        region.set(LE_LONG, 0, 100);
        region.set(LE_LONG, 8, 4096);
        region.set(ValueLayout.JAVA_BYTE, 16, (byte) 0xFE);
        region.set(ValueLayout.JAVA_BYTE, 17, (byte) 0);
        assertEquals(100, header.capacity());
        assertEquals(4096, header.total());
        assertEquals(0xFE, header.extension(), "extension reads unsigned");
        assertFalse(header.isDamaged());
    }

    @Test
    void compareAndSetCapacity() {
        Header.initialize(region, 10, 100);
        assertTrue(header.compareAndSetCapacity(10, 20));
        assertEquals(20, header.capacity());
        assertEquals(20, region.get(LE_LONG, 0));
        assertFalse(header.compareAndSetCapacity(10, 30), "expected value is stale");
        assertEquals(20, header.capacity());
        assertEquals(100, header.total(), "total unchanged");
    }

    @Test
    void freshHeaderIsNotDamaged() {
        Header.initialize(region, 10, 100);
        assertFalse(header.isDamaged());
        Header.initialize(region, 100, 100);
        assertFalse(header.isDamaged(), "capacity == total is fine");
        Header.initialize(region, 0, 0);
        assertFalse(header.isDamaged());
    }

    @Test
    void nonZeroBarrierMeansDamaged() {
        Header.initialize(region, 10, 100);
        for (int b : new int[] {1, 0x7F, 0x80, 0xFF}) {
            region.set(ValueLayout.JAVA_BYTE, 17, (byte) b);
            assertTrue(header.isDamaged(), "barrier " + b);
        }
        region.set(ValueLayout.JAVA_BYTE, 17, (byte) 0);
        assertFalse(header.isDamaged());
    }

    @Test
    void capacityAboveTotalMeansDamaged() {
        Header.initialize(region, 101, 100);
        assertTrue(header.isDamaged());
        header.setCapacity(100);
        assertFalse(header.isDamaged());
    }

    @Test
    void sizesThatDoNotFitASignedLongMeanDamaged() {
        // u64 values above Long.MAX_VALUE cannot describe a real region
        Header.initialize(region, 10, 100);
        region.set(LE_LONG, 8, -1L);
        assertTrue(header.isDamaged(), "total 2^64-1");
        Header.initialize(region, 10, 100);
        region.set(LE_LONG, 0, Long.MIN_VALUE);
        assertTrue(header.isDamaged(), "capacity 2^63");
    }

    @Test
    void extensionByteIsNotDamage() {
        Header.initialize(region, 10, 100);
        region.set(ValueLayout.JAVA_BYTE, 16, (byte) 1);
        assertEquals(1, header.extension());
        assertFalse(header.isDamaged());
    }
}
