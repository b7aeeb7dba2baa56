package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
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
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a message is: its payload and handles arrive whole and unchanged, in both directions, whatever their size
 * (inline or out of band) or content (empty, marker look-alike), from concurrent senders, with the caller's buffers
 * and handles left as the contract says.
 */
@ExtendWith(LeakCheck.class)
class MessageSemanticsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);



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

    /** The received handles are copies of {@code sent}, in order. */
    private static void assertSameObjects(List<Handle> sent, Message m) {
        assertEquals(sent.size(), m.handles().size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(Peers.inode(sent.get(i).fileDescriptor()), Peers.inode(m.handles().get(i).fileDescriptor()));
        }
    }

    private static void closeAll(List<Handle> handles) {
        handles.forEach(Handle::close);
    }

    // -------------------------------------------------------------------------------------------- empty

    @Test
    void anEmptyMessageIsARealMessageInBothDirectionsWithAndWithoutHandles() throws IOException {
        String name = Peers.uniqueName("empty");
        List<Handle> handles = Peers.memfdHandles(1);
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
                assertSameObjects(handles, m);
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
                assertSameObjects(handles, m);
            }
            try (Message m = client.tryRecv().orElseThrow()) {
                assertEquals(0, m.payload().length);
            }
            try (Message m = Peers.recvOne(client)) {
                assertArrayEquals("after".getBytes(UTF_8), m.payload());
            }
            assertTrue(client.tryRecv().isEmpty());
        } finally {
            closeAll(handles);
        }
    }

    @Test
    void anEmptyMessageFromARawPeerIsDeliveredAndNotTakenForAHangUp() throws Exception {
        String name = Peers.uniqueName("empty-raw");
        try (Listener listener = Listener.bind(name)) {
            Process p = Peers.python("peer.py", "send-hex", "/tmp/" + name, "", "0").start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertEquals(0, m.payload().length);
                }
                assertTrue(pod.connection().isOpen());
                pod.reply(new byte[0]);
                // the raw peer receives a 0-byte datagram, not end-of-stream
                assertEquals("MSG  0", Peers.finish(p, WAIT).strip());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    // An empty message followed at once by a hang-up is the one case where "0 bytes" could be misread: the
    // datagram must arrive, then end-of-stream, whether the sender has an address (which the server then relies on)
    // or not (then the server's socket has SO_PASSCRED).
    @ParameterizedTest(name = "client {0}")
    @ValueSource(strings = {"bound", "unbound"})
    void anEmptyMessageRightBeforeAHangUpArrivesAndThenTheHangUp(String binding) throws Exception {
        String name = Peers.uniqueName("empty-close");
        try (Listener listener = Listener.bind(name)) {
            Process p = Peers.python("peer.py", "empty-then-close", "/tmp/" + name, binding).start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertEquals(0, m.payload().length);
                    assertTrue(m.handles().isEmpty());
                }
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (pod.connection().isOpen() && System.nanoTime() < deadline) {
                    assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty(), "a second message appeared");
                }
                assertFalse(pod.connection().isOpen(), "the hang-up was not noticed");
                assertEquals(0, p.waitFor());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void anEndpointReceivesEmptyMessagesRightBeforeAHangUpAndThenEndOfStream() throws Exception {
        String name = Peers.uniqueName("empty-server");
        Process p = Peers.python("peer.py", "serve-empty-then-close", "/tmp/" + name).start();
        try {
            assertEquals("LISTENING", Peers.readLine(p, WAIT));
            try (Endpoint client = Endpoint.connect(name)) {
                // the endpoint has an abstract address (a NUL, "gips-java:", 16 hex digits), so a server can tell its
                // empty messages from a hang-up without SO_PASSCRED, and a gips-java server knows it for one of its own
                String peer = Peers.readLine(p, WAIT);
                assertTrue(peer.matches("PEER 00" + HexFormat.of().formatHex("gips-java:".getBytes(UTF_8))
                        + "([0-9a-f]{2}){16}"), peer);
                client.send("go".getBytes(UTF_8));
                assertEquals("MSG " + HexFormat.of().formatHex("go".getBytes(UTF_8)) + " 0", Peers.readLine(p, WAIT));
                try (Message m = Peers.recvOne(client)) {
                    assertEquals(0, m.payload().length);
                    assertTrue(m.handles().isEmpty());
                }
                try (Message m = Peers.recvOne(client)) {
                    assertEquals(0, m.payload().length);
                    assertEquals(1, m.handles().size());
                }
                assertThrows(EOFException.class, () -> client.recv(WAIT));
                assertThrows(EOFException.class, client::tryRecv, "end-of-stream stays");
            }
            assertEquals("DONE", Peers.readLine(p, WAIT));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Which sockets pay for SO_PASSCRED: only a listener's socket for a client without an address. */
    @Test
    void soPasscredIsSetOnlyForClientsWithoutAnAddress() throws Exception {
        String name = Peers.uniqueName("passcred");
        SeqpacketListener listener = SeqpacketListener.bind(name);
        SeqpacketEndpoint endpoint = null;
        try {
            endpoint = SeqpacketEndpoint.connect(name, -1);
            assertEquals(0, intOption(endpoint.pollFd(), SysSocket.SO_PASSCRED));
            SeqpacketClient gipsClient = (SeqpacketClient) listener.receive(WAIT.toNanos()).client();
            assertEquals(0, intOption(gipsClient.fd(), SysSocket.SO_PASSCRED), "a gips client has an address");
            Process p = Peers.python("peer.py", "idle", "/tmp/" + name).start();
            try {
                assertEquals("CONNECTED", Peers.readLine(p, WAIT));
                SeqpacketClient pythonClient = (SeqpacketClient) listener.receive(WAIT.toNanos()).client();
                assertEquals(1, intOption(pythonClient.fd(), SysSocket.SO_PASSCRED), "the Python client has none");
            } finally {
                p.destroyForcibly();
            }
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
            listener.close();
        }
    }

    private static int intOption(int fd, int option) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            assertEquals(0, SysSocket.getsockopt(Native.allocateCapture(arena), fd, SysSocket.SOL_SOCKET, option,
                    value, length));
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }

    // ------------------------------------------------------------------------------------------- sizes

    @ParameterizedTest(name = "{0} bytes, {1} handles")
    @CsvSource({
        "0, 0", "0, 3",
        "1, 0", "1, 3",
        "1000, 0", "1000, 3",
        "65536, 0", "65536, 3",
        "204800, 0", "204800, 3",   // 200 KiB: inline, near the send buffer's limit
        "212960, 0", "212960, 3",   // the largest inline payload with the default send buffer
        "212961, 0", "212961, 3",   // the smallest out-of-band one
        "307200, 0", "307200, 3",   // 300 KiB: out of band
        "5242880, 0", "5242880, 3", // 5 MiB: out of band
    })
    void payloadsRoundTripIntactInBothDirections(int size, int handleCount) throws IOException {
        List<Handle> handles = Peers.memfdHandles(handleCount);
        try (Pair pair = new Pair("size")) {
            byte[] request = random(size, size);
            pair.client.send(request, handles.toArray(Handle[]::new));
            Pod pod = Peers.acceptOne(pair.listener);
            try (Message m = pod.message()) {
                assertArrayEquals(request, m.payload());
                assertSameObjects(handles, m);
            }
            byte[] reply = random(size, size + 1L);
            pod.reply(reply, handles.toArray(Handle[]::new));
            try (Message m = Peers.recvOne(pair.client)) {
                assertArrayEquals(reply, m.payload());
                assertSameObjects(handles, m);
            }
        } finally {
            closeAll(handles);
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

    // ------------------------------------------------------------------------------ marker look-alikes

    /** 16 bytes that are exactly what a large-payload marker looks like on the wire. */
    private static byte[] markerLookAlike(long length) {
        ByteBuffer b = ByteBuffer.allocate(Wire.MARKER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Wire.MAGIC).putLong(length);
        return b.array();
    }

    @Test
    void aSixteenBytePayloadThatBeginsWithTheMarkerMagicRoundTripsUnchanged() throws IOException {
        List<Handle> handles = Peers.memfdHandles(2);
        try (Pair pair = new Pair("magic")) {
            for (long claimed : new long[] {0, 5, 16, 1 << 20, -1}) {
                byte[] payload = markerLookAlike(claimed);
                for (List<Handle> with : List.of(List.<Handle>of(), handles)) {
                    pair.client.send(payload, with.toArray(Handle[]::new));
                    try (Message m = Peers.acceptOne(pair.listener).message()) {
                        assertArrayEquals(payload, m.payload());
                        assertSameObjects(with, m);
                    }
                    pair.connection.reply(ByteBuffer.wrap(payload), with);
                    try (Message m = Peers.recvOne(pair.client)) {
                        assertArrayEquals(payload, m.payload());
                        assertSameObjects(with, m);
                    }
                }
            }
        } finally {
            closeAll(handles);
        }
    }

    @Test
    void aMarkerLookAlikeWithoutDescriptorsFromARawPeerIsAnOrdinaryPayload() throws Exception {
        String name = Peers.uniqueName("magic-raw");
        byte[] payload = markerLookAlike(3);
        try (Listener listener = Listener.bind(name)) {
            Process p = Peers.python("peer.py", "send-hex", "/tmp/" + name, HexFormat.of().formatHex(payload), "0")
                    .start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals(payload, m.payload());
                }
                pod.reply("ok".getBytes(UTF_8));
                assertEquals("MSG " + HexFormat.of().formatHex("ok".getBytes(UTF_8)) + " 0",
                        Peers.finish(p, WAIT).strip());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * Issue 17: a plain gips message (from Rust gips, say) that happens to begin with the marker's magic and a length,
     * and carries a descriptor that does not back an out-of-band payload, is the message it is: delivered with its
     * 16 bytes and every descriptor as a handle, and its client keeps being served (before, it was dropped, and its
     * next message lost). Issue 16: a claim of 16 MiB over an empty sealed memfd allocates nothing of that size.
     */
    @ParameterizedTest(name = "claims {0} bytes, descriptor {1}")
    @CsvSource({"16, devnull", "300000, devnull", "300000, unsealed", "300000, short", "16777216, empty",
            "16777216, short"})
    void aMarkerLookAlikeThatIsNoValidOutOfBandMessageIsDeliveredAsItIsAndItsClientKept(long claimed, String kind)
            throws Exception {
        String name = Peers.uniqueName("look-alike");
        byte[] lookAlike = markerLookAlike(claimed);
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (Listener listener = Listener.bind(name)) {
            Process p = Peers.python("peer.py", "lookalike-then-next", "/tmp/" + name, Long.toString(claimed), kind)
                    .start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                long before = mx.getCurrentThreadAllocatedBytes();
                Pod first = Peers.acceptOne(listener);
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                try (Message m = first.message()) {
                    assertArrayEquals(lookAlike, m.payload());
                    assertEquals(1, m.handles().size());
                    assertEquals(Handle.Kind.FILE_DESCRIPTOR, m.handles().get(0).kind());
                }
                assertTrue(allocated < 1 << 20, allocated + " bytes allocated to receive a 16-byte message");
                first.reply("1".getBytes(UTF_8));
                Pod second = Peers.acceptOne(listener);
                assertSame(first.connection(), second.connection());
                try (Message m = second.message()) {
                    assertArrayEquals("next".getBytes(UTF_8), m.payload());
                }
                second.reply("2".getBytes(UTF_8));
                assertEquals("MSG 31 0\nMSG 32 0", Peers.finish(p, WAIT).strip());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * A 16-byte payload that begins with {@link Wire#MAGIC} and carries handles travels out of band (so that the
     * receiver cannot mistake it for a marker), which leaves room for 252 handles, as DESIGN.md allows for any
     * out-of-band payload; the 253rd is refused up front, saying why, and nothing is delivered.
     */
    @Test
    void aMarkerLookAlikeWithHandlesTakesAtMost252AndSaysWhy() throws IOException {
        List<Handle> handles = Peers.memfdHandles(253);
        try (Pair pair = new Pair("magic-253")) {
            byte[] payload = markerLookAlike(7);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> pair.client.send(payload, handles.toArray(Handle[]::new)));
            assertTrue(e.getMessage().contains("252") && e.getMessage().contains("magic"), e.getMessage());
            assertTrue(pair.listener.tryAccept().isEmpty(), "nothing delivered");
            pair.client.send(payload, handles.subList(0, 252).toArray(Handle[]::new));
            try (Message m = Peers.acceptOne(pair.listener).message()) {
                assertArrayEquals(payload, m.payload());
                assertSameObjects(handles.subList(0, 252), m);
            }
        } finally {
            closeAll(handles);
        }
    }

    /** Without handles a look-alike is not a marker to anyone, so it goes out as a plain gips 0.2.0 datagram. */
    @Test
    void aMarkerLookAlikeWithoutHandlesIsAPlainDatagram() throws Exception {
        byte[] payload = markerLookAlike(9);
        try (Peers.SocketPair pair = Peers.SocketPair.open(); Arena arena = Arena.ofConfined()) {
            SeqpacketSocket toJava = new SeqpacketSocket(pair.a(), new Where("pair", "pair"),
                    SeqpacketSocket.PeerKind.JAVA);
            Wire.send(toJava, new MsgBuffers(), null, ByteBuffer.wrap(payload), new long[0], null);
            MemorySegment buf = arena.allocate(64);
            long n = Unistd.read(Native.allocateCapture(arena), pair.b(), buf, buf.byteSize());
            assertArrayEquals(payload, buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
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
        List<Handle> handles = Peers.memfdHandles(3);
        try (Pair pair = new Pair("keep-handles")) {
            for (int round = 0; round < 2; round++) {
                pair.client.send("mine".getBytes(UTF_8), handles.toArray(Handle[]::new));
                pair.connection.reply(ByteBuffer.allocate(300 * 1024), handles); // out of band too
                for (Handle h : handles) {
                    assertTrue(h.isOpen());
                    assertTrue(Peers.isOpenFd(h.fileDescriptor()));
                }
                Message received = Peers.acceptOne(pair.listener).message();
                assertSameObjects(handles, received);
                // forwarding received handles does not consume them either
                pair.connection.reply("forwarded".getBytes(UTF_8), received.handles().toArray(Handle[]::new));
                assertTrue(received.handles().stream().allMatch(h -> h.isOpen() && Peers.isOpenFd(h.fileDescriptor())));
                received.close();
                try (Message m = Peers.recvOne(pair.client)) {
                    assertSameObjects(handles, m);
                }
                try (Message m = Peers.recvOne(pair.client)) {
                    assertArrayEquals("forwarded".getBytes(UTF_8), m.payload());
                    assertSameObjects(handles, m);
                }
            }
        } finally {
            closeAll(handles);
        }
    }
}
