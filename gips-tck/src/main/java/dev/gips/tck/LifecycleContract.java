package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Objects closing and peers dying: blocked calls end with {@link AsynchronousCloseException}, a dead peer is noticed
 * and never stops a server, a listener's close reaches its clients, and a dead server's name can be bound again
 * (on Linux its socket file is reclaimed).
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class LifecycleContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static Connection admit(Listener listener, Endpoint client) throws IOException {
        client.send(bytes("hello"));
        Pod pod = Peers.acceptOne(listener);
        pod.message().close();
        return pod.connection();
    }

    private interface BlockingCall {
        void call() throws Exception;
    }

    /**
     * Starts {@code call} on a thread, waits until it blocks where the backend waits in {@code what}, runs
     * {@code close} on this thread and returns what the blocked call threw, within a bounded wait.
     */
    private static Throwable closeWhileBlocked(BlockingCall call, OsHook.Blocking what, Runnable close)
            throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("blocked-caller").start(() -> {
            try {
                call.call();
                thrown.set(new AssertionError("the blocking call returned normally"));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Peers.awaitBlockedIn(t, Kit.hook().blockedFrame(what), WAIT);
        long start = System.nanoTime();
        close.run();
        t.join(WAIT.toMillis());
        assertFalse(t.isAlive(), "the blocked call did not return after close");
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos(), "the blocked call returned late");
        return thrown.get();
    }

    // ------------------------------------------------------------------------------------ asynchronous close

    @Test
    void acceptBlockedWhileTheListenerClosesEndsWithAsynchronousCloseException() throws Exception {
        Listener listener = Listener.bind(Peers.uniqueName("async-accept"));
        Throwable t = closeWhileBlocked(listener::accept, OsHook.Blocking.ACCEPT, listener::close);
        assertInstanceOf(AsynchronousCloseException.class, t);
    }

    @Test
    void timedAcceptBlockedWhileTheListenerClosesEndsWithAsynchronousCloseException() throws Exception {
        Listener listener = Listener.bind(Peers.uniqueName("async-accept-timed"));
        Throwable t = closeWhileBlocked(() -> listener.accept(Duration.ofMinutes(5)), OsHook.Blocking.ACCEPT_TIMED,
                listener::close);
        assertInstanceOf(AsynchronousCloseException.class, t);
    }

    @Test
    void acceptBlockedWithClientsConnectedEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-accept-clients");
        Listener listener = Listener.bind(name);
        try (Endpoint client = Endpoint.connect(name)) {
            admit(listener, client);
            Throwable t = closeWhileBlocked(listener::accept, OsHook.Blocking.ACCEPT, listener::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
            assertThrows(EOFException.class, () -> client.recv(WAIT));
        }
    }

    @Test
    void recvBlockedWhileTheEndpointClosesEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-recv");
        try (Listener listener = Listener.bind(name)) {
            Endpoint client = Endpoint.connect(name);
            Throwable t = closeWhileBlocked(client::recv, OsHook.Blocking.RECV, client::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
        }
    }

    @Test
    void timedRecvBlockedWhileTheEndpointClosesEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-recv-timed");
        try (Listener listener = Listener.bind(name)) {
            Endpoint client = Endpoint.connect(name);
            Throwable t = closeWhileBlocked(() -> client.recv(Duration.ofMinutes(5)), OsHook.Blocking.RECV_TIMED,
                    client::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
        }
    }

    // ------------------------------------------------------------------------------------------ dying peers

    @Test
    void aKilledClientIsNoticedWhileAcceptingAndTheServerKeepsServingOthers() throws Exception {
        String name = Peers.uniqueName("killed-client");
        try (Listener listener = Listener.bind(name); Endpoint other = Endpoint.connect(name)) {
            Connection otherConnection = admit(listener, other);
            try (Peers.Running child = Peers.start(Peers.javaChild(PeerMain.class, "hold", name))) {
                Pod pod = Peers.acceptOne(listener);
                Connection dying = pod.connection();
                try (Message m = pod.message()) {
                    assertArrayEquals(bytes("hello from child"), m.payload());
                    assertEquals(child.pid(), pod.credentials().pid());
                }
                assertEquals("SENT", child.nextLine(Peers.WAIT));
                pod.reply(bytes("hi"));
                assertEquals("MSG hi", child.nextLine(Peers.WAIT));
                assertTrue(dying.isOpen());

                Peers.kill(child.process); // mid-conversation

                other.send(bytes("still there?"));
                long deadline = System.nanoTime() + WAIT.toNanos();
                boolean served = false;
                while ((!served || dying.isOpen()) && System.nanoTime() < deadline) {
                    var next = listener.accept(Duration.ofMillis(100)); // never throws because a client died
                    if (next.isPresent()) {
                        try (Message m = next.get().message()) {
                            assertEquals(otherConnection, next.get().connection());
                            assertArrayEquals(bytes("still there?"), m.payload());
                        }
                        next.get().reply(bytes("yes"));
                        served = true;
                    }
                }
                assertTrue(served, "the other client was not served after a peer died");
                assertFalse(dying.isOpen(), "the listener did not notice that the client died");
                assertThrows(ClosedChannelException.class, () -> dying.reply(bytes("too late")));
                try (Message m = Peers.recvOne(other)) {
                    assertArrayEquals(bytes("yes"), m.payload());
                }
                assertTrue(otherConnection.isOpen());
            }
        }
    }

    @Test
    void aClientWhoseServerIsKilledGetsEofAndTheNextBindTakesTheDeadServersName() throws Exception {
        String name = Peers.uniqueName("killed-server");
        Optional<Path> file = Kit.hook().serviceFile(name);
        Process server = Peers.javaChild(PeerMain.class, "serve", name).start();
        try {
            assertEquals("READY", Peers.readLine(server, Duration.ofSeconds(60)));
            try (Endpoint client = Endpoint.connect(name)) {
                client.send(bytes("ping"));
                try (Message m = Peers.recvOne(client)) {
                    assertArrayEquals(bytes("ping"), m.payload());
                }
                assertEquals(server.pid(), client.peerCredentials().pid());
                client.send(bytes("unanswered")); // may still be unread when the server dies
                Peers.kill(server);
                // the echo of "unanswered" may or may not have gone out; then the hang-up is an EOFException
                assertThrows(EOFException.class, () -> {
                    while (true) {
                        try (Message m = Peers.recvOne(client)) {
                            assertArrayEquals(bytes("unanswered"), m.payload());
                        }
                    }
                });
            }
            file.ifPresent(f -> assertTrue(Files.exists(f), "SIGKILL leaves the socket file behind"));
            try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
                admit(listener, client);
            }
            file.ifPresent(f -> assertFalse(Files.exists(f), "close removes the file its bind reclaimed"));
        } finally {
            server.destroyForcibly();
            Peers.deleteServiceFile(name);
        }
    }

    @Test
    void listenerCloseDisconnectsEveryClient() throws Exception {
        String name = Peers.uniqueName("close-all");
        Listener listener = Listener.bind(name);
        List<Endpoint> clients = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Endpoint c = Endpoint.connect(name);
                clients.add(c);
                connections.add(admit(listener, c));
            }
            // one whose last message the server never read, one the listener never accepted
            clients.get(2).send(bytes("unread"));
            clients.add(Endpoint.connect(name));
            listener.close();
            for (Endpoint c : clients) {
                assertThrows(EOFException.class, () -> c.recv(WAIT), "client " + clients.indexOf(c));
            }
            for (Connection c : connections) {
                assertFalse(c.isOpen());
            }
            Kit.hook().serviceFile(name).ifPresent(f -> assertFalse(Files.exists(f), "close left " + f));
        } finally {
            listener.close();
            clients.forEach(Endpoint::close);
        }
    }
}
