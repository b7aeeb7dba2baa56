package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ring of a shared-memory channel, with its two ends in one process over the same memory: messages of every
 * size arrive whole and in order across wraps, a full ring says so, and whatever a hostile peer writes into the
 * shared memory is refused with {@link Ring.ProtocolException} rather than read out of place.
 */
class RingTest {
    private static final long SIZE = 4096;

    @Test
    void messagesOfEverySizeArriveWholeAndInOrderAcrossWraps() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
            Ring producer = new Ring(region, 0, SIZE);
            Ring consumer = new Ring(region, 0, SIZE);
            int count = 200_000;
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                Random random = new Random(1);
                try {
                    for (int i = 0; i < count; i++) {
                        byte[] m = message(random, i, producer.maxPayload());
                        while (!producer.offer(m, 0, m.length)) {
                            Thread.onSpinWait();
                        }
                        while (i % 1000 == 0 && !producer.announce()) {
                            Thread.onSpinWait(); // an ON_SOCKET record after every thousandth message
                        }
                    }
                } catch (Ring.ProtocolException e) {
                    throw new AssertionError(e);
                }
            });
            Random random = new Random(1);
            for (int i = 0; i < count; i++) {
                byte[] expected = message(random, i, consumer.maxPayload());
                byte[] got;
                while ((got = consumer.poll()) == null) {
                    Thread.onSpinWait();
                }
                assertArrayEquals(expected, got, "message " + i);
                if (i % 1000 == 0) {
                    while ((got = consumer.poll()) == null) {
                        Thread.onSpinWait();
                    }
                    assertSame(Ring.ON_SOCKET_MARK, got);
                }
            }
            sent.get(10, TimeUnit.SECONDS);
            assertNull(consumer.poll());
            assertTrue(consumer.isEmpty());
        }
    }

    private static byte[] message(Random random, int i, int max) {
        int len = random.nextInt(8) == 0 ? random.nextInt(max + 1) : random.nextInt(100);
        byte[] m = new byte[len];
        for (int j = 0; j < len; j++) {
            m[j] = (byte) (i * 31 + j);
        }
        return m;
    }

    @Test
    void aFullRingRefusesUntilTheConsumerTakes() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
            Ring producer = new Ring(region, 0, SIZE);
            Ring consumer = new Ring(region, 0, SIZE);
            byte[] m = new byte[1000];
            int fit = 0;
            while (producer.offer(m, 0, m.length)) {
                fit++;
            }
            assertEquals(4, fit, "four records of 1008 bytes fit 4096");
            assertNotNull(consumer.poll());
            assertTrue(producer.offer(m, 0, m.length));
        }
    }

    @Test
    void aSleepingConsumerIsSeenByTheProducerOnce() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
            Ring producer = new Ring(region, 0, SIZE);
            Ring consumer = new Ring(region, 0, SIZE);
            assertFalse(producer.takeConsumerWaiting());
            assertFalse(consumer.prepareToWait(), "nothing to read: sleep");
            assertTrue(producer.offer(new byte[3], 0, 3));
            assertTrue(producer.takeConsumerWaiting());
            assertFalse(producer.takeConsumerWaiting());
            assertEquals(3, consumer.poll().length);
            assertTrue(producer.offer(new byte[3], 0, 3));
            assertTrue(consumer.prepareToWait(), "a record came: do not sleep");
            assertFalse(producer.takeConsumerWaiting(), "the announcement was withdrawn");
        }
    }

    @Test
    void anAnnouncementKeepsRoomForItsCancel() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
            Ring producer = new Ring(region, 0, SIZE);
            Ring consumer = new Ring(region, 0, SIZE);
            byte[] m = new byte[1016]; // records of 1024 bytes, a quarter of the ring each
            for (int i = 0; i < 3; i++) {
                assertTrue(producer.offer(m, 0, m.length));
            }
            assertTrue(producer.offer(new byte[976], 0, 976)); // 40 bytes left: an announcement and its cancel
            assertTrue(producer.announce());
            producer.cancel(); // fits: announce() kept room for it
            for (int i = 0; i < 4; i++) {
                assertNotNull(consumer.poll());
            }
            assertSame(Ring.ON_SOCKET_MARK, consumer.poll());
            assertEquals(Ring.CANCEL, consumer.peekKind());
            assertSame(Ring.CANCEL_MARK, consumer.poll());
            assertEquals(0, consumer.peekKind());
        }
    }

    @Test
    void whateverThePeerWritesIsRefusedNotReadOutOfPlace() throws Exception {
        // each case: a producer's valid record, then the peer overwrites something in the shared memory
        String[] cases = {"tail-backwards", "tail-too-far", "tail-odd", "length-huge", "length-negative",
            "length-past-tail", "kind-unknown", "wrap-with-length", "socket-with-length"};
        for (String c : cases) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
                Ring producer = new Ring(region, 0, SIZE);
                Ring consumer = new Ring(region, 0, SIZE);
                assertTrue(producer.offer(new byte[16], 0, 16));
                long data = Ring.CONTROL_SIZE;
                switch (c) {
                    case "tail-backwards" -> region.set(JAVA_LONG, 0, -8L);
                    case "tail-too-far" -> region.set(JAVA_LONG, 0, SIZE + 8);
                    case "tail-odd" -> region.set(JAVA_LONG, 0, 4L);
                    case "length-huge" -> region.set(JAVA_INT, data, Integer.MAX_VALUE);
                    case "length-negative" -> region.set(JAVA_INT, data, -1);
                    case "length-past-tail" -> region.set(JAVA_INT, data, 24);
                    case "kind-unknown" -> region.set(JAVA_INT, data + 4, 77);
                    case "wrap-with-length" -> region.set(JAVA_INT, data + 4, Ring.WRAP);
                    case "socket-with-length" -> region.set(JAVA_INT, data + 4, Ring.ON_SOCKET);
                    default -> throw new AssertionError(c);
                }
                assertThrows(Ring.ProtocolException.class, consumer::poll, c);
            }
        }
    }

    @Test
    void aProducerRefusesAnImpossibleConsumerPosition() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 4096);
            Ring producer = new Ring(region, 0, SIZE);
            byte[] m = new byte[1000];
            for (int i = 0; i < 4; i++) {
                assertTrue(producer.offer(m, 0, m.length));
            }
            region.set(JAVA_LONG, 64, 1_000_000L); // the peer claims it read more than was written
            assertThrows(Ring.ProtocolException.class, () -> producer.offer(m, 0, m.length));
        }
    }

    private static void assertNotNull(Object o) {
        assertTrue(o != null);
    }
}
