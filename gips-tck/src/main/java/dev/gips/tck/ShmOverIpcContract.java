package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared memory cases of the Rust crate's {@code tests/ipc.rs}: regions travelling as handles in messages. */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ShmOverIpcContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void transferShmObjectViaIpc() throws Exception {
        String service = Peers.uniqueName("shm-ipc");
        try (Listener listener = Listener.bind(service);
                Endpoint client = Endpoint.connect(service);
                Shm shm = Shm.create(null, 4096)) {
            shm.write(bytes("Hello from client shared memory!"), 0);
            try (Handle h = Handle.of(shm)) {
                client.send(bytes("shm"), h);
            }
            Pod pod = listener.accept(WAIT).orElseThrow();
            try (Message m = pod.message()) {
                assertEquals(1, m.handles().size());
                try (Shm received = Shm.from(m.handles().get(0))) {
                    assertEquals(4096, received.capacity());
                    assertArrayEquals(bytes("Hello from client shared memory!"), received.read(0, 32));
                    received.write(bytes("Server response"), 100);
                }
                pod.reply(bytes("done"));
            }
            try (Message reply = client.recv(WAIT).orElseThrow()) {
                assertArrayEquals(bytes("done"), reply.payload());
            }
            assertArrayEquals(bytes("Server response"), shm.read(100, 15), "the client sees the server's write");
        }
    }

    @Test
    void transferMultipleShmObjectsViaIpc() throws Exception {
        String service = Peers.uniqueName("shm-ipc");
        List<Shm> regions = new ArrayList<>();
        try (Listener listener = Listener.bind(service); Endpoint client = Endpoint.connect(service)) {
            List<Handle> handles = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Shm s = Shm.create(null, 1024 * (i + 1));
                regions.add(s);
                s.write(bytes("region " + i), 0);
                handles.add(Handle.of(s));
            }
            client.send(java.nio.ByteBuffer.wrap(bytes("five")), handles);
            handles.forEach(Handle::close);

            Pod pod = listener.accept(WAIT).orElseThrow();
            try (Message m = pod.message()) {
                assertEquals(5, m.handles().size());
                for (int i = 0; i < 5; i++) {
                    try (Shm received = Shm.from(m.handles().get(i))) {
                        assertEquals(1024 * (i + 1), received.capacity(), "handles arrive in order");
                        assertArrayEquals(bytes("region " + i), received.read(0, 8));
                        received.write(bytes("seen " + i), 512);
                    }
                }
                assertTrue(m.handles().stream().noneMatch(Handle::isOpen), "every handle was taken");
            }
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(bytes("seen " + i), regions.get(i).read(512, 6));
            }
        } finally {
            regions.forEach(Shm::close);
        }
    }

    @Test
    void bidirectionalShmTransferViaIpc() throws Exception {
        String service = Peers.uniqueName("shm-ipc");
        try (Listener listener = Listener.bind(service);
                Endpoint client = Endpoint.connect(service);
                Shm clientShm = Shm.create(null, 2048)) {
            clientShm.write(bytes("client data"), 0);
            try (Handle h = Handle.of(clientShm)) {
                client.send(bytes("from client"), h);
            }
            Pod pod = listener.accept(WAIT).orElseThrow();
            try (Message m = pod.message();
                    Shm fromClient = Shm.from(m.handles().get(0));
                    Shm serverShm = Shm.create(null, 2048)) {
                assertArrayEquals(bytes("client data"), fromClient.read(0, 11));
                fromClient.write(bytes("server was here"), 50);
                serverShm.write(bytes("server data"), 0);
                try (Handle h = Handle.of(serverShm)) {
                    pod.reply(bytes("from server"), h);
                }
                try (Message reply = client.recv(WAIT).orElseThrow();
                        Shm fromServer = Shm.from(reply.handles().get(0))) {
                    assertArrayEquals(bytes("server data"), fromServer.read(0, 11));
                    fromServer.write(bytes("client was here"), 50);
                }
                assertArrayEquals(bytes("client was here"), serverShm.read(50, 15), "the server sees the client");
            }
            assertArrayEquals(bytes("server was here"), clientShm.read(50, 15), "the client sees the server");
        }
    }

    @Test
    void aHandleNobodyTookIsClosedWithItsMessage() throws Exception {
        String service = Peers.uniqueName("shm-ipc");
        try (Listener listener = Listener.bind(service);
                Endpoint client = Endpoint.connect(service);
                Shm shm = Shm.create(null, 64)) {
            client.send(bytes("hello")); // the listener's socket for this client exists from here on
            listener.accept(WAIT).orElseThrow().message().close();
            long handles = Kit.hook().openHandles();
            try (Handle h = Handle.of(shm)) {
                client.send(bytes("unused"), h);
            }
            Handle received;
            try (Message m = listener.accept(WAIT).orElseThrow().message()) {
                received = m.handles().get(0);
                assertTrue(received.isOpen());
            }
            assertFalse(received.isOpen());
            assertEquals(handles, Kit.hook().openHandles());
        }
    }
}
