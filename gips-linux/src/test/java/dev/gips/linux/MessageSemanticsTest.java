package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a message is on Linux's wire (the contract is the kit's {@code MessageSemanticsContract}): empty messages
 * from raw peers and right before a hang-up, who pays for SO_PASSCRED, and payloads that look like the out-of-band
 * marker, which arrive whole and unchanged.
 */
@ExtendWith(LeakCheck.class)
class MessageSemanticsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

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
        SeqpacketListener listener = SeqpacketListener.bind(name, true);
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
}
