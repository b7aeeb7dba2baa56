package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.spi.Arrival;
import dev.gips.spi.RawHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener takes a streaming plain client's datagrams up to {@link ReceiveBatch#SLOTS} per {@code recvmmsg}
 * ({@code burst.py}, a Python client without an address, so that every datagram also carries its credentials): each
 * is delivered as a single receive would deliver it, in order, with its descriptors; what waits in a batch is never
 * stranded, neither by the client closing nor by a poller that starts watching; a client closed with datagrams waiting
 * leaves no descriptor open.
 */
@ExtendWith(LeakCheck.class)
class ReceiveBatchTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long WAIT_NANOS = WAIT.toNanos();

    @Test
    void aStreamingPlainClientsDatagramsComeInOrderWithTheirDescriptorsAndThenItsHangUp() throws Exception {
        int count = 600;
        String name = Peers.uniqueName("batch");
        SeqpacketListener listener = SeqpacketListener.bind(name, false);
        Process p = Peers.python("burst.py", "/tmp/" + name, String.valueOf(count), "5", "close").start();
        try {
            admit(listener);
            for (int i = 0; i < count; i++) {
                Arrival a = listener.receive(WAIT_NANOS);
                assertEquals(Arrival.Kind.MESSAGE, a.kind(), "datagram " + i);
                assertArrayEquals(expectedPayload(i), a.message().payload(), "datagram " + i);
                assertEquals(i % 5 == 0 ? 1 : 0, a.message().handles().size(), "descriptors of datagram " + i);
                for (RawHandle h : a.message().handles()) {
                    int fd = (int) h.value();
                    assertArrayEquals(le(i), Files.readAllBytes(Path.of("/proc/self/fd/" + fd)), "memfd of " + i);
                    Fds.closeQuietly(fd);
                }
            }
            assertEquals("SENT", Peers.readLine(p, WAIT));
            assertEquals(Arrival.Kind.DISCONNECTED, listener.receive(WAIT_NANOS).kind());
            long[] batches = listener.receiveBatchesForTest();
            assertTrue(batches[0] > 0, "no batch was taken");
            assertEquals(0, batches[1], "datagrams left waiting");
        } finally {
            p.destroyForcibly();
            listener.close();
        }
    }

    @Test
    void datagramsWaitingInABatchAreReportedToAPollerThatStartsWatchingThen() throws Exception {
        // 16 datagrams come through epoll before the client counts as streaming, then one batch takes the other 8:
        // the client's socket is empty while 7 wait in the batch
        int count = 24;
        String name = Peers.uniqueName("batchpoll");
        SeqpacketListener listener = SeqpacketListener.bind(name, false);
        Process p = Peers.python("burst.py", "/tmp/" + name, String.valueOf(count), "1000", "wait").start();
        EpollPoller poller = EpollPoller.open();
        try {
            admit(listener);
            assertEquals("SENT", Peers.readLine(p, WAIT));
            int taken = takeUntilABatchWaits(listener, count);
            poller.register(listener, 7, SysEpoll.EPOLLIN);
            long[] tokens = new long[8];
            int[] readiness = new int[8];
            while (taken < count) {
                assertTrue(poller.poll(tokens, readiness, WAIT_NANOS) > 0,
                        "the poller did not report the listener with " + (count - taken) + " datagrams waiting");
                assertEquals(7, tokens[0]);
                Arrival a;
                while ((a = listener.receive(0)) != null) {
                    assertArrayEquals(expectedPayload(taken), payloadClosingHandles(a), "datagram " + taken);
                    taken++;
                }
            }
            assertEquals(0, poller.poll(tokens, readiness, Duration.ofMillis(200).toNanos()),
                    "still reported once every datagram was taken");
        } finally {
            p.destroyForcibly();
            poller.close();
            listener.close();
        }
    }

    @Test
    void aClientClosedWithDatagramsWaitingInABatchLeavesNoDescriptorOpen() throws Exception {
        int count = 40;
        String name = Peers.uniqueName("batchclose");
        SeqpacketListener listener = SeqpacketListener.bind(name, false);
        Process p = Peers.python("burst.py", "/tmp/" + name, String.valueOf(count), "1", "wait").start();
        try {
            SeqpacketClient client = admit(listener);
            assertEquals("SENT", Peers.readLine(p, WAIT));
            long before = Peers.openFds();
            takeUntilABatchWaits(listener, count);
            client.close();
            assertEquals(null, listener.receive(Duration.ofMillis(100).toNanos()), "a closed client's datagram");
            assertEquals(0, listener.receiveBatchesForTest()[1], "datagrams left waiting");
            Peers.awaitFdsAtMost(before - 1, WAIT, () -> { }); // its descriptors, and its socket
        } finally {
            p.destroyForcibly();
            listener.close();
        }
    }

    /**
     * Takes the datagrams of {@code burst.py}, checking each and closing its descriptors, until some wait in a batch;
     * how many were taken.
     */
    private static int takeUntilABatchWaits(SeqpacketListener listener, int count) throws Exception {
        int taken = 0;
        while (listener.receiveBatchesForTest()[1] == 0) {
            assertArrayEquals(expectedPayload(taken), payloadClosingHandles(listener.receive(WAIT_NANOS)),
                    "datagram " + taken);
            taken++;
            assertTrue(taken < count, "no batch was taken");
        }
        return taken;
    }

    /** Takes the next arrival, a new client, and admits it. */
    private static SeqpacketClient admit(SeqpacketListener listener) throws Exception {
        Arrival a = listener.receive(WAIT_NANOS);
        assertEquals(Arrival.Kind.CONNECTED, a.kind());
        assertTrue(a.client().admit(new Object()));
        return (SeqpacketClient) a.client();
    }

    private static byte[] payloadClosingHandles(Arrival a) {
        for (RawHandle h : a.message().handles()) {
            Fds.closeQuietly((int) h.value());
        }
        return a.message().payload();
    }

    private static byte[] expectedPayload(int i) {
        if (i % 7 == 3) {
            return new byte[0];
        }
        ByteBuffer b = ByteBuffer.allocate(4 * (1 + i % 3)).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putInt(i);
        }
        return b.array();
    }

    private static byte[] le(int i) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array();
    }
}
