package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Regression: payloads up to the send buffer travel as plain gips 0.2.0 datagrams, not out of band. */
@ExtendWith(LeakCheck.class)
class InlineWireTest {
    @Test
    void payloadAtTheInlineLimitArrivesAsOnePlainDatagram() throws Exception {
        try (Peers.SocketPair pair = Peers.SocketPair.open(); Arena arena = Arena.ofConfined()) {
            for (int size : new int[] {8, 64 * 1024, Sockets.inlineMax(pair.a())}) {
                byte[] payload = new byte[size];
                for (int i = 0; i < size; i++) {
                    payload[i] = (byte) (i * 7 + 1);
                }
                SeqpacketSocket plain = new SeqpacketSocket(pair.a(), new Where("pair", "pair"),
                        SeqpacketSocket.PeerKind.PLAIN);
                Wire.send(plain, new MsgBuffers(), null, ByteBuffer.wrap(payload), new long[0], null);
                // a raw read, as a gips 0.2.0 or any SOCK_SEQPACKET peer does it
                MemorySegment buf = arena.allocate(size + 64);
                long n = Unistd.read(Native.allocateCapture(arena), pair.b(), buf, buf.byteSize());
                assertEquals(size, n, "one datagram of exactly the payload");
                assertArrayEquals(payload, buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        }
    }
}
