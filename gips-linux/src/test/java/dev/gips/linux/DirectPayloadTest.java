package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20: a send without handles goes from the caller's array in one critical {@code send} (once the buffers have
 * sent {@link MsgBuffers#DIRECT_SEND_AFTER} messages the other way), and a large datagram
 * without control data is received straight into its array with one critical {@code recv} after a length peek
 * ({@link Wire#DIRECT_MIN}). Both only where critical calls may be linked (this JDK; {@link CriticalFallbackTest}
 * runs the other side). These tests walk every turn of those paths on a socket pair, with both kinds of receive
 * buffers: what arrives is what was sent, with its handles, in order, and a full socket still waits or refuses.
 */
@ExtendWith(LeakCheck.class)
class DirectPayloadTest {
    private static final int LARGE = (int) Wire.DIRECT_MIN + 123;
    private static final long[] NONE = {};
    private static final Where WHERE = new Where("direct-test", "socketpair");

    @Test
    void largeAndSmallMessagesWithAndWithoutHandlesArriveWholeAndInOrder() throws IOException {
        assertTrue(Native.CRITICAL_WITH_ERRNO, "this JDK links critical calls with errno (JDK 24+)");
        try (Arena arena = Arena.ofShared()) {
            check(MsgBuffers.forWholeMessages(arena));
        }
        check(new MsgBuffers()); // the buffers that always peek (where the OS refuses the big reservation)
    }

    private static void check(MsgBuffers in) throws IOException {
        try (Peers.SocketPair pair = Peers.SocketPair.open()) {
            int memfd = Peers.memfd("direct");
            try {
                SeqpacketSocket from = new SeqpacketSocket(pair.a(), WHERE, SeqpacketSocket.PeerKind.JAVA);
                SeqpacketSocket to = new SeqpacketSocket(pair.b(), WHERE, SeqpacketSocket.PeerKind.JAVA);
                MsgBuffers out = warmedUp(new MsgBuffers());

                byte[] first = pattern(LARGE, 1);
                Wire.send(from, out, first, null, NONE, null);
                assertArrayEquals(first, receive(to, in, 0));
                assertTrue(in.peeksFirst(), "after a large datagram the next receive peeks first");

                byte[] second = pattern(LARGE + 1, 2); // the direct receive
                Wire.send(from, out, second, null, NONE, null);
                assertArrayEquals(second, receive(to, in, 0));
                assertTrue(in.peeksFirst());

                byte[] withHandle = pattern(LARGE, 3); // control data: the recvmsg path, with its descriptor
                Wire.send(from, out, withHandle, null, new long[] {memfd}, null);
                assertArrayEquals(withHandle, receive(to, in, 1));

                byte[] small = pattern(100, 4);
                Wire.send(from, out, small, null, NONE, null);
                assertArrayEquals(small, receive(to, in, 0));
                assertFalse(in.peeksFirst(), "after a small datagram the next receive is one recvmsg again");

                // a heap buffer's slice: the send starts at its array offset and position
                byte[] backing = pattern(LARGE + 40, 5);
                ByteBuffer slice = ByteBuffer.wrap(backing, 7, LARGE + 20).slice().position(13);
                byte[] expected = Arrays.copyOfRange(backing, 20, 7 + LARGE + 20);
                for (int i = 0; i < 2; i++) { // by recvmsg, then direct
                    Wire.send(from, out, null, slice, NONE, null);
                    assertEquals(13, slice.position(), "the send leaves the buffer's position alone");
                    assertArrayEquals(expected, receive(to, in, 0));
                }

                byte[] empty = {};
                Wire.send(from, out, pattern(LARGE, 6), null, NONE, null);
                Wire.send(from, out, empty, null, new long[] {memfd}, null); // a name-less pair: 0 bytes need control
                assertArrayEquals(pattern(LARGE, 6), receive(to, in, 0));
                assertArrayEquals(empty, receive(to, in, 1));

                Wire.send(from, out, pattern(LARGE, 7), null, NONE, null);
                Wire.send(from, out, pattern(LARGE, 8), null, NONE, null);
                Sockets.shutdown(pair.a());
                assertArrayEquals(pattern(LARGE, 7), receive(to, in, 0));
                assertArrayEquals(pattern(LARGE, 8), receive(to, in, 0));
                assertSame(Wire.HUNG_UP, Wire.receivePayload(to, in, true), "end-of-stream after large datagrams");
            } finally {
                Fds.closeQuietly(memfd);
            }
        }
    }

    @Test
    void aFullSocketRefusesANonWaitingSendAndMakesABlockingOneWait() throws Exception {
        try (Peers.SocketPair pair = Peers.SocketPair.open(); Arena arena = Arena.ofShared()) {
            SeqpacketSocket from = new SeqpacketSocket(pair.a(), WHERE, SeqpacketSocket.PeerKind.JAVA);
            SeqpacketSocket to = new SeqpacketSocket(pair.b(), WHERE, SeqpacketSocket.PeerKind.JAVA);
            MsgBuffers out = warmedUp(new MsgBuffers());
            MsgBuffers in = MsgBuffers.forWholeMessages(arena);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; ; i++) {
                byte[] p = pattern(LARGE, i);
                try {
                    Wire.send(from, out, p, null, NONE, Datagram.NEVER_WAIT);
                } catch (Datagram.WouldBlock e) {
                    break; // full: nothing of this one was sent
                }
                sent.add(p);
                assertTrue(i < 10_000, "the socket never filled");
            }
            byte[] last = pattern(LARGE, -1);
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try {
                    Wire.send(from, warmedUp(new MsgBuffers()), last, null, NONE, null); // EAGAIN, then sendmsg
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            sent.add(last);
            for (byte[] p : sent) {
                assertArrayEquals(p, receive(to, in, 0));
            }
            blocked.get(20, TimeUnit.SECONDS);
            assertSame(Wire.NOTHING, Wire.receivePayload(to, in, false), "nothing more was sent");
        }
    }

    @Test
    void freshBuffersSendThroughSendmsgFirst() {
        MsgBuffers b = new MsgBuffers();
        for (int i = 0; i < MsgBuffers.DIRECT_SEND_AFTER; i++) {
            assertFalse(b.sendsDirectly(), "send " + i);
        }
        assertTrue(b.sendsDirectly());
        assertTrue(b.sendsDirectly());
    }

    /** Buffers whose sends without handles go from the caller's array from now on. */
    private static MsgBuffers warmedUp(MsgBuffers b) {
        while (!b.sendsDirectly()) {
            // counting the sends a fresh channel makes through sendmsg
        }
        return b;
    }

    /** Receives one message, waiting for it, checks it carried {@code handles} descriptors and closes them. */
    private static byte[] receive(SeqpacketSocket s, MsgBuffers b, int handles) throws IOException {
        byte[] payload = Wire.receivePayload(s, b, true);
        int[] fds = b.takeFds();
        Fds.closeAll(fds);
        assertEquals(handles, fds.length, "descriptors that came with the message");
        return payload;
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 8));
        }
        return b;
    }
}
