package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 17, item 3: a name that starts with {@code @} means what it means to gips 0.2.0, the socket file
 * {@code /tmp/@name} (DESIGN.md, Linux specifics: "any other name, one starting with {@code @} included, is the
 * socket file {@code /tmp/<name>}"), so Java and Rust reach each other's {@code @name}. Run alone:
 * {@code mvn -B -ntp -pl gips-interop -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=RustAtNamesIT}.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustAtNamesIT {

    @Test
    void javaServerOnAnAtNameIsTheSocketFileInTmpAndRustReachesIt() throws Exception {
        String name = "@" + Peers.uniqueName("rs-at");
        Path file = Path.of("/tmp", name);
        try (Listener listener = Listener.bind(name)) {
            assertTrue(Files.exists(file), "Listener.bind(\"" + name + "\") binds the socket file " + file);
            try (Peers.Running rust = RustPeer.client(name, "echo=5")) {
                Pod pod = accept(listener, rust);
                try (Message m = pod.message()) {
                    pod.reply(m.payload());
                }
                assertEquals("connected\necho 5 ok\ndone\n", rust.finish(WAIT));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void rustServerOnAnAtNameIsReachedByJava() throws Exception {
        String name = "@" + Peers.uniqueName("rs-at-server");
        Path file = Path.of("/tmp", name);
        try (Peers.Running rust = Peers.start(RustPeer.command(RustPeer.serveArgs(name, "echo", "--count", "1")))) {
            expectLine(rust, "ready path=" + file);
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send(pattern(5));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertArrayEquals(pattern(5), reply.payload());
                }
            }
            rust.finish(WAIT);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
