package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The socket file lives exactly as long as the listener that created it: a dead server's file is reclaimed, a live
 * one's never, a file that is no socket is kept; abstract names leave none. How objects close and peers die is the
 * kit's {@code LifecycleContract}.
 */
@ExtendWith(LeakCheck.class)
class LifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static Connection admit(Listener listener, Endpoint client) throws IOException {
        client.send(bytes("hello"));
        Pod pod = Peers.acceptOne(listener);
        pod.message().close();
        return pod.connection();
    }

    // ---------------------------------------------------------------------------------------- socket files

    @Test
    void bindRemovesTheStaleSocketFileOfAServerThatExited() throws Exception {
        String name = Peers.uniqueName("stale");
        Path file = Path.of("/tmp/" + name);
        try {
            assertEquals("BOUND", Peers.run(Peers.python("peer.py", "bind-and-exit", file.toString()), WAIT).strip());
            assertTrue(Files.exists(file), "the exited server left its socket file");
            assertThrows(IOException.class, () -> Endpoint.connect(name), "nobody answers on a stale socket");
            try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
                admit(listener, client);
            }
            assertFalse(Files.exists(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void bindWhereALiveListenerAnswersIsRefusedAsAddressInUse() throws Exception {
        String bare = Peers.uniqueName("in-use-abstract");
        for (String name : List.of(Peers.uniqueName("in-use"), "\0" + bare)) {
            try (Listener live = Listener.bind(name)) {
                IOException e = assertThrows(IOException.class, () -> Listener.bind(name));
                assertTrue(e.getMessage().contains("address in use"), e.getMessage());
                assertTrue(e.getMessage().contains(name.replace("\0", "\\0")), e.getMessage());
                // the live listener was not disturbed
                try (Endpoint client = Endpoint.connect(name)) {
                    admit(live, client);
                }
            }
        }
    }

    @Test
    void bindOnARegularFileIsRefusedAndTheFileIsKept() throws Exception {
        String name = Peers.uniqueName("regular-file");
        Path file = Path.of("/tmp/" + name);
        Files.writeString(file, "precious data");
        try {
            IOException e = assertThrows(IOException.class, () -> Listener.bind(name));
            assertTrue(e.getMessage().contains("address in use"), e.getMessage());
            assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
            assertEquals("precious data", Files.readString(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void theSocketFileIsMode0666AndRemovedByClose() throws Exception {
        String name = Peers.uniqueName("mode");
        Path file = Path.of("/tmp/" + name);
        Listener listener = Listener.bind(name);
        try {
            assertTrue(Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(0140000, ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000, "not a socket");
            assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(file));
        } finally {
            listener.close();
        }
        assertFalse(Files.exists(file), "close() left the socket file");
        listener.close();
    }

    @Test
    void closeDoesNotRemoveANewerServersSocketFile() throws Exception {
        String name = Peers.uniqueName("newer");
        Path file = Path.of("/tmp/" + name);
        Listener old = Listener.bind(name);
        Files.delete(file); // e.g. a cleanup script; the path is free again
        try (Listener newer = Listener.bind(name)) {
            old.close();
            assertTrue(Files.exists(file), "the old listener removed the newer one's socket file");
            try (Endpoint client = Endpoint.connect(name)) {
                admit(newer, client);
            }
        } finally {
            old.close();
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void abstractNamesWorkAndLeaveNoFile() throws Exception {
        String bare = Peers.uniqueName("abstract");
        String name = "\0" + bare;
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("abstract"));
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("abstract"), m.payload());
            }
            pod.reply(bytes("ok"));
            try (Message m = Peers.recvOne(client)) {
                assertArrayEquals(bytes("ok"), m.payload());
            }
            assertFalse(Files.exists(Path.of("/tmp/" + bare)));
            assertFalse(Files.exists(Path.of("/tmp/@" + bare)));
            assertThrows(IOException.class, () -> Endpoint.connect(bare), "\\0name and name are different services");
            assertThrows(IOException.class, () -> Endpoint.connect("@" + bare), "so are \\0name and @name");
        }
        // gone with the listener: the name is free at once
        try (Listener again = Listener.bind(name)) {
            assertEquals(name, again.descriptor().name());
        }
    }
}
