package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener receives with a single {@code recvmsg} into a buffer of the payload limit plus one byte: the largest
 * inline datagram a peer can send (the kernel's limit, about 4 MiB, far above gips' own inline size) arrives whole.
 */
@ExtendWith(LeakCheck.class)
class ListenerReceiveBufferTest {
    @Test
    void theLargestInlineDatagramTheKernelAllowsArrivesWhole() throws Exception {
        Peers.assumeRoot("the Python peer raises its send buffer beyond net.core.wmem_max with SO_SNDBUFFORCE");
        String name = Peers.uniqueName("bigdgram");
        try (Listener listener = Listener.bind(name)) {
            try (Peers.Running peer = Peers.start(Peers.python("big_datagram.py", "/tmp/" + name))) {
                String first = peer.nextLine(Duration.ofSeconds(30));
                assertTrue(first.startsWith("SIZE "), first);
                int size = Integer.parseInt(first.substring(5));
                assertTrue(size > Sockets.INLINE_MAX, "the kernel allows " + size + " bytes inline");
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    byte[] p = m.payload();
                    assertEquals(size, p.length);
                    for (int i = 0; i < size - size % 256; i++) {
                        if (p[i] != (byte) (i * 31 + 7)) {
                            throw new AssertionError("byte " + i + " differs");
                        }
                    }
                    pod.reply("intact".getBytes());
                }
                assertEquals("REPLY intact", peer.nextLine(Duration.ofSeconds(30)));
            }
        }
    }
}
