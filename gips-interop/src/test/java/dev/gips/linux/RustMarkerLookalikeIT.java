package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.expectLineStartingWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 17, item 1: a plain gips message that looks like gips for Java's out-of-band marker (16 bytes: {@code 00
 * 'gips-mf'}, a u64 length) and carries a descriptor that is not a sealed memfd is a legal gips message; Java
 * delivers it as it is, with its descriptor, and the connection goes on (DESIGN.md, Linux specifics: "Anything
 * received that is not a valid out-of-band message ... is delivered as the plain message it is"). The look-alike's
 * descriptor is an ordinary memfd holding {@code lookalike-fd}, exactly the 12 bytes its length field names. Run
 * alone: {@code mvn -B -ntp -pl gips-interop -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=RustMarkerLookalikeIT}.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustMarkerLookalikeIT {
    static final String FD_CONTENT = "lookalike-fd";

    /** The look-alike payload the Rust peer sends ({@code MARKER_MAGIC} + the length of {@link #FD_CONTENT}). */
    static byte[] lookalike() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0, 'g', 'i', 'p', 's', '-', 'm', 'f'}).putLong(FD_CONTENT.length());
        return b.array();
    }

    private static void assertLookalike(Message m) throws Exception {
        assertArrayEquals(lookalike(), m.payload(), "the 16 bytes gips sent");
        assertEquals(1, m.handles().size(), "with the descriptor gips sent");
        assertEquals(FD_CONTENT, new String(Files.readAllBytes(Posix.procFd(m.handles().get(0).fileDescriptor())),
                java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void lookalikeFromARustClientIsDeliveredAsItIsAndTheConnectionGoesOn() throws Exception {
        String name = Peers.uniqueName("rs-lookalike");
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, "send-lookalike", "send=next", "recv")) {
            Pod pod = accept(listener, rust);
            Connection connection = pod.connection();
            try (Message m = pod.message()) {
                assertLookalike(m);
            }
            pod = accept(listener, rust);
            assertSame(connection, pod.connection(), "the same client, still connected");
            try (Message m = pod.message()) {
                assertArrayEquals(ascii("next"), m.payload());
                pod.reply(m.payload());
            }
            assertEquals(String.join("\n", "connected", "sent len=16 fds=1", "sent len=4 fds=0",
                    "recv " + describe(ascii("next"), 0), "done") + "\n", rust.finish(WAIT));
        }
    }

    @Test
    void lookalikeReplyFromARustServerIsDeliveredAsItIsAndTheConnectionGoesOn() throws Exception {
        String name = Peers.uniqueName("rs-lookalike-server");
        try (Peers.Running rust = RustPeer.serve(name, "lookalike", "--count", "2");
                Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send(ascii("first"));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertLookalike(reply);
            }
            endpoint.send(ascii("next"));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("next"), reply.payload());
            }
            expectLineStartingWith(rust, "pod ");
            expectLine(rust, "replied lookalike");
            expectLineStartingWith(rust, "pod ");
            expectLine(rust, "replied len=4");
            expectLine(rust, "done");
        }
    }
}
