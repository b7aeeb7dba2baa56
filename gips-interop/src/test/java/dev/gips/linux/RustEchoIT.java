package dev.gips.linux;

import static dev.gips.linux.RustPeer.DATAGRAM_LIMIT;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.pattern;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request/reply between Java and the real Rust gips 0.2.0 in both directions: every size from 1 byte to the datagram
 * limit arrives byte-exact; what each side does with an empty message and with a payload over the datagram limit.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustEchoIT {
    /** Sizes around every boundary up to the largest datagram: 1 byte to {@link RustPeer#DATAGRAM_LIMIT}. */
    static final List<Integer> SIZES = List.of(1, 2, 15, 16, 17, 255, 256, 4095, 4096, 4097, 65535, 65536, 100_000,
            DATAGRAM_LIMIT - 1, DATAGRAM_LIMIT);

    static Pod accept(Listener listener, Peers.Running peer) throws IOException {
        return listener.accept(WAIT).orElseThrow(() -> new AssertionError("no message within " + WAIT + "; "
                + peer.report()));
    }

    static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void rustClientToJavaServerEverySizeToTheDatagramLimitArrivesByteExact() throws Exception {
        String name = Peers.uniqueName("rs-echo");
        List<String> steps = SIZES.stream().map(n -> "echo=" + n).toList();
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, steps.toArray(String[]::new))) {
            for (int size : SIZES) {
                Pod pod = accept(listener, rust);
                try (Message m = pod.message()) {
                    assertArrayEquals(pattern(size), m.payload(), "payload of " + size + " bytes from Rust");
                    assertEquals(rust.pid(), pod.credentials().pid());
                    pod.reply(m.payload());
                }
            }
            List<String> expected = new ArrayList<>(List.of("connected"));
            SIZES.forEach(n -> expected.add("echo " + n + " ok"));
            expected.add("done");
            assertEquals(String.join("\n", expected) + "\n", rust.finish(WAIT));
        }
    }

    @Test
    void javaClientToRustServerEverySizeToTheDatagramLimitArrivesByteExact() throws Exception {
        String name = Peers.uniqueName("rs-echo-server");
        long me = ProcessHandle.current().pid();
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", Integer.toString(SIZES.size()));
                Endpoint endpoint = Endpoint.connect(name)) {
            for (int size : SIZES) {
                byte[] payload = pattern(size);
                endpoint.send(payload);
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(payload, reply.payload(), "reply of " + size + " bytes from Rust");
                    assertEquals(List.of(), reply.handles());
                }
                expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(payload, 0));
                expectLine(rust, "replied len=" + size);
            }
            expectLine(rust, "done");
        }
    }

    /**
     * gips 0.2.0 sends an empty payload as a 0-byte datagram, which Java delivers as the empty message it is. Its
     * receiving side takes a 0-byte datagram for end-of-stream, and since it only peeked, it keeps reporting EOF on
     * that endpoint: the connection is alive (Java still receives what the client sends) but the gips client never
     * sees another reply.
     */
    @Test
    void emptyMessageFromRustIsDeliveredButAnEmptyReplyIsEndOfStreamToGipsForGood() throws Exception {
        String name = Peers.uniqueName("rs-empty");
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, "send-empty", "recv", "recv", "send=after-empty",
                        "recv", "hold")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertEquals(0, m.payload().length, "an empty message, not end-of-stream");
                pod.reply(new byte[0]);
            }
            pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertArrayEquals(ascii("after-empty"), m.payload(), "the client's connection is still alive");
                pod.reply(ascii("reply-after-empty"));
            }
            String eof = "recv-error kind=UnexpectedEof os=-";
            for (String line : List.of("connected", "sent len=0 fds=0", eof, eof, "sent len=11 fds=0", eof,
                    "holding")) {
                expectLine(rust, line);
            }
        }
    }

    /**
     * A Rust server takes a Java client's empty message for end-of-stream and drops the connection: the Java client
     * sees EOF, and the server goes on serving other clients.
     */
    @Test
    void emptyMessageFromJavaEndsItsConnectionToARustServer() throws Exception {
        String name = Peers.uniqueName("rs-empty-server");
        long me = ProcessHandle.current().pid();
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "2")) {
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(ascii("first"));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(ascii("first"), reply.payload());
                }
                endpoint.send(new byte[0]);
                assertThrows(EOFException.class, endpoint::recv, "the Rust server dropped the connection");
                // EPIPE; an IOException either way (DESIGN.md promises EOFException here, gips-linux throws a plain one)
                assertThrows(IOException.class, () -> endpoint.send(ascii("after")));
            }
            try (Endpoint other = Endpoint.connect(name)) {
                other.send(ascii("second"));
                try (Message reply = Peers.recvOne(other)) {
                    assertArrayEquals(ascii("second"), reply.payload());
                }
            }
            expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("first"), 0));
            expectLine(rust, "replied len=5");
            // nothing for the empty message: gips took it for the client hanging up
            expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("second"), 0));
            expectLine(rust, "replied len=6");
            expectLine(rust, "done");
        }
    }

    /**
     * gips 0.2.0 cannot send more than one datagram holds: its {@code send} fails with EMSGSIZE (up to its own limit
     * of 16 MiB + 4, above which it fails with InvalidInput), nothing is delivered, and the connection stays usable.
     */
    @Test
    void payloadOverTheDatagramLimitFromARustClientFailsWithEmsgsize() throws Exception {
        String name = Peers.uniqueName("rs-oversize");
        int over = DATAGRAM_LIMIT + 1;
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, "send-size=" + over, "send-size=" + (16 << 20),
                        "send-size=" + ((16 << 20) + 5), "echo=5")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertArrayEquals(pattern(5), m.payload(), "the first message that arrives is the small one");
                pod.reply(m.payload());
            }
            String[] lines = rust.finish(WAIT).split("\n");
            assertEquals(6, lines.length, String.join("\n", lines));
            assertEmsgsize("send-error len=" + over + " ", lines[1]);
            assertEmsgsize("send-error len=" + (16 << 20) + " ", lines[2]);
            assertEquals("send-error len=" + ((16 << 20) + 5) + " kind=InvalidInput os=-", lines[3]);
            assertEquals("echo 5 ok", lines[4]);
            assertTrue(listener.tryAccept().isEmpty(), "nothing else arrived");
        }
    }

    @Test
    void replyOverTheDatagramLimitFromARustServerFailsWithEmsgsize() throws Exception {
        String name = Peers.uniqueName("rs-oversize-server");
        int over = DATAGRAM_LIMIT + 1;
        try (Peers.Running rust = RustPeer.serve(name, "oversize=" + over, "--count", "1");
                Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send(ascii("x"));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("after-oversize"), reply.payload(), "the oversized reply never arrived");
            }
            RustPeer.expectLineStartingWith(rust, "pod ");
            assertEmsgsize("reply-error len=" + over + " ", rust.nextLine(WAIT));
            expectLine(rust, "replied after-oversize");
            expectLine(rust, "done");
        }
    }

    static void assertEmsgsize(String prefix, String line) {
        assertTrue(line.startsWith(prefix) && line.endsWith(" os=EMSGSIZE"), "expected " + prefix + "... os=EMSGSIZE,"
                + " got: " + line);
    }
}
