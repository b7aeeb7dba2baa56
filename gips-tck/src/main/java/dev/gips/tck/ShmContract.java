package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import dev.gips.shm.Header;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Rust crate's {@code tests/shm.rs}, one test per case (named after it), plus the Java contract's additions
 * (DESIGN §4): names, exclusive create, mode 0600, anonymous regions without a name.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ShmContract {

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------- tests/shm.rs

    @Test
    void namedSharedMemoryInitializesHeader() throws Exception {
        String name = "/" + ShmNames.name("named");
        try (Shm shm = Shm.create(name, 4096)) {
            assertEquals(Optional.of(name), shm.name());
            assertEquals(4096, shm.capacity());
            assertEquals(4096, shm.total());
            assertEquals(4096, shm.header().capacity());
            assertEquals(4096, shm.header().total());
            assertEquals(0, shm.header().extension());
            assertFalse(shm.header().isDamaged());
            assertTrue(shm.mapped() >= Header.SIZE);
            assertEquals(Header.SIZE + 4096, shm.mapped());
            assertEquals(5, shm.write(utf8("hello"), 0));
            assertArrayEquals(utf8("hello"), shm.read(0, 5));
        }
    }

    @Test
    void anonymousSharedMemoryCanRoundTripHandles() throws Exception {
        try (Shm original = Shm.create(null, 1024)) {
            assertEquals(Optional.empty(), original.name());
            original.write(utf8("from original"), 0);
            try (Shm copy = Shm.from(Handle.of(original))) {
                assertEquals(original.capacity(), copy.capacity());
                assertEquals(original.total(), copy.total());
                assertArrayEquals(utf8("from original"), copy.read(0, 13));
                copy.write(utf8("from copy"), 100);
                assertArrayEquals(utf8("from copy"), original.read(100, 9));
            }
        }
    }

    @Test
    void resizeIncreasesCapacityAndPreservesData() throws Exception {
        try (Shm shm = Shm.create(null, new Size(1024, 8192))) {
            assertEquals(1024, shm.capacity());
            assertEquals(8192, shm.total());
            byte[] data = pattern(1024, 7);
            shm.write(data, 0);
            assertEquals(2048, shm.resize(2048));
            assertEquals(2048, shm.capacity());
            assertEquals(2048, shm.header().capacity());
            assertArrayEquals(data, shm.read(0, 1024));
            assertEquals(1024, shm.write(pattern(1024, 9), 1024));
            assertArrayEquals(pattern(1024, 9), shm.read(1024));
        }
    }

    @Test
    void handleTransferPreservesDataIntegrity() throws Exception {
        byte[] data = pattern(512, 3);
        try (Shm original = Shm.create(null, 512)) {
            original.write(data, 0);
            try (Shm copy = Shm.from(Handle.of(original))) {
                assertArrayEquals(data, copy.read(0));
                copy.write(utf8("changed"), 0);
                assertArrayEquals(utf8("changed"), original.read(0, 7));
                assertArrayEquals(java.util.Arrays.copyOfRange(data, 7, 512), original.read(7));
            }
        }
    }

    @Test
    void multipleHandlesShareSameMemory() throws Exception {
        try (Shm original = Shm.create(null, 4096)) {
            List<Shm> copies = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    copies.add(Shm.from(Handle.of(original)));
                }
                for (int i = 0; i < copies.size(); i++) {
                    copies.get(i).write(new byte[] {(byte) (i + 1)}, i);
                }
                byte[] expected = {1, 2, 3, 4};
                assertArrayEquals(expected, original.read(0, 4));
                for (Shm c : copies) {
                    assertArrayEquals(expected, c.read(0, 4));
                }
            } finally {
                copies.forEach(Shm::close);
            }
        }
    }

    @Test
    void handleSurvivesOriginalDrop() throws Exception {
        Shm original = Shm.create(null, 256);
        original.write(utf8("persistent"), 0);
        Handle handle = Handle.of(original);
        original.close();
        try (Shm copy = Shm.from(handle)) {
            assertFalse(handle.isOpen(), "Shm.from takes the handle");
            assertArrayEquals(utf8("persistent"), copy.read(0, 10));
            copy.write(utf8("still writable"), 20);
            assertArrayEquals(utf8("still writable"), copy.read(20, 14));
        }
    }

    @Test
    void handleTransferWithLargeData() throws Exception {
        int size = 8 * 1024 * 1024;
        byte[] data = pattern(size, 11);
        try (Shm original = Shm.create(null, size)) {
            assertEquals(size, original.write(data, 0));
            try (Shm copy = Shm.from(Handle.of(original))) {
                assertEquals(size, copy.capacity());
                assertArrayEquals(data, copy.read(0));
            }
        }
    }

    @Test
    void handleTransferWithConcurrentWrites() throws Exception {
        int half = 64 * 1024;
        try (Shm a = Shm.create(null, 2 * half); Shm b = Shm.from(Handle.of(a))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch start = new CountDownLatch(1);
                Future<?> fa = pool.submit(() -> {
                    start.await();
                    for (int off = 0; off < half; off += 512) {
                        a.write(pattern(512, 1), off);
                    }
                    return null;
                });
                Future<?> fb = pool.submit(() -> {
                    start.await();
                    for (int off = half; off < 2 * half; off += 512) {
                        b.write(pattern(512, 2), off);
                    }
                    return null;
                });
                start.countDown();
                fa.get(30, TimeUnit.SECONDS);
                fb.get(30, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            for (Shm view : List.of(a, b)) {
                for (int off = 0; off < 2 * half; off += 512) {
                    assertArrayEquals(pattern(512, off < half ? 1 : 2), view.read(off, 512), "offset " + off);
                }
            }
        }
    }

    @Test
    void handleTransferZeroCapacity() throws Exception {
        try (Shm original = Shm.create(null, 0); Shm copy = Shm.from(Handle.of(original))) {
            assertEquals(0, copy.capacity());
            assertEquals(0, copy.total());
            assertEquals(Header.SIZE, copy.mapped());
            assertEquals(0, copy.write(utf8("x"), 0));
            assertArrayEquals(new byte[0], copy.read(0));
            assertEquals(0, copy.segment().byteSize());
        }
    }

    @Test
    void handleCanBeConvertedMultipleTimes() throws Exception {
        try (Shm original = Shm.create(null, 128)) {
            original.write(utf8("shared"), 0);
            List<Handle> handles = List.of(Handle.of(original), Handle.of(original), Handle.of(original));
            if (handles.get(0).kind() == Handle.Kind.FILE_DESCRIPTOR) {
                assertEquals(3, handles.stream().mapToInt(Handle::fileDescriptor).distinct().count());
            }
            for (int i = 0; i < handles.size(); i++) {
                try (Shm s = Shm.from(handles.get(i))) {
                    assertArrayEquals(utf8("shared"), s.read(0, 6));
                    s.write(new byte[] {(byte) ('0' + i)}, 10 + i);
                }
            }
            assertArrayEquals(utf8("012"), original.read(10, 3));
        }
    }

    @Test
    void readWithOffsetAndSize() throws Exception {
        try (Shm shm = Shm.create(null, 100)) {
            shm.write(pattern(100, 0), 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern(100, 0), 10, 30), shm.read(10, 20));
            assertEquals(10, shm.read(90, 50).length, "clamped to capacity");
            assertEquals(90, shm.read(10).length);
            assertEquals(0, shm.read(100, 10).length, "at the end");
            assertEquals(0, shm.read(1000, 10).length, "past the end");
            assertEquals(0, shm.read(10, 0).length);
            assertThrows(IllegalArgumentException.class, () -> shm.read(-1, 10));
            assertThrows(IllegalArgumentException.class, () -> shm.read(0, -1));
        }
    }

    @Test
    void writeBoundaryConditions() throws Exception {
        try (Shm shm = Shm.create(null, 100)) {
            assertEquals(100, shm.write(new byte[100], 0), "exactly the capacity");
            assertEquals(10, shm.write(pattern(50, 1), 90), "clamped at the capacity");
            assertArrayEquals(java.util.Arrays.copyOf(pattern(50, 1), 10), shm.read(90));
            assertEquals(0, shm.write(pattern(10, 1), 100), "at the end");
            assertEquals(0, shm.write(pattern(10, 1), 1000), "past the end");
            assertEquals(0, shm.write(new byte[0], 50));
            assertThrows(IllegalArgumentException.class, () -> shm.write(new byte[1], -1));
        }
    }

    @Test
    void readIntoAnArray() throws Exception {
        try (Shm shm = Shm.create(null, 100)) {
            shm.write(pattern(100, 3), 0);
            byte[] dst = new byte[20];
            assertEquals(20, shm.read(40, dst), "a whole array");
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern(100, 3), 40, 60), dst);
            java.util.Arrays.fill(dst, (byte) -1);
            assertEquals(10, shm.read(90, dst), "clamped at the capacity");
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern(100, 3), 90, 100),
                    java.util.Arrays.copyOf(dst, 10));
            assertEquals(-1, dst[10], "the rest of the array is left alone");
            assertEquals(0, shm.read(100, dst), "at the end");
            assertEquals(0, shm.read(1000, dst), "past the end");
            assertEquals(0, shm.read(0, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> shm.read(-1, dst));
            assertThrows(NullPointerException.class, () -> shm.read(0, (byte[]) null));
            shm.close();
            assertThrows(IllegalStateException.class, () -> shm.read(0, dst));
        }
    }

    @Test
    void headerCapacityTracking() throws Exception {
        try (Shm shm = Shm.create(null, new Size(512, 4096))) {
            Header h = shm.header();
            assertEquals(512, h.capacity());
            assertEquals(4096, h.total());
            shm.resize(1024);
            assertEquals(1024, h.capacity(), "the header follows the region across resizes");
            assertEquals(4096, h.total());
            assertEquals(1024, shm.resize(100), "a smaller size changes nothing");
            assertEquals(1024, h.capacity());
            shm.resize(4096);
            assertEquals(4096, h.capacity());
            assertEquals(Header.SIZE + 4096, shm.mapped(), "the header's 24 bytes are not taken from the data");
        }
    }

    // --------------------------------------------------------------------------- the Java contract's additions

    @Test
    void lastDataByteOfAFullRegionIsBacked() throws Exception {
        // gips 0.2.0 sizes the object `total`, so these 24 bytes lie past its end (B-X1)
        for (long size : new long[] {4096 - Header.SIZE, 4096, 3 * 4096}) {
            try (Shm shm = Shm.create(null, size); Shm copy = Shm.from(Handle.of(shm))) {
                byte[] tail = pattern((int) Header.SIZE, 5);
                assertEquals(Header.SIZE, shm.write(tail, size - Header.SIZE));
                assertArrayEquals(tail, copy.read(size - Header.SIZE));
            }
        }
    }

    @Test
    void resizeBeyondTotalIsRefused() throws Exception {
        try (Shm shm = Shm.create(null, new Size(10, 100))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shm.resize(101));
            assertTrue(e.getMessage().contains("total is 100"), e.getMessage());
            assertEquals(100, shm.resize(100));
            assertThrows(IllegalArgumentException.class, () -> shm.resize(-1));
        }
    }

    @Test
    void namesWithAndWithoutSlashAreTheSameRegion() throws Exception {
        String bare = ShmNames.name("slash");
        try (Shm created = Shm.create(bare, 64)) {
            assertEquals(Optional.of("/" + bare), created.name());
            created.write(utf8("same"), 0);
            try (Shm opened = Shm.open("/" + bare)) {
                assertEquals(Optional.of("/" + bare), opened.name());
                assertArrayEquals(utf8("same"), opened.read(0, 4));
            }
        }
        assertThrows(NoSuchFileException.class, () -> Shm.open(bare), "close removes the name it created");
    }

    @Test
    void namedCreateOfAnExistingNameIsRefused() throws Exception {
        String name = ShmNames.name("exists");
        try (Shm first = Shm.create(name, 64)) {
            first.write(utf8("first"), 0);
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> Shm.create("/" + name, 64));
            assertArrayEquals(utf8("first"), first.read(0, 5), "the existing region is untouched");
            try (Shm again = Shm.open(name)) {
                assertArrayEquals(utf8("first"), again.read(0, 5));
            }
        }
    }

    @Test
    void openerDoesNotRemoveTheNameButUnlinkDoes() throws Exception {
        Kit.assumeHas(OsHook.Feature.SHM_UNLINK);
        String name = ShmNames.name("unlink");
        try (Shm creator = Shm.create(name, 64)) {
            Shm.open(name).close();
            try (Shm opener = Shm.open(name)) { // an opener's close left the name
                opener.unlink();
                assertThrows(NoSuchFileException.class, () -> Shm.open(name));
                opener.write(utf8("kept"), 0);
                assertArrayEquals(utf8("kept"), creator.read(0, 4), "mappings outlive the name");
                assertThrows(NoSuchFileException.class, opener::unlink);
            }
            assertThrows(NoSuchFileException.class, () -> Shm.open(name));
        }
        assertThrows(NoSuchFileException.class, () -> Shm.open(name));
    }

    @Test
    void closeLeavesANameThatNowBelongsToAnotherRegion() throws Exception {
        Kit.assumeHas(OsHook.Feature.SHM_UNLINK);
        String name = ShmNames.name("replaced");
        Shm first = Shm.create(name, 64);
        try {
            try (Shm other = Shm.open(name)) {
                other.unlink(); // another process removed the name ...
            }
            try (Shm second = Shm.create(name, 64)) { // ... and created a region of the same name
                second.write(utf8("second"), 0);
                first.close(); // ... and the first region's close must not remove the second's name
                try (Shm opened = Shm.open(name)) {
                    assertArrayEquals(utf8("second"), opened.read(0, 6));
                }
            }
        } finally {
            first.close();
        }
        assertThrows(NoSuchFileException.class, () -> Shm.open(name));
    }

    @Test
    void openOfAPrefixMapsAtMostTheCapacity() throws Exception {
        String name = ShmNames.name("prefix");
        try (Shm shm = Shm.create(name, 10_000)) {
            shm.write(pattern(10_000, 2), 0);
            try (Shm prefix = Shm.open(name, 100)) {
                assertEquals(100, prefix.capacity());
                assertEquals(Header.SIZE + 100, prefix.mapped());
                assertArrayEquals(java.util.Arrays.copyOf(pattern(10_000, 2), 100), prefix.read(0));
                assertEquals(10_000, prefix.header().capacity());
                prefix.remap();
                assertEquals(10_000, prefix.capacity(), "remap maps what the header says");
            }
            try (Shm more = Shm.open(name, 1 << 20)) {
                assertEquals(10_000, more.capacity());
            }
        }
    }

    @Test
    void invalidNamesAreRefused() {
        for (String bad : new String[] {"", "/", "a/b", "/a/b", "nul\0", ".", "/..", "x".repeat(256)}) {
            assertThrows(IllegalArgumentException.class, () -> Shm.create(bad, 1), bad);
            assertThrows(IllegalArgumentException.class, () -> Shm.open(bad), bad);
        }
        assertThrows(NoSuchFileException.class, () -> Shm.open(ShmNames.name("missing")));
    }

    @Test
    void anonymousRegionsHaveNoName() throws Exception {
        Set<String> before = Kit.hook().shmNames();
        try (Shm shm = Shm.create(null, 4096)) {
            assertEquals(Optional.empty(), shm.name());
            shm.unlink(); // nothing to remove
            assertEquals(before, Kit.hook().shmNames());
        }
        assertEquals(before, Kit.hook().shmNames());
    }

    @Test
    void writeFromByteBufferAdvancesItsPosition() throws Exception {
        try (Shm shm = Shm.create(null, 10)) {
            ByteBuffer heap = ByteBuffer.wrap(pattern(16, 4));
            heap.position(2);
            assertEquals(10, shm.write(heap, 0));
            assertEquals(12, heap.position());
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern(16, 4), 2, 12), shm.read(0));
            ByteBuffer direct = ByteBuffer.allocateDirect(4).put(utf8("abcd")).flip();
            assertEquals(2, shm.write(direct, 8));
            assertEquals(2, direct.position());
            assertArrayEquals(utf8("ab"), shm.read(8));
        }
    }

    @Test
    void segmentIsAZeroCopyViewOfTheData() throws Exception {
        try (Shm shm = Shm.create(null, 4096); Shm copy = Shm.from(Handle.of(shm))) {
            MemorySegment data = shm.segment();
            assertEquals(4096, data.byteSize());
            data.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 0x0102030405060708L);
            assertEquals(0x0102030405060708L, copy.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
            assertArrayEquals(shm.read(8, 8), copy.read(8, 8));
            assertNotEquals(0, data.address());
        }
    }

    @Test
    void sizesThatDoNotFitAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Shm.create(null, -1));
        assertThrows(IllegalArgumentException.class, () -> Shm.create(null, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new Size(10, 5));
    }
}
