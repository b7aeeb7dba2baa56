package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
        try (ShmChannel server = ShmChannel.create(WHERE); ShmChannel client = offerTo(server)) {
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
        try (ShmChannel server = ShmChannel.create(WHERE)) {
            int memfd = server.memfdForTest();
            IOException wrongSize = assertThrows(IOException.class, () -> ShmChannel.adopt(dup(memfd),
                    ShmChannel.RING_SIZE * 2, WHERE));
            assertTrue(wrongSize.getMessage().contains("rings of"), wrongSize.getMessage());
            int unsealed = Peers.memfd("unsealed");
            IOException notSealed = assertThrows(IOException.class, () -> ShmChannel.adopt(unsealed,
                    ShmChannel.RING_SIZE, WHERE));
            assertTrue(notSealed.getMessage().contains("sealed"), notSealed.getMessage());
        }
        assertEquals(before, Peers.openFds(), "every descriptor offered was closed");
    }

    private static ShmChannel offerTo(ShmChannel server) throws IOException {
        return ShmChannel.adopt(dup(server.memfdForTest()), ShmChannel.RING_SIZE, WHERE);
    }

    private static int dup(long fd) {
        int copy = Fcntl.fcntl(Native.threadCapture(), (int) fd, Fcntl.F_DUPFD_CLOEXEC, 0);
        assertTrue(copy >= 0);
        return copy;
    }
}
