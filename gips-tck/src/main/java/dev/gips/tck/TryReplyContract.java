package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Connection#tryReply}: a client that never reads its replies fills its socket; {@code tryReply} then returns
 * {@code false} at once, sends nothing (no partial message, no descriptor, the buffer's position unchanged), and
 * works again once the client reads, which a poller reports as WRITABLE. Other clients are served meanwhile.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class TryReplyContract {
    /** Replies until the client's queue is full; returns how many went out. Bounded so a bug cannot spin forever. */
    private static int fill(Connection c, byte[] reply, Handle... handles) throws IOException {
        for (int sent = 0; sent < 1_000_000; sent++) {
            if (!c.tryReply(reply, handles)) {
                return sent;
            }
        }
        throw new AssertionError("tryReply never reported a full queue");
    }

    private static Pod admit(Listener listener, Endpoint client, String hello) throws IOException {
        client.send(hello.getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        pod.message().close();
        return pod;
    }

    @Test
    void aClientThatNeverReadsMakesTryReplyReturnFalseWithoutBlockingOrSendingAndOthersAreServed()
            throws IOException {
        String name = Peers.uniqueName("try-reply");
        try (Listener listener = Listener.bind(name); Endpoint stuck = Endpoint.connect(name);
                Endpoint other = Endpoint.connect(name)) {
            Connection c = admit(listener, stuck, "stuck").connection();
            byte[] reply = new byte[1000];
            int sent = fill(c, reply);
            assertTrue(sent > 0, "not even one reply fitted");

            // false again, at once, and the buffer is left for a retry
            ByteBuffer pending = ByteBuffer.wrap("pending".getBytes(UTF_8));
            assertFalse(c.tryReply(pending, List.of()));
            assertEquals(0, pending.position());
            assertTrue(c.isOpen(), "a full client is not a gone client");

            // another client is served while this one is stuck
            Pod pod = admit(listener, other, "other");
            assertTrue(pod.tryReply("hi".getBytes(UTF_8)));
            try (Message m = Peers.recvOne(other)) {
                assertArrayEquals("hi".getBytes(UTF_8), m.payload());
            }

            // the stuck client finally reads: exactly the replies that were accepted, then the retried one
            for (int i = 0; i < sent; i++) {
                try (Message m = Peers.recvOne(stuck)) {
                    assertEquals(reply.length, m.payload().length);
                }
                if (i == 0) {
                    assertTrue(c.tryReply(pending, List.of()), "no room after the client read");
                    assertEquals(pending.limit(), pending.position());
                }
            }
            try (Message m = Peers.recvOne(stuck)) {
                assertArrayEquals("pending".getBytes(UTF_8), m.payload());
            }
            assertTrue(stuck.tryRecv().isEmpty(), "a refused tryReply delivered something");
        }
    }

    @Test
    void aRefusedTryReplyWithHandlesLeaksNoHandleAndDeliversNone() throws IOException {
        String name = Peers.uniqueName("try-reply-fds");
        List<Handle> handles = Handles.tagged(3);
        try (Listener listener = Listener.bind(name); Endpoint stuck = Endpoint.connect(name)) {
            Connection c = admit(listener, stuck, "stuck").connection();
            int sent = fill(c, new byte[100], handles.toArray(Handle[]::new));
            long handlesOpen = Kit.hook().openHandles();
            for (int i = 0; i < 100; i++) {
                assertFalse(c.tryReply(new byte[100], handles.toArray(Handle[]::new)));
            }
            assertEquals(handlesOpen, Kit.hook().openHandles(), "refused tryReply calls leaked handles");
            for (int i = 0; i < sent; i++) {
                try (Message m = Peers.recvOne(stuck)) {
                    assertEquals(3, m.handles().size());
                }
            }
            assertTrue(stuck.tryRecv().isEmpty());
        } finally {
            handles.forEach(Handle::close);
        }
    }

    @Test
    void aPollerReportsTheFullConnectionWritableOnceTheClientReads() throws Exception {
        Kit.assumeHas(OsHook.Feature.WRITABLE_ONLY_WITH_ROOM);
        String name = Peers.uniqueName("try-reply-poll");
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name);
                Endpoint stuck = Endpoint.connect(name)) {
            Connection c = admit(listener, stuck, "stuck").connection();
            int sent = fill(c, new byte[4096]);
            Token token = poller.register(c, Interest.WRITABLE);
            Events events = Events.withCapacity(8);
            poller.poll(events, Duration.ofMillis(50));
            assertFalse(events.iterator().hasNext(), "a full connection was reported writable");

            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < sent; i++) {
                        Peers.recvOne(stuck).close();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            boolean writable = false;
            long deadline = System.nanoTime() + Peers.WAIT.toNanos();
            while (!writable && System.nanoTime() < deadline) {
                poller.poll(events, Duration.ofSeconds(1));
                for (Event e : events) {
                    writable |= e.token().equals(token) && e.isWritable();
                }
            }
            assertTrue(writable, "the connection was never reported writable");
            assertTrue(c.tryReply("after".getBytes(UTF_8)));
            reader.join();
            try (Message m = Peers.recvOne(stuck)) {
                assertArrayEquals("after".getBytes(UTF_8), m.payload());
            }
            poller.deregister(c, token);
        }
    }

    @Test
    void tryReplyChecksLikeReplyAndReportsAGoneClient() throws IOException {
        String name = Peers.uniqueName("try-reply-checks");
        try (Listener listener = Listener.bind(name)) {
            Connection c;
            try (Endpoint client = Endpoint.connect(name)) {
                c = admit(listener, client, "hi").connection();
                assertThrows(IllegalArgumentException.class, () -> c.tryReply(new byte[16 * 1024 * 1024 + 1]));
            }
            // the client is gone: an IOException (or, once the listener noticed, a closed channel), never false
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 10; i++) {
                    c.tryReply("late".getBytes(UTF_8));
                }
            });
            c.close();
            assertThrows(ClosedChannelException.class, () -> c.tryReply("closed".getBytes(UTF_8)));
        }
    }
}
