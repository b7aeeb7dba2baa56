package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Service names resolve as gips 0.2.0 resolves them, so a Java and a Rust (or Python, C) process that use the same
 * name meet (issue 17, item 3): {@code @name} is the file {@code /tmp/@name}; the abstract socket {@code name} is
 * spelled {@code "\0name"}, which no gips 0.2.0 name reaches.
 */
@ExtendWith(LeakCheck.class)
class ServiceNamesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static void echo(Endpoint client, String text) throws IOException {
        client.send(text.getBytes(UTF_8));
        try (Message m = Peers.recvOne(client)) {
            assertArrayEquals(text.getBytes(UTF_8), m.payload());
        }
    }

    @Test
    void atNameIsTheSocketFileTmpAtNameAsInGips020ForServersAndClientsOfEitherKind() throws Exception {
        // a Java server at "@name", a client that connects to the path /tmp/@name as gips 0.2.0 resolves that name
        String served = Peers.uniqueName("at-java");
        Path file = Path.of("/tmp/@" + served);
        try (Listener listener = Listener.bind("@" + served);
                Peers.Running py = Peers.start(Peers.python("peer.py", "peer-address", file.toString()))) {
            assertTrue(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "no socket file " + file);
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals("hello".getBytes(UTF_8), m.payload());
            }
            pod.reply("hi".getBytes(UTF_8));
            assertEquals("PEERNAME '" + file + "'", py.nextLine(WAIT));
            assertEquals("REPLY 6869 FROM '" + file + "'", py.nextLine(WAIT));
            py.finish(WAIT);
        }
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS));

        // a server bound at the path /tmp/@name, a Java client that connects to "@name"
        String other = Peers.uniqueName("at-python");
        try (Peers.Running py = Peers.start(Peers.python("interop_server.py", "/tmp/@" + other))) {
            assertTrue(py.nextLine(WAIT).startsWith("ready"), py.report());
            try (Endpoint client = Endpoint.connect("@" + other)) {
                assertEquals(py.pid(), client.peerCredentials().pid());
                // the server sets SO_PASSCRED once it has accepted, and then says so: send only after that
                assertEquals("client pid=" + ProcessHandle.current().pid(), py.nextLine(WAIT));
                echo(client, "ping");
            }
            py.finish(WAIT);
        }
    }

    @Test
    void theAbstractSpellingConnectsTwoJavaProcessesAndNoOtherNameReachesIt() throws Exception {
        String bare = Peers.uniqueName("abstract");
        try (Peers.Running server = Peers.start(Peers.javaChild(ChildPeer.class, "serve-abstract", bare))) {
            assertEquals("READY", server.nextLine(Duration.ofSeconds(60)));
            try (Endpoint client = Endpoint.connect("\0" + bare)) {
                echo(client, "across processes");
                assertEquals(server.pid(), client.peerCredentials().pid());
            }
            for (String name : List.of(bare, "@" + bare, "/tmp/" + bare)) {
                IOException e = assertThrows(IOException.class, () -> Endpoint.connect(name));
                assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
            }
            assertFalse(Files.exists(Path.of("/tmp/" + bare), LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(Path.of("/tmp/@" + bare), LinkOption.NOFOLLOW_LINKS));
            // what gips 0.2.0 does with the name "\0" + bare: neither its connect nor its bind gets anywhere near
            assertEquals("CONNECT ECONNREFUSED\nBIND EADDRINUSE\n",
                    Peers.run(Peers.python("peer.py", "gips020-leading-nul", bare), WAIT));
            try (Endpoint client = Endpoint.connect("\0" + bare)) {
                echo(client, "still served");
            }
        }
    }

    @Test
    void anAbstractNameThatCannotBeAnAddressIsRefusedSayingWhy() {
        List<List<String>> cases = List.of(
                List.of("\0", "empty"),
                List.of("\0gips\0test", "NUL"),
                List.of("\0" + "a".repeat(108), "sun_path holds at most 107"));
        for (List<String> c : cases) {
            for (Executable op : List.<Executable>of(() -> Listener.bind(c.get(0)),
                    () -> Endpoint.connect(c.get(0)))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
                assertTrue(e.getMessage().contains(c.get(1)), e.getMessage());
                assertFalse(e.getMessage().contains("\0"), "the NUL must be shown escaped: " + e.getMessage());
            }
        }
        // the longest abstract name fits exactly: a NUL and 107 bytes
        assertThrows(IOException.class, () -> Endpoint.connect("\0" + "a".repeat(107)));
    }

    @Test
    void aNameUnderADirectoryThatDoesNotExistFailsNamingTheDirectory() {
        String missing = Peers.uniqueName("no-such-dir");
        for (String name : List.of(missing + "/svc", "/tmp/" + missing + "/sub/svc")) {
            for (Executable op : List.<Executable>of(() -> Listener.bind(name), () -> Endpoint.connect(name))) {
                IOException e = assertThrows(IOException.class, op);
                assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
                assertTrue(e.getMessage().contains("the directory /tmp/" + missing + " does not exist"),
                        e.getMessage());
            }
        }
    }
}
