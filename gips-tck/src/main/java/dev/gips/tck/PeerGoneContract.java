package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sending to a peer that has gone is {@link EOFException}, as the README's Rust-to-Java table promises and as
 * {@code recv} reports it (issue 18 item 7): from {@code Endpoint.send} when the server has gone, from
 * {@code Connection.reply} and {@code tryReply} when the client has gone.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class PeerGoneContract {

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** The message names the service and says what happened; the operation and OS error differ per OS. */
    private static void assertPeerGone(String name, EOFException e) {
        assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains("the peer has gone"),
                e.getMessage());
    }

    @Test
    void sendToAServerThatHasGoneIsEofException() throws Exception {
        String name = Peers.uniqueName("gone-server");
        try (Peers.Running server = Peers.start(Peers.javaChild(PeerMain.class, "serve", name))) {
            assertEquals("READY", server.nextLine(Peers.WAIT));
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(bytes("ping"));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(bytes("ping"), reply.payload());
                }
                Peers.kill(server.process);

                EOFException e = assertThrows(EOFException.class, () -> endpoint.send(bytes("anyone there?")));
                assertPeerGone(name, e);
                assertThrows(EOFException.class, () -> endpoint.send(ByteBuffer.wrap(bytes("buffer")), List.of()));
                assertThrows(EOFException.class, () -> endpoint.send(new byte[1 << 20]));   // out of band
                try (var virtual = Executors.newVirtualThreadPerTaskExecutor()) {   // sends without waiting
                    Throwable t = virtual.submit(() -> {
                        try {
                            endpoint.send(bytes("from a virtual thread"));
                            return null;
                        } catch (Throwable x) {
                            return x;
                        }
                    }).get(20, TimeUnit.SECONDS);
                    assertInstanceOf(EOFException.class, t);
                }
                assertThrows(EOFException.class, endpoint::recv, "recv agrees");
            }
        } finally {
            Peers.deleteServiceFile(name); // the killed server leaves its socket file (Linux)
        }
    }

    @Test
    void replyToAClientThatHasGoneIsEofExceptionUntilTheListenerNoticesThenClosedChannelException()
            throws Exception {
        String name = Peers.uniqueName("gone-client");
        try (Listener listener = Listener.bind(name)) {
            Process client = Peers.javaChild(PeerMain.class, "hold", name).start();
            try {
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals(bytes("hello from child"), m.payload());
                }
                Peers.kill(client);
                Connection connection = pod.connection();
                // nothing has called accept since: the listener has not noticed, the kernel has
                assertTrue(connection.isOpen());
                EOFException e = assertThrows(EOFException.class, () -> pod.reply(bytes("too late")));
                assertPeerGone(name, e);
                assertThrows(EOFException.class, () -> connection.reply(ByteBuffer.wrap(bytes("late")), List.of()));
                assertThrows(EOFException.class, () -> connection.tryReply(bytes("too late")));
                assertThrows(EOFException.class, () -> connection.tryReply(ByteBuffer.wrap(bytes("x")), List.of()));
                try (var virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                    Throwable t = virtual.submit(() -> {
                        try {
                            connection.reply(bytes("from a virtual thread"));
                            return null;
                        } catch (Throwable x) {
                            return x;
                        }
                    }).get(20, TimeUnit.SECONDS);
                    assertInstanceOf(EOFException.class, t);
                }

                // once the listener notices, it closes the connection, and a closed connection says so
                long deadline = System.nanoTime() + Peers.WAIT.toNanos();
                while (connection.isOpen() && System.nanoTime() < deadline) {
                    assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty());
                }
                assertThrows(ClosedChannelException.class, () -> connection.reply(bytes("closed")));
            } finally {
                client.destroyForcibly();
            }
        }
    }
}
