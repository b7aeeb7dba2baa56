package dev.gips.linux;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Objects closing and peers dying: blocked calls end with {@link AsynchronousCloseException}, a dead peer is noticed
 * and never stops a server, a listener's close reaches its clients, and the socket file lives exactly as long as
 * the listener that created it (a dead server's file is reclaimed, a live one's never).
 */
@ExtendWith(LeakCheck.class)
class LifecycleTest {
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

    private interface Blocking {
        void call() throws Exception;
    }

    /**
     * Starts {@code call} on a thread, waits until it blocks in {@code frame}, runs {@code close} on this thread and
     * returns what the blocked call threw, within a bounded wait.
     */
    private static Throwable closeWhileBlocked(Blocking call, String frame, Runnable close) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("blocked-caller").start(() -> {
            try {
                call.call();
                thrown.set(new AssertionError("the blocking call returned normally"));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Peers.awaitBlockedIn(t, frame, WAIT);
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
        Throwable t = closeWhileBlocked(listener::accept, "SysEpoll.epoll_wait", listener::close);
        assertInstanceOf(AsynchronousCloseException.class, t);
    }

    @Test
    void timedAcceptBlockedWhileTheListenerClosesEndsWithAsynchronousCloseException() throws Exception {
        Listener listener = Listener.bind(Peers.uniqueName("async-accept-timed"));
        Throwable t = closeWhileBlocked(() -> listener.accept(Duration.ofMinutes(5)), "SysEpoll.epoll_wait",
                listener::close);
        assertInstanceOf(AsynchronousCloseException.class, t);
    }

    @Test
    void acceptBlockedWithClientsConnectedEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-accept-clients");
        Listener listener = Listener.bind(name);
        try (Endpoint client = Endpoint.connect(name)) {
            admit(listener, client);
            Throwable t = closeWhileBlocked(listener::accept, "SysEpoll.epoll_wait", listener::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
            assertThrows(EOFException.class, () -> client.recv(WAIT));
        }
    }

    @Test
    void recvBlockedWhileTheEndpointClosesEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-recv");
        try (Listener listener = Listener.bind(name)) {
            Endpoint client = Endpoint.connect(name);
            Throwable t = closeWhileBlocked(client::recv, "SysSocket.recvmsg", client::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
        }
    }

    @Test
    void timedRecvBlockedWhileTheEndpointClosesEndsWithAsynchronousCloseException() throws Exception {
        String name = Peers.uniqueName("async-recv-timed");
        try (Listener listener = Listener.bind(name)) {
            Endpoint client = Endpoint.connect(name);
            Throwable t = closeWhileBlocked(() -> client.recv(Duration.ofMinutes(5)), "Poll.poll", client::close);
            assertInstanceOf(AsynchronousCloseException.class, t);
        }
    }

    // ------------------------------------------------------------------------------------------ dying peers

    @Test
    void aKilledClientIsNoticedWhileAcceptingAndTheServerKeepsServingOthers() throws Exception {
        String name = Peers.uniqueName("killed-client");
        try (Listener listener = Listener.bind(name); Endpoint other = Endpoint.connect(name)) {
            Connection otherConnection = admit(listener, other);
            Process python = Peers.python("peer.py", "hold", "/tmp/" + name).start();
            try {
                Pod pod = Peers.acceptOne(listener);
                Connection dying = pod.connection();
                try (Message m = pod.message()) {
                    assertArrayEquals(bytes("hello from python"), m.payload());
                    assertEquals(python.pid(), pod.credentials().pid());
                }
                pod.reply(bytes("hi"));
                assertEquals("MSG " + HexFormat.of().formatHex(bytes("hi")) + " 0", Peers.readLine(python, WAIT));
                assertTrue(dying.isOpen());

                Peers.kill(python); // mid-conversation

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
            } finally {
                python.destroyForcibly();
            }
        }
    }

    @Test
    void aClientWhoseServerIsKilledGetsEofAndTheNextBindReclaimsTheDeadServersSocketFile() throws Exception {
        String name = Peers.uniqueName("killed-server");
        Path file = Path.of("/tmp/" + name);
        Process server = Peers.javaChild(ChildPeer.class, "serve", name).start();
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
            assertTrue(Files.exists(file), "SIGKILL leaves the socket file behind");
            try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
                admit(listener, client);
            }
            assertFalse(Files.exists(file));
        } finally {
            server.destroyForcibly();
            Files.deleteIfExists(file);
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
            assertFalse(Files.exists(Path.of("/tmp/" + name)));
        } finally {
            listener.close();
            clients.forEach(Endpoint::close);
        }
    }

    // ---------------------------------------------------------------------------------------- socket files

    @Test
    void bindRemovesTheStaleSocketFileOfAServerThatExited() throws Exception {
        String name = Peers.uniqueName("stale");
        Path file = Path.of("/tmp/" + name);
        try {
            assertEquals("BOUND", Peers.run(Peers.python("peer.py", "bind-and-exit", file.toString()), WAIT).strip());
            assertTrue(Files.exists(file), "the exited server left its socket file");
            assertThrows(IOException.class, () -> Endpoint.connect(name), "nobody answers on a stale socket");
            try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
                admit(listener, client);
            }
            assertFalse(Files.exists(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void bindWhereALiveListenerAnswersIsRefusedAsAddressInUse() throws Exception {
        String bare = Peers.uniqueName("in-use-abstract");
        for (String name : List.of(Peers.uniqueName("in-use"), "\0" + bare)) {
            try (Listener live = Listener.bind(name)) {
                IOException e = assertThrows(IOException.class, () -> Listener.bind(name));
                assertTrue(e.getMessage().contains("address in use"), e.getMessage());
                assertTrue(e.getMessage().contains(name.replace("\0", "\\0")), e.getMessage());
                // the live listener was not disturbed
                try (Endpoint client = Endpoint.connect(name)) {
                    admit(live, client);
                }
            }
        }
    }

    @Test
    void bindOnARegularFileIsRefusedAndTheFileIsKept() throws Exception {
        String name = Peers.uniqueName("regular-file");
        Path file = Path.of("/tmp/" + name);
        Files.writeString(file, "precious data");
        try {
            IOException e = assertThrows(IOException.class, () -> Listener.bind(name));
            assertTrue(e.getMessage().contains("address in use"), e.getMessage());
            assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
            assertEquals("precious data", Files.readString(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void theSocketFileIsMode0666AndRemovedByClose() throws Exception {
        String name = Peers.uniqueName("mode");
        Path file = Path.of("/tmp/" + name);
        Listener listener = Listener.bind(name);
        try {
            assertTrue(Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(0140000, ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000, "not a socket");
            assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(file));
        } finally {
            listener.close();
        }
        assertFalse(Files.exists(file), "close() left the socket file");
        listener.close();
    }

    @Test
    void closeDoesNotRemoveANewerServersSocketFile() throws Exception {
        String name = Peers.uniqueName("newer");
        Path file = Path.of("/tmp/" + name);
        Listener old = Listener.bind(name);
        Files.delete(file); // e.g. a cleanup script; the path is free again
        try (Listener newer = Listener.bind(name)) {
            old.close();
            assertTrue(Files.exists(file), "the old listener removed the newer one's socket file");
            try (Endpoint client = Endpoint.connect(name)) {
                admit(newer, client);
            }
        } finally {
            old.close();
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void abstractNamesWorkAndLeaveNoFile() throws Exception {
        String bare = Peers.uniqueName("abstract");
        String name = "\0" + bare;
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("abstract"));
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("abstract"), m.payload());
            }
            pod.reply(bytes("ok"));
            try (Message m = Peers.recvOne(client)) {
                assertArrayEquals(bytes("ok"), m.payload());
            }
            assertFalse(Files.exists(Path.of("/tmp/" + bare)));
            assertFalse(Files.exists(Path.of("/tmp/@" + bare)));
            assertThrows(IOException.class, () -> Endpoint.connect(bare), "\\0name and name are different services");
            assertThrows(IOException.class, () -> Endpoint.connect("@" + bare), "so are \\0name and @name");
        }
        // gone with the listener: the name is free at once
        try (Listener again = Listener.bind(name)) {
            assertEquals(name, again.descriptor().name());
        }
    }
}
