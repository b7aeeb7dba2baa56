package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Out-of-band payloads (a marker datagram and a sealed memfd) travel only between peers that know each other for
 * gips for Java; a plain gips peer (here a Python stdlib one, which speaks gips 0.2.0's wire format) never gets the
 * out-of-band form and is never taken for a sender of it (issue 17, items 1 and 2). See {@link Wire}.
 */
@ExtendWith(LeakCheck.class)
class PeerKindTest {
    private static final Duration WAIT = Peers.WAIT;
    /** Over the datagram limit: only a gips-java peer can take it. */
    private static final int LARGE = Sockets.INLINE_MAX + 1000;

    @Test
    void aServiceSocketFileCarriesTheGipsJavaMark() throws Exception {
        String name = Peers.uniqueName("mark");
        try (Listener listener = Listener.bind(name)) {
            int mode = (Integer) Files.getAttribute(Path.of("/tmp", name), "unix:mode");
            assertEquals(Sockets.SERVICE_FILE_MODE, mode & 07777, Integer.toOctalString(mode));
            assertEquals(01666, Sockets.SERVICE_FILE_MODE, "every user may connect; the sticky bit is the mark");
        }
    }

    @Test
    void aLargePayloadToAPlainServerFailsNamingTheLimitAndSendsNothing() throws Exception {
        String path = "/tmp/" + Peers.uniqueName("plain-server");
        Process p = Peers.python("peer.py", "serve-record", path, "1").start();
        try {
            assertEquals("LISTENING", Peers.readLine(p, WAIT));
            try (Endpoint endpoint = Endpoint.connect(path)) {
                IOException e = assertThrows(IOException.class, () -> endpoint.send(new byte[LARGE]));
                assertTrue(e.getMessage().contains("EMSGSIZE") && e.getMessage().contains("" + LARGE)
                        && e.getMessage().contains("not") && e.getMessage().contains("gips for Java"),
                        e.getMessage());
                // nothing went out: the server's first message is the next one
                endpoint.send("after".getBytes(UTF_8));
                assertEquals("MSG " + hex("after") + " 0", Peers.readLine(p, WAIT));
            }
            assertEquals("DONE", Peers.readLine(p, WAIT));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aLargeReplyToAPlainClientFailsNamingTheLimitAndSendsNothing() throws Exception {
        String name = Peers.uniqueName("plain-client");
        try (Listener listener = Listener.bind(name)) {
            Process p = Peers.python("peer.py", "send-hex", "/tmp/" + name, hex("ask"), "0").start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                Pod pod = Peers.acceptOne(listener);
                pod.message().close();
                IOException e = assertThrows(IOException.class, () -> pod.reply(new byte[LARGE]));
                assertTrue(e.getMessage().contains("EMSGSIZE") && e.getMessage().contains("gips for Java"),
                        e.getMessage());
                pod.reply("small".getBytes(UTF_8));
                assertEquals("MSG " + hex("small") + " 0", Peers.readLine(p, WAIT));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aPlainClientsMessageThatLooksLikeAMarkerIsDeliveredAsItIs() throws Exception {
        String name = Peers.uniqueName("look-alike");
        byte[] lookAlike = ByteBuffer.allocate(Wire.MARKER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .put(Wire.MAGIC).putLong(1 << 20).array();
        try (Listener listener = Listener.bind(name)) {
            // a legal gips 0.2.0 message: 16 bytes and one descriptor (of /dev/null, which is no sealed memfd)
            Process p = Peers.python("peer.py", "send-hex", "/tmp/" + name, HexFormat.of().formatHex(lookAlike), "1")
                    .start();
            try {
                assertEquals("SENT", Peers.readLine(p, WAIT));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals(lookAlike, m.payload());
                    assertEquals(1, m.handles().size());
                }
                pod.reply("delivered".getBytes(UTF_8));
                assertEquals("MSG " + hex("delivered") + " 0", Peers.readLine(p, WAIT));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aGipsJavaServiceIsKnownAtConnectSoALargeFirstSendWaitsForNobody() throws Exception {
        String name = Peers.uniqueName("known");
        byte[] large = PythonInteropTest.pattern(LARGE);
        // one thread: the listener accepts only after the send returned, so no hello can have helped
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send(large);
            try (Message m = Peers.acceptOne(listener).message()) {
                assertArrayEquals(large, m.payload());
            }
        }
    }

    @Test
    void aServiceOnAnAbstractNameIsLearntFromItsHello() throws Exception {
        String name = "\0" + Peers.uniqueName("hello");
        byte[] large = PythonInteropTest.pattern(LARGE);
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name)) {
            // no file, so no mark: the listener accepts (and so says hello) only after the send has started waiting
            CompletableFuture<byte[]> served = CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(300);
                    try (Message m = Peers.acceptOne(listener).message()) {
                        return m.payload();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            endpoint.send(large);
            assertArrayEquals(large, served.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            // and the hello is not delivered as a message
            assertPingPong(listener, endpoint);
        }
    }

    @Test
    void aSocketFileWithoutTheMarkIsAPlainServiceUntilItsHelloComes() throws Exception {
        String name = Peers.uniqueName("unmarked");
        byte[] large = PythonInteropTest.pattern(LARGE);
        try (Listener listener = Listener.bind(name)) {
            // as a socket file that systemd made without SocketMode=1666
            Files.setPosixFilePermissions(Path.of("/tmp", name), PosixFilePermissions.fromString("rw-rw-rw-"));
            try (Endpoint endpoint = Endpoint.connect(name)) {
                // taken for plain gips at once: no waiting for a hello that a Rust service would never send
                IOException e = assertThrows(IOException.class, () -> endpoint.send(large));
                assertTrue(e.getMessage().contains("EMSGSIZE"), e.getMessage());
                // the first reply comes after the hello, which the endpoint takes for what it is
                assertPingPong(listener, endpoint);
                endpoint.send(large);
                try (Message m = Peers.acceptOne(listener).message()) {
                    assertArrayEquals(large, m.payload());
                }
            }
        }
    }

    private static void assertPingPong(Listener listener, Endpoint endpoint) throws IOException {
        endpoint.send("ping".getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        try (Message m = pod.message()) {
            assertArrayEquals("ping".getBytes(UTF_8), m.payload());
        }
        pod.reply("pong".getBytes(UTF_8));
        try (Message m = Peers.recvOne(endpoint)) {
            assertArrayEquals("pong".getBytes(UTF_8), m.payload());
        }
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(UTF_8));
    }
}
