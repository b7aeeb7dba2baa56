package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Service names between Java and the real Rust gips 0.2.0: a plain name (the socket file {@code /tmp/<name>}) and an
 * absolute path reach the same socket from both sides; two servers on one name (gips' {@code bind} removes whatever
 * socket file is there, even a live Java server's, and takes the name; Java refuses a name a live server answers on).
 * Names starting with {@code @} are in {@link RustAtNamesIT}.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustNamesIT {

    private static String name(String kind, String tag) {
        String name = Peers.uniqueName(tag);
        return kind.equals("absolute") ? "/tmp/" + name + ".sock" : name;
    }

    @ParameterizedTest(name = "{0} name")
    @ValueSource(strings = {"plain", "absolute"})
    void rustClientReachesAJavaServerByTheSameName(String kind) throws Exception {
        String name = name(kind, "rs-name");
        try (Listener listener = Listener.bind(name); Peers.Running rust = RustPeer.client(name, "echo=5")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                pod.reply(m.payload());
            }
            assertEquals("connected\necho 5 ok\ndone\n", rust.finish(WAIT));
        }
    }

    @ParameterizedTest(name = "{0} name")
    @ValueSource(strings = {"plain", "absolute"})
    void javaClientReachesARustServerByTheSameName(String kind) throws Exception {
        String name = name(kind, "rs-name-server");
        try (Peers.Running rust = Peers.start(RustPeer.command(RustPeer.serveArgs(name, "echo", "--count", "1")))) {
            expectLine(rust, "ready path=" + (kind.equals("absolute") ? name : "/tmp/" + name));
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(pattern(5));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(pattern(5), reply.payload());
                }
            }
            rust.finish(WAIT);
        }
    }

    /**
     * gips' {@code bind} unlinks the socket file of a live Java server and binds its own: new clients reach the Rust
     * server, the Java server keeps the clients it had, and its {@code close()} leaves the Rust server's file alone.
     */
    @Test
    void rustBindTakesTheNameOfALiveJavaServer() throws Exception {
        String name = Peers.uniqueName("rs-takeover");
        Path file = Path.of("/tmp", name);
        long me = ProcessHandle.current().pid();
        try (Listener java = Listener.bind(name); Endpoint before = Endpoint.connect(name)) {
            long javaInode = (Long) Files.getAttribute(file, "unix:ino");
            try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "2")) {
                assertTrue(javaInode != (Long) Files.getAttribute(file, "unix:ino"), "gips replaced the socket file");
                try (Endpoint after = Endpoint.connect(name)) {
                    after.send(ascii("to-rust"));
                    try (Message reply = Peers.recvOne(after)) {
                        assertArrayEquals(ascii("to-rust"), reply.payload());
                    }
                }
                expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("to-rust"), 0));
                expectLine(rust, "replied len=7");

                before.send(ascii("to-java"));
                Pod pod = accept(java, rust);
                try (Message m = pod.message()) {
                    assertArrayEquals(ascii("to-java"), m.payload(), "the Java server keeps its connected clients");
                }
                java.close();
                assertTrue(Files.exists(file), "Java's close() leaves the file that is no longer its own");
                try (Endpoint later = Endpoint.connect(name)) {
                    later.send(ascii("later"));
                    try (Message reply = Peers.recvOne(later)) {
                        assertArrayEquals(ascii("later"), reply.payload());
                    }
                }
                expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("later"), 0));
                expectLine(rust, "replied len=5");
                expectLine(rust, "done");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Java's {@code bind} refuses a name on which a live Rust server answers, which keeps serving; once that server
     * is killed (its socket file left behind), Java binds the name, removing the stale file.
     */
    @Test
    void javaBindRefusesTheNameOfALiveRustServerAndTakesItOnceItDied() throws Exception {
        String name = Peers.uniqueName("rs-live");
        try (Peers.Running rust = RustPeer.serve(name, "echo")) {
            IOException e = assertThrows(IOException.class, () -> Listener.bind(name).close());
            assertTrue(e.getMessage().contains("address in use"), e.getMessage());
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(ascii("still-rust"));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(ascii("still-rust"), reply.payload());
                }
            }
            Peers.kill(rust.process);
            assertTrue(Files.exists(Path.of("/tmp", name)), "SIGKILL left gips' socket file");
            try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(ascii("now-java"));
                try (Message m = Peers.acceptOne(listener).message()) {
                    assertArrayEquals(ascii("now-java"), m.payload());
                }
            }
        }
    }
}
