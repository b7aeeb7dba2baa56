package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the library refuses, and how: oversized payloads, too many handles, bad names, use after close. A refused
 * send delivers nothing; a payload or handle count at the limit still round-trips.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class BadInputContract {
    private static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A connected client whose connection the listener has admitted; returns the server side of it. */
    public static Connection admit(Listener listener, Endpoint client) throws IOException {
        client.send("hello".getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        pod.message().close();
        return pod.connection();
    }

    /** Checks that nothing was delivered: the next message each side receives is the one sent after the refusal. */
    public static void assertNothingDelivered(Listener listener, Endpoint client, Connection connection)
            throws IOException {
        assertTrue(listener.tryAccept().isEmpty(), "a refused message was delivered to the server");
        assertTrue(client.tryRecv().isEmpty(), "a refused message was delivered to the client");
        client.send("next".getBytes(UTF_8));
        try (Message m = Peers.acceptOne(listener).message()) {
            assertArrayEquals("next".getBytes(UTF_8), m.payload());
        }
        connection.reply("next reply".getBytes(UTF_8));
        try (Message m = Peers.recvOne(client)) {
            assertArrayEquals("next reply".getBytes(UTF_8), m.payload());
        }
    }

    private static void closeAll(List<Handle> handles) {
        handles.forEach(Handle::close);
    }

    // ----------------------------------------------------------------------------------------- payload size

    @Test
    void payloadOfSixteenMibPlusOneIsRefusedNamingTheLimitAndNothingIsDelivered() throws IOException {
        String name = Peers.uniqueName("too-large");
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            Connection connection = admit(listener, client);
            byte[] tooLarge = new byte[MAX_PAYLOAD + 1];
            for (Executable send : List.<Executable>of(
                    () -> client.send(tooLarge),
                    () -> client.send(ByteBuffer.wrap(tooLarge), List.of()),
                    () -> client.send(ByteBuffer.allocateDirect(MAX_PAYLOAD + 1), List.of()),
                    () -> connection.reply(tooLarge),
                    () -> connection.reply(ByteBuffer.wrap(tooLarge), List.of()))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, send);
                assertTrue(e.getMessage().contains(Integer.toString(MAX_PAYLOAD)), e.getMessage());
                assertTrue(e.getMessage().contains("16 MiB"), e.getMessage());
            }
            ByteBuffer buffer = ByteBuffer.wrap(tooLarge);
            assertThrows(IllegalArgumentException.class, () -> client.send(buffer, List.of()));
            assertEquals(0, buffer.position(), "a refused send must not consume the buffer");
            assertNothingDelivered(listener, client, connection);
        }
    }

    @Test
    void payloadOfExactlySixteenMibRoundTrips() throws IOException {
        String name = Peers.uniqueName("max-payload");
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            byte[] request = random(MAX_PAYLOAD, 1);
            client.send(request);
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(request, m.payload());
            }
            byte[] reply = random(MAX_PAYLOAD, 2);
            pod.reply(reply);
            try (Message m = Peers.recvOne(client)) {
                assertArrayEquals(reply, m.payload());
            }
        }
    }

    // -------------------------------------------------------------------------------------------- handles

    @Test
    void twoHundredFiftyFourHandlesAreRefusedAndNothingIsDelivered() throws IOException {
        String name = Peers.uniqueName("too-many-handles");
        List<Handle> handles = Handles.tagged(254);
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            Connection connection = admit(listener, client);
            for (Executable send : List.<Executable>of(
                    () -> client.send(new byte[] {1}, handles.toArray(Handle[]::new)),
                    () -> client.send(ByteBuffer.allocate(0), handles),
                    () -> connection.reply(new byte[] {1}, handles.toArray(Handle[]::new)))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, send);
                assertTrue(e.getMessage().contains("254") && e.getMessage().contains("253"), e.getMessage());
            }
            assertTrue(handles.stream().allMatch(Handle::isOpen), "a refused send must not consume handles");
            assertNothingDelivered(listener, client, connection);
        } finally {
            closeAll(handles);
        }
    }

    @Test
    void twoHundredFiftyThreeHandlesRoundTripAsDistinctOpenHandlesWithoutLeaking() throws IOException {
        String name = Peers.uniqueName("max-handles");
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            admit(listener, client); // warm up: the connection's own handles are in the baseline
            long baseline = Kit.hook().openHandles();
            List<Handle> handles = Handles.tagged(253);
            List<Long> tags = new ArrayList<>();
            for (Handle h : handles) {
                tags.add(Handles.tagOf(h));
            }
            try {
                client.send("253 handles".getBytes(UTF_8), handles.toArray(Handle[]::new));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals("253 handles".getBytes(UTF_8), m.payload());
                    assertReceivedCopies(handles, tags, m);
                    // and back: the server forwards what it received
                    pod.reply("returned".getBytes(UTF_8), m.handles().toArray(Handle[]::new));
                }
                try (Message m = Peers.recvOne(client)) {
                    assertArrayEquals("returned".getBytes(UTF_8), m.payload());
                    assertReceivedCopies(handles, tags, m);
                    List<Handle> received = m.handles();
                    m.close();
                    assertTrue(received.stream().noneMatch(Handle::isOpen), "Message.close closes its handles");
                }
            } finally {
                closeAll(handles);
            }
            assertEquals(baseline, Kit.hook().openHandles(), "handles leaked");
        }
    }

    /**
     * Each received handle is a distinct open handle of the object sent in its position (its tag reads through it),
     * and, where handles are file descriptors, a descriptor of its own.
     */
    private static void assertReceivedCopies(List<Handle> sent, List<Long> tags, Message m) throws IOException {
        assertEquals(sent.size(), m.handles().size());
        Set<Integer> fds = new HashSet<>();
        Set<Integer> sentFds = new HashSet<>();
        for (int i = 0; i < m.handles().size(); i++) {
            Handle h = m.handles().get(i);
            assertEquals(sent.get(i).kind(), h.kind());
            assertTrue(h.isOpen());
            assertEquals(tags.get(i), Handles.tagOf(h), "handle " + i + " is not the object sent in its place");
            if (h.kind() == Handle.Kind.FILE_DESCRIPTOR) {
                sentFds.add(sent.get(i).fileDescriptor());
                int fd = h.fileDescriptor();
                assertTrue(fds.add(fd), "descriptor " + fd + " received twice");
            }
        }
        for (int fd : fds) {
            assertFalse(sentFds.contains(fd), "received descriptor " + fd + " is one of the sent ones");
        }
    }

    @Test
    void aClosedOrMissingHandleIsRefusedBeforeAnythingIsSent() throws IOException {
        String name = Peers.uniqueName("closed-handle");
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            Connection connection = admit(listener, client);
            List<Handle> handles = Handles.tagged(2);
            handles.get(1).close();
            assertThrows(IllegalArgumentException.class,
                    () -> client.send(new byte[1], handles.toArray(Handle[]::new)));
            assertTrue(handles.get(0).isOpen());
            assertThrows(NullPointerException.class, () -> client.send(new byte[1], handles.get(0), null));
            assertThrows(NullPointerException.class, () -> client.send(ByteBuffer.allocate(1),
                    Collections.singletonList(null)));
            closeAll(handles);
            assertNothingDelivered(listener, client, connection);
        }
    }

    // ---------------------------------------------------------------------------------------------- names

    @Test
    void aNameWithANulIsRefused() {
        for (String name : List.of("gips\0test", "/tmp/gips\0test", "\0gips\0test")) {
            for (Executable op : List.<Executable>of(() -> Listener.bind(name), () -> Endpoint.connect(name),
                    () -> new ServiceDescriptor(name))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
                assertTrue(e.getMessage().contains("NUL"), e.getMessage());
            }
        }
    }

    @Test
    void anEmptyNameIsRefused() {
        for (String name : List.of("", "\0")) {
            for (Executable op : List.<Executable>of(() -> Listener.bind(name), () -> Endpoint.connect(name))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
                assertTrue(e.getMessage().contains("empty"), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ after close

    @Test
    void everyCallAfterCloseThrowsClosedChannelExceptionAndCloseIsIdempotent() throws IOException {
        String name = Peers.uniqueName("closed");
        Listener listener = Listener.bind(name);
        Endpoint client = Endpoint.connect(name);
        Connection connection = admit(listener, client);
        Connection second;
        try (Endpoint other = Endpoint.connect(name)) {
            second = admit(listener, other);
        }

        connection.close();
        connection.close();
        assertFalse(connection.isOpen());
        assertClosed(() -> connection.reply(new byte[1]));
        assertClosed(() -> connection.reply(ByteBuffer.allocate(1), List.of()));

        client.close();
        client.close();
        assertClosed(() -> client.send(new byte[1]));
        assertClosed(() -> client.send(ByteBuffer.allocate(1), List.of()));
        assertClosed(client::recv);
        assertClosed(client::tryRecv);
        assertClosed(() -> client.recv(Duration.ofMillis(10)));
        assertClosed(client::peerCredentials);

        listener.close();
        listener.close();
        assertClosed(listener::accept);
        assertClosed(listener::tryAccept);
        assertClosed(() -> listener.accept(Duration.ofMillis(10)));
        // the listener's close closed the connections of its clients too
        assertFalse(second.isOpen());
        assertClosed(() -> second.reply(new byte[1]));
        second.close();
        assertNotEquals(null, listener.descriptor(), "non-I/O accessors keep working");
    }

    private static void assertClosed(Executable call) {
        Throwable t = assertThrows(ClosedChannelException.class, call);
        assertFalse(t instanceof AsynchronousCloseException, "nothing was blocked: " + t);
    }
}
