package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a message is: its payload and handles arrive whole and unchanged, in both directions, whatever their size
 * (on Linux: inline or out of band) or content (empty), from concurrent senders, with the caller's buffers and
 * handles left as the contract says.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class MessageSemanticsContract {
    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A listener with one admitted client; the test talks through {@link #client} and {@link #connection}. */
    private static final class Pair implements AutoCloseable {
        final Listener listener;
        final Endpoint client;
        final Connection connection;

        Pair(String tag) throws IOException {
            String name = Peers.uniqueName(tag);
            listener = Listener.bind(name);
            client = Endpoint.connect(name);
            client.send("hello".getBytes(UTF_8));
            Pod pod = Peers.acceptOne(listener);
            pod.message().close();
            connection = pod.connection();
        }

        @Override
        public void close() {
            client.close();
            listener.close();
        }
    }

    // -------------------------------------------------------------------------------------------- empty

    @Test
    void anEmptyMessageIsARealMessageInBothDirectionsWithAndWithoutHandles() throws IOException {
        String name = Peers.uniqueName("empty");
        List<Handle> handles = Handles.tagged(1);
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            // the very first message of a client may be empty: it still is its connection's first message
            client.send(new byte[0]);
            client.send(new byte[0], handles.get(0));
            client.send(ByteBuffer.allocateDirect(0), List.of());
            client.send("after".getBytes(UTF_8));
            Pod first = Peers.acceptOne(listener);
            try (Message m = first.message()) {
                assertEquals(0, m.payload().length);
                assertTrue(m.handles().isEmpty());
            }
            try (Message m = Peers.acceptOne(listener).message()) {
                assertEquals(0, m.payload().length);
                Handles.assertSameObjects(handles, m);
            }
            try (Message m = Peers.acceptOne(listener).message()) {
                assertEquals(0, m.payload().length);
            }
            try (Message m = Peers.acceptOne(listener).message()) {
                assertArrayEquals("after".getBytes(UTF_8), m.payload());
            }
            assertTrue(first.connection().isOpen(), "an empty message was taken for a hang-up");

            Connection c = first.connection();
            c.reply(new byte[0]);
            c.reply(new byte[0], handles.get(0));
            first.reply(new byte[0]);
            c.reply("after".getBytes(UTF_8));
            try (Message m = Peers.recvOne(client)) {
                assertEquals(0, m.payload().length);
                assertTrue(m.handles().isEmpty());
            }
            try (Message m = Peers.recvOne(client)) {
                assertEquals(0, m.payload().length);
                Handles.assertSameObjects(handles, m);
            }
            try (Message m = client.tryRecv().orElseThrow()) {
                assertEquals(0, m.payload().length);
            }
            try (Message m = Peers.recvOne(client)) {
                assertArrayEquals("after".getBytes(UTF_8), m.payload());
            }
            assertTrue(client.tryRecv().isEmpty());
        } finally {
            Handles.closeAll(handles);
        }
    }

    // ------------------------------------------------------------------------------------------- sizes

    // the boundaries of Linux's wire (a datagram up to its send buffer, ~208 KiB, then a memfd) and sizes around them
    @ParameterizedTest(name = "{0} bytes, {1} handles")
    @CsvSource({
        "0, 0", "0, 3",
        "1, 0", "1, 3",
        "1000, 0", "1000, 3",
        "65536, 0", "65536, 3",
        "204800, 0", "204800, 3",   // 200 KiB: inline on Linux, near the send buffer's limit
        "212960, 0", "212960, 3",   // the largest inline payload with the default send buffer
        "212961, 0", "212961, 3",   // the smallest out-of-band one
        "307200, 0", "307200, 3",   // 300 KiB: out of band
        "5242880, 0", "5242880, 3", // 5 MiB: out of band
    })
    void payloadsRoundTripIntactInBothDirections(int size, int handleCount) throws IOException {
        List<Handle> handles = Handles.tagged(handleCount);
        try (Pair pair = new Pair("size")) {
            byte[] request = random(size, size);
            pair.client.send(request, handles.toArray(Handle[]::new));
            Pod pod = Peers.acceptOne(pair.listener);
            try (Message m = pod.message()) {
                assertArrayEquals(request, m.payload());
                Handles.assertSameObjects(handles, m);
            }
            byte[] reply = random(size, size + 1L);
            pod.reply(reply, handles.toArray(Handle[]::new));
            try (Message m = Peers.recvOne(pair.client)) {
                assertArrayEquals(reply, m.payload());
                Handles.assertSameObjects(handles, m);
            }
        } finally {
            Handles.closeAll(handles);
        }
    }

    @Test
    void messagesKeepTheirBoundaries() throws IOException {
        int[] sizes = {5, 0, 300 * 1024, 1, 70_000, 0, 16};
        try (Pair pair = new Pair("boundaries")) {
            for (int i = 0; i < sizes.length; i++) {
                pair.client.send(random(sizes[i], i));
                pair.connection.reply(random(sizes[i], i + 100));
            }
            for (int i = 0; i < sizes.length; i++) {
                try (Message m = Peers.acceptOne(pair.listener).message()) {
                    assertArrayEquals(random(sizes[i], i), m.payload(), "message " + i);
                }
                try (Message m = Peers.recvOne(pair.client)) {
                    assertArrayEquals(random(sizes[i], i + 100), m.payload(), "reply " + i);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------- byte buffers

    @Test
    void sendingAByteBufferSendsPositionToLimitAndLeavesPositionAtLimit() throws IOException {
        byte[] data = random(400 * 1024, 42);
        List<ByteBuffer> buffers = new ArrayList<>();
        buffers.add(ByteBuffer.wrap(data, 3, 10));                                   // heap, position 3
        buffers.add(ByteBuffer.wrap(data).slice(100, 50));                          // heap slice: array offset 100
        buffers.add(ByteBuffer.wrap(data, 7, 20).asReadOnlyBuffer());               // read-only heap
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data);
        buffers.add(direct.duplicate().position(11).limit(31));                     // direct, position 11
        buffers.add(direct.duplicate().position(5).limit(5 + 300 * 1024));          // direct, out of band
        buffers.add(ByteBuffer.wrap(data, 1, 300 * 1024));                          // heap, out of band
        buffers.add(direct.duplicate().position(9).limit(9));                       // direct, empty
        try (Pair pair = new Pair("bytebuffer")) {
            for (ByteBuffer template : buffers) {
                for (boolean fromClient : new boolean[] {true, false}) {
                    ByteBuffer b = template.duplicate();
                    byte[] expected = new byte[b.remaining()];
                    b.duplicate().get(expected);
                    int limit = b.limit();
                    Message m;
                    if (fromClient) {
                        pair.client.send(b, List.of());
                        m = Peers.acceptOne(pair.listener).message();
                    } else {
                        pair.connection.reply(b, List.of());
                        m = Peers.recvOne(pair.client);
                    }
                    try (m) {
                        assertArrayEquals(expected, m.payload(), template + (fromClient ? " send" : " reply"));
                    }
                    assertEquals(limit, b.position(), "position must end at the limit");
                    assertEquals(limit, b.limit(), "the limit must not change");
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------- concurrency

    /** The payload of message {@code seq} of sender {@code thread}: its id, then a pattern; some are large. */
    private static byte[] patterned(int thread, int seq) {
        int size = seq % 10 == 9 ? 300 * 1024 : 16 + (thread * 131 + seq * 17) % 2000;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(thread).putInt(seq).putInt(size);
        for (int i = b.position(); i < size; i++) {
            b.put((byte) (thread * 31 + seq * 7 + i));
        }
        return b.array();
    }

    /** Checks that {@code payload} is exactly one of {@link #patterned}'s and in order per sender. */
    private static void checkPatterned(byte[] payload, Map<Integer, Integer> nextSeq) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        int thread = b.getInt();
        int seq = b.getInt();
        assertArrayEquals(patterned(thread, seq), payload, "message " + seq + " of sender " + thread + " is damaged");
        int expected = nextSeq.getOrDefault(thread, 0);
        assertEquals(expected, seq, "sender " + thread + "'s messages out of order or lost");
        nextSeq.put(thread, seq + 1);
    }

    private static void runThreads(int threads, Consumer<Integer> body, Runnable meanwhile) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> body.accept(id)));
            }
            meanwhile.run();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private interface IoRunnable {
        void run() throws IOException;
    }

    private static Runnable unchecked(IoRunnable r) {
        return () -> {
            try {
                r.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    @Test
    void repliesFromEightThreadsToOneConnectionEachArriveWhole() throws Exception {
        int threads = 8;
        int perThread = 40;
        try (Pair pair = new Pair("concurrent-reply")) {
            Map<Integer, Integer> nextSeq = new HashMap<>();
            runThreads(threads, t -> unchecked(() -> {
                for (int i = 0; i < perThread; i++) {
                    pair.connection.reply(patterned(t, i));
                }
            }).run(), unchecked(() -> {
                for (int i = 0; i < threads * perThread; i++) {
                    try (Message m = Peers.recvOne(pair.client)) {
                        checkPatterned(m.payload(), nextSeq);
                    }
                }
            }));
            for (int t = 0; t < threads; t++) {
                assertEquals(perThread, nextSeq.get(t));
            }
            assertTrue(pair.client.tryRecv().isEmpty());
        }
    }

    @Test
    void sendsFromEightThreadsOnOneEndpointEachArriveWhole() throws Exception {
        int threads = 8;
        int perThread = 40;
        try (Pair pair = new Pair("concurrent-send")) {
            Map<Integer, Integer> nextSeq = new HashMap<>();
            runThreads(threads, t -> unchecked(() -> {
                for (int i = 0; i < perThread; i++) {
                    pair.client.send(patterned(t, i));
                }
            }).run(), unchecked(() -> {
                for (int i = 0; i < threads * perThread; i++) {
                    Pod pod = Peers.acceptOne(pair.listener);
                    assertSame(pair.connection, pod.connection());
                    try (Message m = pod.message()) {
                        checkPatterned(m.payload(), nextSeq);
                    }
                }
            }));
            for (int t = 0; t < threads; t++) {
                assertEquals(perThread, nextSeq.get(t));
            }
            assertTrue(pair.listener.tryAccept().isEmpty());
        }
    }

    @Test
    void recvAndSendRunConcurrentlyOnOneEndpoint() throws Exception {
        int count = 300;
        String name = Peers.uniqueName("send-while-recv");
        try (EchoServer server = new EchoServer(Listener.bind(name)); Endpoint client = Endpoint.connect(name)) {
            Map<Integer, Integer> nextSeq = new HashMap<>();
            // one thread sends while this one receives: neither may wait for the other
            runThreads(1, t -> unchecked(() -> {
                for (int i = 0; i < count; i++) {
                    client.send(patterned(0, i));
                }
            }).run(), unchecked(() -> {
                for (int i = 0; i < count; i++) {
                    try (Message m = Peers.recvOne(client)) {
                        byte[] p = m.payload();
                        assertArrayEquals(EchoServer.PREFIX, java.util.Arrays.copyOf(p, EchoServer.PREFIX.length));
                        checkPatterned(java.util.Arrays.copyOfRange(p, EchoServer.PREFIX.length, p.length), nextSeq);
                    }
                }
            }));
            assertEquals(count, nextSeq.get(0));
        }
    }

    // ---------------------------------------------------------------------------------- connections, handles

    @Test
    void podConnectionIsTheSameObjectForEveryMessageOfOneClient() throws IOException {
        String name = Peers.uniqueName("same-connection");
        try (Listener listener = Listener.bind(name);
                Endpoint a = Endpoint.connect(name);
                Endpoint b = Endpoint.connect(name)) {
            for (int i = 0; i < 5; i++) {
                a.send(("a" + i).getBytes(UTF_8));
                b.send(("b" + i).getBytes(UTF_8));
            }
            Map<Character, Connection> seen = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                Pod p = Peers.acceptOne(listener);
                try (Message m = p.message()) {
                    char who = (char) m.payload()[0];
                    Connection c = seen.computeIfAbsent(who, k -> p.connection());
                    assertSame(c, p.connection(), "client " + who + " got a second Connection");
                    assertEquals(c.credentials(), p.credentials());
                }
            }
            assertEquals(2, seen.size());
            assertNotSame(seen.get('a'), seen.get('b'));
        }
    }

    @Test
    void sendingDoesNotConsumeTheCallersHandles() throws IOException {
        List<Handle> handles = Handles.tagged(3);
        try (Pair pair = new Pair("keep-handles")) {
            for (int round = 0; round < 2; round++) {
                pair.client.send("mine".getBytes(UTF_8), handles.toArray(Handle[]::new));
                pair.connection.reply(ByteBuffer.allocate(300 * 1024), handles); // out of band too
                for (Handle h : handles) {
                    assertTrue(h.isOpen());
                    Handles.tagOf(h); // the object is still reachable through it
                }
                Message received = Peers.acceptOne(pair.listener).message();
                Handles.assertSameObjects(handles, received);
                // forwarding received handles does not consume them either
                pair.connection.reply("forwarded".getBytes(UTF_8), received.handles().toArray(Handle[]::new));
                for (Handle h : received.handles()) {
                    assertTrue(h.isOpen());
                    Handles.tagOf(h);
                }
                received.close();
                try (Message m = Peers.recvOne(pair.client)) {
                    Handles.assertSameObjects(handles, m);
                }
                try (Message m = Peers.recvOne(pair.client)) {
                    assertArrayEquals("forwarded".getBytes(UTF_8), m.payload());
                    Handles.assertSameObjects(handles, m);
                }
            }
        } finally {
            Handles.closeAll(handles);
        }
    }
}
