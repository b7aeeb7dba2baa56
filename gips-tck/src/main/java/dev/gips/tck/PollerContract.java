package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Source;
import dev.gips.poll.Token;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Poller}: tokens, the waker, level-triggered readiness of listeners, endpoints and connections, interest
 * changes, a client that dies, close while another thread polls, the README's event-driven server.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class PollerContract {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Polls until an event for {@code token} arrives (spurious events tolerated), at most 3 × 500 ms as MIO does. */
    private static Event expectEvent(Poller poller, Events events, Token token) throws Exception {
        for (int i = 0; i < 3; i++) {
            poller.poll(events, Duration.ofMillis(500));
            for (Event e : events) {
                if (e.token().equals(token)) {
                    return e;
                }
            }
        }
        throw new AssertionError("no event for " + token);
    }

    private static void expectNoEvent(Poller poller, Events events, Token token) throws Exception {
        poller.poll(events, Duration.ofMillis(50));
        for (Event e : events) {
            assertFalse(e.token().equals(token), "unexpected event " + e);
        }
    }

    @Test
    void tokensStartAtOneAndWakerIsZero() throws Exception {
        String name = Peers.uniqueName("poll-tokens");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint endpoint = Endpoint.connect(name)) {
            assertEquals(1, poller.register(listener, Interest.READABLE).value());
            assertEquals(2, poller.register(endpoint, Interest.READABLE).value());
            assertEquals(0, Token.WAKER.value());
        }
    }

    @Test
    void wakeFromAnotherThreadReturnsBlockedPoll() throws Exception {
        try (Poller poller = Poller.create()) {
            Events events = Events.withCapacity(8);
            CompletableFuture<Void> waker = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(100); // the poll below must be blocked first for this to prove anything
                    poller.wake();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            poller.poll(events, null);
            waker.get(5, TimeUnit.SECONDS);
            assertEquals(1, events.size());
            assertTrue(events.iterator().next().fromWaker());
        }
    }

    @Test
    void wakeWithNobodyPollingIsNotLost() throws Exception {
        try (Poller poller = Poller.create()) {
            Events events = Events.withCapacity(8);
            poller.wake();
            poller.wake(); // coalesced
            poller.poll(events, WAIT);
            assertEquals(1, events.size());
            assertTrue(events.iterator().next().fromWaker());
            poller.poll(events, Duration.ZERO);
            assertTrue(events.isEmpty(), "the waker was drained");
        }
    }

    @Test
    void listenerStaysReadableWhileMessagesWait() throws Exception {
        String name = Peers.uniqueName("poll-level");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint endpoint = Endpoint.connect(name)) {
            Token token = poller.register(listener, Interest.READABLE);
            Events events = Events.withCapacity(16);
            for (int i = 0; i < 3; i++) {
                endpoint.send(new byte[] {(byte) i});
            }
            // one message per event: each poll reports the listener again until all three are taken
            List<Byte> got = new ArrayList<>();
            while (got.size() < 3) {
                Event e = expectEvent(poller, events, token);
                assertTrue(e.isReadable());
                listener.tryAccept().ifPresent(p -> got.add(p.message().payload()[0]));
            }
            assertEquals(List.of((byte) 0, (byte) 1, (byte) 2), got);
            // nothing waits any more (the connect event was consumed with the first message)
            expectNoEvent(poller, events, token);
        }
    }

    @Test
    void endpointReadableWhenReplyWaitsAndDeregisterStopsEvents() throws Exception {
        String name = Peers.uniqueName("poll-endpoint");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint endpoint = Endpoint.connect(name)) {
            Token token = poller.register(endpoint, Interest.READABLE);
            Events events = Events.withCapacity(16);
            expectNoEvent(poller, events, token);
            endpoint.send("ping".getBytes());
            listener.accept(WAIT).orElseThrow().reply("pong".getBytes());
            assertTrue(expectEvent(poller, events, token).isReadable());
            assertTrue(expectEvent(poller, events, token).isReadable(), "level-triggered: still there");
            poller.deregister(endpoint, token);
            expectNoEvent(poller, events, token);
            assertArrayEquals("pong".getBytes(), endpoint.tryRecv().orElseThrow().payload());
            assertThrows(IllegalArgumentException.class, () -> poller.deregister(endpoint, token));
        }
    }

    @Test
    void reregisterChangesInterest() throws Exception {
        String name = Peers.uniqueName("poll-rereg");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send("hello".getBytes());
            Connection connection = listener.accept(WAIT).orElseThrow().connection();
            Token token = poller.register(connection, Interest.WRITABLE);
            Events events = Events.withCapacity(16);
            Event e = expectEvent(poller, events, token);
            assertTrue(e.isWritable());
            assertFalse(e.isReadable());
            poller.reregister(connection, token, Interest.READABLE);
            expectNoEvent(poller, events, token);   // nothing to read, and writable is no longer of interest
            endpoint.send("more".getBytes());
            Event r = expectEvent(poller, events, token);
            assertTrue(r.isReadable());
            assertFalse(r.isWritable());
            assertThrows(IllegalArgumentException.class,
                    () -> poller.reregister(connection, new Token(token.value() + 100), Interest.READABLE));
        }
    }

    @Test
    void deadClientIsReportedThenDeregisteredAndClosed() throws Exception {
        String name = Peers.uniqueName("poll-dead");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name)) {
            Process child = Peers.javaChild(PeerMain.class, "hold", name).start();
            Pod pod = listener.accept(Peers.WAIT).orElseThrow();
            Connection connection = pod.connection();
            Token token = poller.register(connection, Interest.READABLE);
            Peers.kill(child);
            Events events = Events.withCapacity(16);
            assertTrue(expectEvent(poller, events, token).isReadable(), "hang-up is readable");
            // the listener notices the hang-up and closes the connection itself
            assertEquals(Optional.empty(), listener.accept(Duration.ofMillis(200)));
            assertFalse(connection.isOpen());
            poller.deregister(connection, token);
            connection.close();
            expectNoEvent(poller, events, token);
        }
    }

    @Test
    void closeWhileBlockedInPollThrowsAsynchronousClose() throws Exception {
        Poller poller = Poller.create();
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                poller.poll(Events.withCapacity(4), null);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(100); // let it block; the assertion below holds either way
        poller.close();
        Throwable t = blocked.get(5, TimeUnit.SECONDS);
        assertInstanceOf(ClosedChannelException.class, t);
        assertThrows(ClosedChannelException.class, () -> poller.poll(Events.withCapacity(1), Duration.ZERO));
        poller.close();
    }

    @Test
    void refusesForeignSourcesAndWritableListeners() throws Exception {
        String name = Peers.uniqueName("poll-bad");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name)) {
            assertThrows(IllegalArgumentException.class, () -> poller.register(new Source() {}, Interest.READABLE));
            assertThrows(IllegalArgumentException.class, () -> poller.register(listener, Interest.WRITABLE));
            assertThrows(NullPointerException.class, () -> poller.register(listener, null));
            poller.register(listener, Interest.READABLE);
            var e = assertThrows(java.io.IOException.class, () -> poller.register(listener, Interest.READABLE));
            assertTrue(e.getMessage().contains("already registered"), e.getMessage());
        }
    }

    /** The Rust README's "Event-Driven Server", as written (here bounded instead of loop-forever). */
    @Test
    void readmeEventDrivenServerWorksAsWritten() throws Exception {
        String name = Peers.uniqueName("poll-readme");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint client = Endpoint.connect(name)) {
            Token token = poller.register(listener, Interest.READABLE);
            Events events = Events.withCapacity(128);
            client.send("hello".getBytes());
            Pod pod = null;
            for (int round = 0; round < 10 && pod == null; round++) {
                poller.poll(events, Duration.ofSeconds(1));
                for (Event event : events) {
                    if (event.token().equals(token) && event.isReadable()) {
                        pod = listener.accept();
                    }
                }
            }
            assertArrayEquals("hello".getBytes(), pod.message().payload());
        }
    }
}
