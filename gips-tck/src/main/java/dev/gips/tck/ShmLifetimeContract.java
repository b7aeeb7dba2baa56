package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gips.ipc.Handle;
import dev.gips.shm.Header;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mapping lifetimes (DESIGN §4): segments die with their mapping, closed regions throw the documented exceptions,
 * races with close and remap end in {@link IllegalStateException} and never in a crash, nothing leaks.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ShmLifetimeContract {
    private static final long WAIT_SECONDS = 60;

    @Test
    void useAfterCloseThrowsTheDocumentedExceptions() throws Exception {
        Shm shm = Shm.create(ShmNames.name("closed"), 4096);
        MemorySegment segment = shm.segment();
        Header header = shm.header();
        segment.set(ValueLayout.JAVA_LONG, 0, 42);
        shm.close();

        IllegalStateException stale = assertThrows(IllegalStateException.class,
                () -> segment.get(ValueLayout.JAVA_LONG, 0));
        assertTrue(stale.getMessage().contains("closed"), stale.getMessage());
        assertThrows(IllegalStateException.class, () -> MemorySegment.copy(new byte[8], 0, segment,
                ValueLayout.JAVA_BYTE, 0, 8));
        assertThrows(IllegalStateException.class, header::capacity);
        assertThrows(IllegalStateException.class, () -> header.setCapacity(1));
        for (Runnable r : List.<Runnable>of(shm::segment, shm::header, shm::capacity, shm::total, shm::mapped,
                shm::name, () -> shm.read(0), () -> shm.read(0, 1), () -> shm.write(new byte[1], 0),
                () -> shm.write(java.nio.ByteBuffer.allocate(1), 0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
        assertThrows(ClosedChannelException.class, () -> shm.resize(8192));
        assertThrows(ClosedChannelException.class, shm::remap);
        assertThrows(ClosedChannelException.class, shm::unlink);
        assertThrows(ClosedChannelException.class, () -> Handle.of(shm));
        shm.close(); // idempotent
        assertTrue(shm.toString().contains("closed"), shm.toString());
    }

    @Test
    void segmentsFromBeforeAResizeThrowAndNewOnesWork() throws Exception {
        try (Shm shm = Shm.create(null, new Size(4096, 1 << 20))) {
            MemorySegment before = shm.segment();
            before.set(ValueLayout.JAVA_INT, 0, 7);
            shm.remap(); // nothing moved: segments stay valid
            assertEquals(7, before.get(ValueLayout.JAVA_INT, 0));
            assertEquals(4096, shm.resize(1000)); // no growth: segments stay valid
            assertEquals(7, before.get(ValueLayout.JAVA_INT, 0));

            shm.resize(1 << 16);
            assertThrows(IllegalStateException.class, () -> before.get(ValueLayout.JAVA_INT, 0));
            MemorySegment after = shm.segment();
            assertEquals(1 << 16, after.byteSize());
            assertEquals(7, after.get(ValueLayout.JAVA_INT, 0), "same memory, new mapping");
            after.set(ValueLayout.JAVA_INT, (1 << 16) - 4, 9);
            assertEquals(9, shm.segment().get(ValueLayout.JAVA_INT, (1 << 16) - 4));
        }
    }

    @Test
    void headerCompareAndSetIsAtomicAcrossTwoMappings() throws Exception {
        int perThread = 20_000;
        try (Shm a = Shm.create(null, new Size(0, 2L * perThread)); Shm b = Shm.from(Handle.of(a))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> results = new ArrayList<>();
                for (Shm view : List.of(a, b)) {
                    Header h = view.header();
                    results.add(pool.submit(() -> {
                        start.await();
                        int failures = 0;
                        for (int i = 0; i < perThread; i++) {
                            long cur;
                            do {
                                cur = h.capacity();
                            } while (!h.compareAndSetCapacity(cur, cur + 1) && ++failures > 0);
                        }
                        return failures;
                    }));
                }
                start.countDown();
                for (Future<Integer> f : results) {
                    f.get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(2L * perThread, a.header().capacity(), "no increment lost");
            assertEquals(2L * perThread, b.header().capacity());
            assertEquals(0, a.capacity(), "not mapped here until remap()");
            a.remap();
            assertEquals(2L * perThread, a.capacity());
        }
    }

    /** As Lucene's TestMMapDirectory.testAceWithThreads: close while other threads use segments. */
    @Test
    void segmentAccessRacingCloseOnlyThrowsIllegalStateException() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 30; round++) {
                Shm shm = Shm.create(null, 1 << 16);
                CountDownLatch running = new CountDownLatch(4);
                List<Future<Throwable>> readers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    boolean useSegment = t % 2 == 0;
                    readers.add(pool.submit(() -> {
                        running.countDown();
                        try {
                            for (long i = 0; ; i++) {
                                if (useSegment) {
                                    MemorySegment s = shm.segment();
                                    long off = (i * 8) % s.byteSize();
                                    s.set(ValueLayout.JAVA_LONG, off, s.get(ValueLayout.JAVA_LONG, off) + 1);
                                } else {
                                    shm.write(shm.read((i * 64) % 4096, 64), 8192);
                                }
                            }
                        } catch (Throwable e) {
                            return e;
                        }
                    }));
                }
                assertTrue(running.await(WAIT_SECONDS, TimeUnit.SECONDS));
                Thread.sleep(2);
                shm.close();
                for (Future<Throwable> f : readers) {
                    Throwable e = f.get(WAIT_SECONDS, TimeUnit.SECONDS);
                    if (!(e instanceof IllegalStateException)) {
                        fail("a reader racing close() ended with " + e, e);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readAndWriteKeepWorkingWhileAnotherThreadResizes() throws Exception {
        try (Shm shm = Shm.create(null, new Size(4096, 1 << 22))) {
            shm.write(new byte[] {1, 2, 3, 4}, 0);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Long> reader = pool.submit(() -> {
                    long reads = 0;
                    while (!stop.get()) {
                        assertArrayEquals(new byte[] {1, 2, 3, 4}, shm.read(0, 4));
                        assertEquals(4, shm.write(new byte[] {1, 2, 3, 4}, 0));
                        assertTrue(shm.capacity() >= 4096);
                        reads++;
                    }
                    return reads;
                });
                for (long size = 8192; size <= 1 << 22; size += 8192) {
                    assertEquals(size, shm.resize(size));
                }
                stop.set(true);
                assertTrue(reader.get(WAIT_SECONDS, TimeUnit.SECONDS) > 0);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1 << 22, shm.capacity());
        }
    }

    @Test
    void noHandleOrMappingLeaks() throws Exception {
        Map<String, Long> before = Kit.hook().shmResources();
        for (int i = 0; i < 2000; i++) {
            try (Shm shm = Shm.create(null, new Size(64, 1 << 16)); Shm copy = Shm.from(Handle.of(shm))) {
                copy.write(new byte[] {(byte) i}, 0);
                shm.resize(1 << 15);
                copy.remap();
                assertEquals((byte) i, shm.read(0, 1)[0]);
            }
        }
        String name = ShmNames.name("leak");
        for (int i = 0; i < 200; i++) {
            try (Shm shm = Shm.create(name, 64); Shm opened = Shm.open(name)) {
                shm.write(new byte[] {(byte) i}, 1);
                assertEquals((byte) i, opened.read(1, 1)[0]);
            }
        }
        // the Cleaner may close what other tests abandoned meanwhile, so "at most"; 2000 leaked rounds would show
        assertAtMost(before, Kit.hook().shmResources());
    }

    @Test
    void theCleanerReleasesARegionNobodyClosed() throws Exception {
        // regions other tests left to the Cleaner may go too: so compare with "at most", and check the name exactly
        Map<String, Long> before = Kit.hook().shmResources();
        Set<String> namesBefore = Kit.hook().shmNames();
        String name = ShmNames.name("cleaner");
        abandon(name);
        if (!before.isEmpty()) { // where the OS counts what regions hold
            assertTrue(total(Kit.hook().shmResources()) > total(before), "the abandoned regions hold nothing");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while ((!isAtMost(before, Kit.hook().shmResources()) || !Kit.hook().shmNames().equals(namesBefore))
                && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertAtMost(before, Kit.hook().shmResources());
        assertEquals(namesBefore, Kit.hook().shmNames(), "the name the abandoned region created");
    }

    private static long total(Map<String, Long> resources) {
        return resources.values().stream().mapToLong(Long::longValue).sum();
    }

    private static boolean isAtMost(Map<String, Long> before, Map<String, Long> now) {
        return before.keySet().stream().allMatch(k -> now.get(k) <= before.get(k));
    }

    /** Each kind of {@link OsHook#shmResources()} is back to at most what it was. */
    private static void assertAtMost(Map<String, Long> before, Map<String, Long> now) {
        assertTrue(isAtMost(before, now), "held for shared memory: " + before + " before, " + now + " after");
    }

    private static void abandon(String name) throws Exception {
        Shm.create(null, 1 << 20).write(new byte[] {1}, 0);
        Shm.create(name, 1 << 10).write(new byte[] {1}, 0);
    }
}
