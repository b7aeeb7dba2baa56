package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * systemd socket activation end to end: {@code systemd_launch.py} plays systemd (creates, binds and listens on a
 * SOCK_SEQPACKET socket, forks, passes it as descriptor 3 with LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES and execs a
 * child JVM running {@link SystemdChild}); clients in this JVM and in Python then talk to the child's service. The
 * child runs with {@code --limit-modules java.base}, which also proves that gips works in a runtime without the
 * {@code jdk.jfr} module. Each refusal of what systemd passed is tested in-process in {@link SocketActivationTest}.
 */
@ExtendWith(LeakCheck.class)
class SystemdActivationTest {
    private static final Duration START = Duration.ofSeconds(60); // a JVM starting on a busy 2-core machine
    /** The uid this test runs as: the service's policy admits it (the tests run as any user). */
    private static final String MY_UID = String.valueOf(Unistd.geteuid());

    @Test
    void serviceStartedBySystemdServesJavaAndPythonClientsWithItsPolicy() throws Exception {
        String name = Peers.uniqueName("systemd");
        Path path = Path.of("/tmp", name);
        try (Peers.Running service = Peers.start(launch(path, name, "child", MY_UID))) {
            String ready = service.nextLine(START);
            assertTrue(ready.startsWith("ready listener=Listener[" + name + " at " + path + "]"), ready);
            assertTrue(ready.contains(" cloexec=true"), "descriptor 3 must be made close-on-exec: " + ready);
            assertTrue(ready.contains(" nonblock=true"), ready);
            assertTrue(ready.contains(" jfr=absent"), "the child runs without jdk.jfr: " + ready);

            try (Endpoint endpoint = Endpoint.connect(name)) {
                long servicePid = endpoint.peerCredentials().pid();
                assertEquals(service.pid(), ProcessHandle.of(servicePid).flatMap(ProcessHandle::parent)
                        .map(ProcessHandle::pid).orElse(-1L), "the service is the launcher's child, pid " + servicePid);
                endpoint.send("hello from java".getBytes(UTF_8));
                try (Message reply = Peers.recvOne(endpoint)) {
                    assertEquals("echo:hello from java", new String(reply.payload(), UTF_8));
                }
            }
            // the policy (this uid only) admits a client of another process
            String python = Peers.run(Peers.python("policy_client.py", path.toString(), "send-first", "python"),
                    Peers.WAIT);
            assertTrue(python.contains("recv data echo:hello python"), python);

            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send("stop".getBytes(UTF_8));
            }
            String closed = service.nextLine(Peers.WAIT);
            assertTrue(closed.startsWith("closed fd3="), closed);
            assertFalse(closed.startsWith("closed fd3=socket:"), "close must close the adopted descriptor: " + closed);
            assertTrue(Files.exists(path), "the socket file belongs to systemd: the service must not remove it");
            service.finish(Peers.WAIT);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void theServicesPolicyRefusesClientsExactlyAsForABoundService() throws Exception {
        String name = Peers.uniqueName("systemd-policy");
        Path path = Path.of("/tmp", name);
        // a uid nobody here has: every client is refused, this test's user too, so no second user is needed
        try (Peers.Running service = Peers.start(launch(path, name, "child", "4000000000"))) {
            String ready = service.nextLine(START);
            assertTrue(ready.startsWith("ready listener="), ready);
            String refused = Peers.run(Peers.python("policy_client.py", path.toString(), "send-first", "python"),
                    Peers.WAIT);
            // refused after its message arrived: the kernel reports the unread message as a reset, or else EOF
            assertTrue(refused.contains("connect ok")
                    && (refused.contains("recv eof") || refused.contains("recv error ECONNRESET")),
                    "a client the policy refuses is disconnected: " + refused + "; " + service.report());
            assertTrue(service.isAlive(), "a refused client does not stop the service: " + service.report());
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void socketsMeantForAnotherProcessAreRefused() throws Exception {
        String name = Peers.uniqueName("systemd-pid");
        Path path = Path.of("/tmp", name);
        try (Peers.Running service = Peers.start(launch(path, name, "parent", MY_UID))) {
            String line = service.nextLine(START);
            assertTrue(line.startsWith("refused socket activation \"" + name + "\": LISTEN_PID is " + service.pid()
                    + " but this process is "), line);
            service.finish(Peers.WAIT);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void withoutSystemdFromSystemdSaysSo() {
        // surefire runs this JVM without LISTEN_FDS: the real environment, read through the public API
        IOException e = assertThrows(IOException.class, () -> Listener.fromSystemd("gips-test-not-activated"));
        assertEquals("socket activation \"gips-test-not-activated\": LISTEN_FDS is not set: this process was not"
                + " started by systemd socket activation (a .socket unit with ListenSequentialPacket= and a matching"
                + " .service)", e.getMessage());
    }

    /** {@code systemd_launch.py PATH NAME PID_MODE java … SystemdChild NAME ALLOWED_UID}. */
    private static ProcessBuilder launch(Path path, String name, String pidMode, String allowedUid) {
        List<String> java = new ArrayList<>(Peers.javaChild(SystemdChild.class, name, allowedUid).command());
        java.addAll(1, List.of("--limit-modules", "java.base"));
        List<String> args = new ArrayList<>(List.of(path.toString(), name, pidMode));
        args.addAll(java);
        return Peers.python("systemd_launch.py", args.toArray(String[]::new));
    }
}
