package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A shared-memory channel's two sides, with the memfd duplicated as passing it over a socket would: each side reads
 * what the other writes, and what an endpoint is offered is checked before it maps anything.
 */
@ExtendWith(LeakCheck.class)
class ShmChannelTest {
    private static final Where WHERE = new Where("channel-test", "channel-test");

    @Test
    void eachSideReadsWhatTheOtherWrites() throws Exception {
        try (ShmChannel server = ShmChannelMemory.create(WHERE); ShmChannel client = offerTo(server)) {
            assertTrue(client.out.offer("ping".getBytes(), 0, 4));
            assertArrayEquals("ping".getBytes(), server.in.poll());
            assertTrue(server.out.offer("pong".getBytes(), 0, 4));
            assertArrayEquals("pong".getBytes(), client.in.poll());
            assertTrue(client.out.takeConsumerWaiting(), "a new channel's consumers start asleep: the first record"
                    + " rings");
        }
    }

    @Test
    void anEndpointRefusesAnOfferItCannotUseSafelyAndClosesWhatItGot() throws Exception {
        long before = Peers.openFds();
        try (ShmChannel server = ShmChannelMemory.create(WHERE)) {
            int memfd = server.memfdForTest();
            IOException wrongSize = assertThrows(IOException.class, () -> ShmChannelMemory.adopt(dup(memfd),
                    ShmChannel.RING_SIZE * 2, WHERE));
            assertTrue(wrongSize.getMessage().contains("rings of"), wrongSize.getMessage());
            int unsealed = Peers.memfd("unsealed");
            IOException notSealed = assertThrows(IOException.class, () -> ShmChannelMemory.adopt(unsealed,
                    ShmChannel.RING_SIZE, WHERE));
            assertTrue(notSealed.getMessage().contains("sealed"), notSealed.getMessage());
        }
        assertEquals(before, Peers.openFds(), "every descriptor offered was closed");
    }

    @Test
    void aJavaPairMovesToTheChannelAndKeepsTheOrderOfMessagesWithHandlesAndOfEverySize() throws Exception {
        String name = Peers.uniqueName("channel");
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withSharedMemoryChannel(true))) {
            Thread server = Thread.ofPlatform().daemon().start(() -> echo(listener));
            SeqpacketEndpoint client = SeqpacketEndpoint.connect(name, -1, true);
            try {
                assertArrayEquals(bytes(1), roundTrip(client, bytes(1), new long[0]).payload());
                assertArrayEquals(bytes(2), roundTrip(client, bytes(2), new long[0]).payload());
                assertTrue(client.usesShmChannel(), "both directions in shared memory after the switch");
                // in a row, so that ring records and announced datagrams interleave in both directions
                int[] sizes = {0, 5, 16_384, 16_385, 100_000, 1 << 20, 7, 64};
                for (int i = 0; i < sizes.length; i++) {
                    int fd = i % 3 == 1 ? Peers.memfd("handle-" + i) : -1;
                    client.send(bytes(sizes[i]), fd < 0 ? new long[0] : new long[] {fd});
                    Fds.closeQuietly(fd);
                }
                for (int size : sizes) {
                    RawMessage m = client.receive(-1);
                    assertArrayEquals(bytes(size), m.payload(), "echo of " + size + " bytes, in order");
                    m.handles().forEach(h -> Fds.closeQuietly((int) h.value()));
                }
                assertTrue(client.usesShmChannel());
            } finally {
                client.close();
                listener.close();
                server.join(5_000);
            }
        }
    }

    @Test
    void byDefaultAClientIsOfferedTheChannelOnlyOnceItKeepsTalking() throws Exception {
        String name = Peers.uniqueName("channel-lazy");
        String was = System.setProperty(ShmChannel.OFFER_AFTER_PROPERTY, "" + ShmChannel.DEFAULT_OFFER_AFTER);
        Listener bound;
        try {
            bound = Listener.bind(new ServiceDescriptor(name).withSharedMemoryChannel(true)); // reads the property
        } finally {
            if (was == null) {
                System.clearProperty(ShmChannel.OFFER_AFTER_PROPERTY);
            } else {
                System.setProperty(ShmChannel.OFFER_AFTER_PROPERTY, was);
            }
        }
        try (Listener listener = bound) {
            Thread server = Thread.ofPlatform().daemon().start(() -> echo(listener));
            SeqpacketEndpoint client = SeqpacketEndpoint.connect(name, -1, true);
            try {
                for (int i = 0; i < ShmChannel.DEFAULT_OFFER_AFTER; i++) {
                    assertArrayEquals(bytes(i), roundTrip(client, bytes(i), new long[0]).payload());
                    assertFalse(client.usesShmChannel(), "a short-lived client stays on the socket: message " + i);
                }
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(bytes(i), roundTrip(client, bytes(i), new long[0]).payload());
                }
                assertTrue(client.usesShmChannel(), "offered after " + ShmChannel.DEFAULT_OFFER_AFTER + " messages");
            } finally {
                client.close();
                listener.close();
                server.join(5_000);
            }
        }
    }

    @Test
    void withTheChannelOffOnEitherSideEverythingStaysOnTheSocket() throws Exception {
        for (boolean listenerOn : new boolean[] {false, true}) {
            String name = Peers.uniqueName("channel-off");
            try (Listener listener = Listener.bind(new ServiceDescriptor(name).withSharedMemoryChannel(listenerOn))) {
                Thread server = Thread.ofPlatform().daemon().start(() -> echo(listener));
                SeqpacketEndpoint client = SeqpacketEndpoint.connect(name, -1, !listenerOn);
                try {
                    for (int i = 0; i < 5; i++) {
                        assertArrayEquals(bytes(i), roundTrip(client, bytes(i), new long[0]).payload());
                    }
                    assertFalse(client.usesShmChannel(), "listener " + listenerOn);
                } finally {
                    client.close();
                    listener.close();
                    server.join(5_000);
                }
            }
        }
    }

    private static RawMessage roundTrip(SeqpacketEndpoint client, byte[] payload, long[] handles) throws IOException {
        client.send(payload, handles);
        return client.receive(TimeUnit.SECONDS.toNanos(10));
    }

    /** Echoes every message with its handles until the listener closes. */
    private static void echo(Listener listener) {
        try {
            for (;;) {
                Pod pod = listener.accept();
                try (Message m = pod.message()) {
                    pod.reply(m.payload(), m.handles().toArray(new Handle[0]));
                }
            }
        } catch (IOException closed) {
            // the test closed the listener
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + n);
        }
        return b;
    }

    private static ShmChannel offerTo(ShmChannel server) throws IOException {
        return ShmChannelMemory.adopt(dup(server.memfdForTest()), ShmChannel.RING_SIZE, WHERE);
    }

    private static int dup(long fd) {
        int copy = Fcntl.fcntl(Native.threadCapture(), (int) fd, Fcntl.F_DUPFD_CLOEXEC, 0);
        assertTrue(copy >= 0);
        return copy;
    }
}
