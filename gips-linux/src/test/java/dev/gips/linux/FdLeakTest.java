package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No received descriptor leaks on Linux's wire: not when a message is truncated (MSG_CTRUNC), not when a raw peer
 * sends a malformed message and is dropped. Refused clients and thousands of connections are the kit's
 * {@code HandleLeakContract}.
 */
@ExtendWith(LeakCheck.class)
class FdLeakTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    // --------------------------------------------------------------------------------- (a) MSG_CTRUNC

    @ParameterizedTest(name = "{0} descriptors sent, room for {1}, payload {2} bytes")
    // room counts are even: the 8-byte alignment of CMSG_SPACE gives an odd count room for one more descriptor
    @CsvSource({"50, 0, 5", "50, 10, 5", "50, 48, 5", "253, 252, 5", "1, 0, 0", "20, 10, 307200"})
    void aTruncatedControlMessageIsDroppedAndEveryDescriptorThatArrivedIsClosed(int sent, int room, int payloadSize)
            throws IOException {
        Where where = new Where("ctrunc-test", "socketpair");
        try (Peers.SocketPair pair = Peers.SocketPair.open()) {
            int sender = pair.a();
            int receiver = pair.b();
            int memfd = Peers.memfd("ctrunc");
            try {
                Sockets.passCredentials(receiver, where);
                MsgBuffers sendBuffers = new MsgBuffers();
                MsgBuffers small = new MsgBuffers(SysSocket.CMSG_SPACE(SysSocket.UCRED.byteSize())
                        + (room == 0 ? 0 : SysSocket.CMSG_SPACE(4L * room)));
                MsgBuffers normal = new MsgBuffers();
                long baseline = Peers.openFds();

                long[] fds = new long[sent];
                Arrays.fill(fds, memfd);
                byte[] payload = new byte[payloadSize];
                new Random(7).nextBytes(payload);
                SeqpacketSocket from = new SeqpacketSocket(sender, where, SeqpacketSocket.PeerKind.JAVA);
                SeqpacketSocket to = new SeqpacketSocket(receiver, where, SeqpacketSocket.PeerKind.JAVA);
                Wire.send(from, sendBuffers, payload, null, fds, null);
                Wire.ProtocolException e = assertThrows(Wire.ProtocolException.class, () -> receive(to, small));
                assertTrue(e.getMessage().contains("MSG_CTRUNC"), e.getMessage());
                assertEquals(baseline, Peers.openFds(), "descriptors of the truncated message leaked");

                // the truncated datagram was consumed whole; the next one arrives intact
                Wire.send(from, sendBuffers, "next".getBytes(UTF_8), null, new long[] {memfd}, null);
                RawMessage next = receive(to, normal);
                assertArrayEquals("next".getBytes(UTF_8), next.payload());
                assertEquals(1, next.handles().size());
                next.handles().forEach(h -> Fds.closeQuietly((int) h.value()));
                assertEquals(baseline, Peers.openFds());
            } finally {
                Fds.closeQuietly(memfd);
            }
        }
    }

    /** Receives one message, waiting for it. */
    private static RawMessage receive(SeqpacketSocket s, MsgBuffers b) throws IOException {
        byte[] payload = Wire.receivePayload(s, b, true);
        return Wire.message(payload, b.takeFds());
    }

    @Test
    void theDefaultControlBufferHoldsTheKernelsMaximumOfDescriptorsWithCredentials() throws IOException {
        Where where = new Where("ctrunc-max", "socketpair");
        try (Peers.SocketPair pair = Peers.SocketPair.open()) {
            int sender = pair.a();
            int receiver = pair.b();
            int memfd = Peers.memfd("max");
            try {
                Sockets.passCredentials(receiver, where);
                long[] fds = new long[SysSocket.SCM_MAX_FD];
                Arrays.fill(fds, memfd);
                SeqpacketSocket from = new SeqpacketSocket(sender, where, SeqpacketSocket.PeerKind.JAVA);
                SeqpacketSocket to = new SeqpacketSocket(receiver, where, SeqpacketSocket.PeerKind.JAVA);
                Wire.send(from, new MsgBuffers(), new byte[1], null, fds, null);
                RawMessage m = receive(to, new MsgBuffers());
                assertEquals(SysSocket.SCM_MAX_FD, m.handles().size());
                m.handles().stream().mapToInt(h -> (int) h.value()).forEach(Fds::closeQuietly);
            } finally {
                Fds.closeQuietly(memfd);
            }
        }
    }

    // ----------------------------------------------------------------------- (b) misbehaving raw peers

    /** Runs a raw peer that sends one message; returns what it observed afterwards. The listener serves meanwhile. */
    private static String runRawPeer(Listener listener, boolean delivered, String... args) throws Exception {
        Process p = Peers.python("peer.py", args).start();
        // the peer writes SENT, then what it received after sending: MSG <hex> <descriptors>, or EOF
        try {
            assertEquals("SENT", Peers.readLine(p, WAIT), "the raw peer did not send");
            // connect and sendmsg returned in the peer: its connection and message are queued here
            if (delivered) {
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    pod.reply(("got " + m.payload().length + " bytes, " + m.handles().size() + " handles")
                            .getBytes(UTF_8));
                }
            } else {
                // the listener reads the bad message, drops the peer and carries on; accept() never throws for it
                assertTrue(listener.accept(Duration.ofMillis(200)).isEmpty(), "a malformed message was delivered");
            }
            return Peers.finish(p, WAIT).strip();
        } finally {
            p.destroyForcibly();
        }
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(UTF_8));
    }

    private static void assertServes(Listener listener, Endpoint good, String text) throws IOException {
        good.send(text.getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        try (Message m = pod.message()) {
            assertArrayEquals(text.getBytes(UTF_8), m.payload());
        }
        pod.reply(("re: " + text).getBytes(UTF_8));
        try (Message m = Peers.recvOne(good)) {
            assertArrayEquals(("re: " + text).getBytes(UTF_8), m.payload());
        }
    }

    @Test
    void markerLookAlikesFromRawPeersAreDeliveredAsPlainMessagesWithoutLeakingAndTheListenerKeepsServing()
            throws Exception {
        String name = Peers.uniqueName("raw-peers");
        String path = "/tmp/" + name;
        byte[] content = new byte[1000];
        new Random(3).nextBytes(content);
        String contentHex = HexFormat.of().formatHex(content);
        try (Listener listener = Listener.bind(name); Endpoint good = Endpoint.connect(name)) {
            assertServes(listener, good, "warm-up");
            // warm-up of the paths below (class loading, buffers), so that the baseline is the steady state
            assertEquals("MSG " + hex("got 16 bytes, 1 handles") + " 0",
                    runRawPeer(listener, true, "fake-marker", path, "1", "10"));
            assertTrue(listener.tryAccept().isEmpty()); // notices that peer's hang-up
            long baseline = Peers.openFds();

            // well-formed: 253 descriptors (the kernel's maximum) arrive, then are closed with the message
            assertEquals("MSG " + hex("got 3 bytes, 253 handles") + " 0",
                    runRawPeer(listener, true, "send-fds", path, "253"));
            // well-formed out-of-band payload from a foreign peer: restored, its memfd closed
            assertEquals("MSG " + hex("got 1000 bytes, 252 handles") + " 0",
                    runRawPeer(listener, true, "memfd-marker", path, contentHex, "1000", "252"));
            // both peers have exited; the listener closes a hung-up client's socket when it notices, while accepting
            assertTrue(listener.tryAccept().isEmpty());
            assertEquals(baseline, Peers.openFds(), "descriptors of delivered messages leaked");
            assertServes(listener, good, "after well-formed peers");

            // marker look-alikes that are no valid out-of-band message: plain gips messages (a Rust peer may send any
            // 16 bytes with descriptors), delivered as they are with every descriptor a handle (issue 17), closed
            // with the message
            List<String[]> lookAlikes = List.of(
                    // a marker whose last descriptor is /dev/null, not a sealed memfd; with 252 others
                    new String[] {"253", "fake-marker", path, "253", "100"},
                    // a marker claiming more than 16 MiB
                    new String[] {"1", "fake-marker", path, "1", Long.toString(1L << 40)},
                    // a marker claiming more than its sealed memfd holds
                    new String[] {"11", "memfd-marker", path, contentHex, "5000", "10"});
            for (String[] c : lookAlikes) {
                String[] args = Arrays.copyOfRange(c, 1, c.length);
                assertEquals("MSG " + hex("got 16 bytes, " + c[0] + " handles") + " 0",
                        runRawPeer(listener, true, args), String.join(" ", args));
                assertTrue(listener.tryAccept().isEmpty());
                assertEquals(baseline, Peers.openFds(), "descriptors leaked after " + String.join(" ", args));
                assertServes(listener, good, "after " + args[0]);
            }
        }
    }
}
