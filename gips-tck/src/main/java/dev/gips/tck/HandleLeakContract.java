package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No received handle leaks: not when a client is refused (its messages carried handles, one of them out of band on
 * Linux), and not over thousands of connections that send handles and hang up.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class HandleLeakContract {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void refusedClientsThatSentHandlesLeakNothing() throws IOException {
        String name = Peers.uniqueName("refused-handles");
        List<Handle> handles = Handles.tagged(253);
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withCredentialValidator(c -> {
            throw new dev.gips.ipc.PermissionDeniedException("nobody gets in");
        }))) {
            long baseline = Kit.hook().openHandles();
            for (int i = 0; i < 20; i++) {
                try (Endpoint client = Endpoint.connect(name)) {
                    client.send(new byte[10], handles.toArray(Handle[]::new));
                    client.send(new byte[300 * 1024], handles.subList(0, 252).toArray(Handle[]::new));
                    assertTrue(listener.tryAccept().isEmpty());
                    assertThrows(EOFException.class, () -> client.recv(WAIT));
                }
            }
            assertTrue(listener.tryAccept().isEmpty());
            assertEquals(baseline, Kit.hook().openHandles());
        } finally {
            handles.forEach(Handle::close);
        }
    }

    @Test
    void twoThousandConnectSendWithHandlesCloseRoundsLeakNoHandle() throws IOException {
        String name = Peers.uniqueName("rounds");
        List<Handle> handles = Handles.tagged(2);
        try (Listener listener = Listener.bind(name)) {
            Connection previous = round(listener, name, handles, -1);
            assertTrue(listener.tryAccept().isEmpty());
            long baseline = Kit.hook().openHandles();
            for (int i = 0; i < 2000; i++) {
                Connection c = round(listener, name, handles, i);
                if (i % 500 == 499) {
                    // at most the last client's hang-up is not yet noticed
                    assertTrue(Kit.hook().openHandles() <= baseline + 1, "handles grow: " + Kit.hook().openHandles()
                            + " > " + baseline + " after " + (i + 1) + " rounds");
                }
                previous = c;
            }
            assertTrue(listener.tryAccept().isEmpty()); // notices the last hang-up
            assertTrue(!previous.isOpen(), "the last client's connection was not closed after it hung up");
            assertEquals(baseline, Kit.hook().openHandles(), "handles leaked over 2000 rounds");
        } finally {
            handles.forEach(Handle::close);
        }
    }

    private static Connection round(Listener listener, String name, List<Handle> handles, int i) throws IOException {
        byte[] payload = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(i).array();
        try (Endpoint client = Endpoint.connect(name)) {
            client.send(payload, handles.toArray(Handle[]::new));
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(payload, m.payload());
                assertEquals(2, m.handles().size());
            }
            if (i % 2 == 0) {
                pod.reply(payload, handles.toArray(Handle[]::new)); // half of them with a reply left unread
            }
            return pod.connection();
        }
    }
}
