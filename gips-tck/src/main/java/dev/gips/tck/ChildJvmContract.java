package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Credentials;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Java clients in child JVMs ({@link ChildClient}) talk to a Listener in the test JVM: messages and replies of each
 * client stay on that client's connection, and the credentials the listener reports are the kernel's view of each
 * child process (its real pid, uid and groups).
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ChildJvmContract {
    private static final Duration DEADLINE = Duration.ofSeconds(60); // two JVMs starting on a busy 2-core machine
    private static final int COUNT = 5;

    @BeforeAll
    static void loadBackend() throws IOException {
        Credentials.currentProcess();
    }

    @Test
    void childJvmClientsAreServedWithTheirOwnCredentials() throws Exception {
        long handlesBefore = Kit.hook().openHandles();
        String name = Peers.uniqueName("child-jvm");
        String myPid = Long.toString(ProcessHandle.current().pid());
        Credentials me = Credentials.currentProcess();
        try (Listener listener = Listener.bind(name);
                Peers.Running a = Peers.start(Peers.javaChild(ChildClient.class, name, "" + COUNT, myPid));
                Peers.Running b = Peers.start(Peers.javaChild(ChildClient.class, name, "" + COUNT, myPid))) {
            Map<Long, Connection> connections = new HashMap<>();
            Map<Long, List<String>> received = new HashMap<>();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int byes = 0;
            while (byes < 2) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, () -> "clients did not finish within " + DEADLINE + ": " + received + "; "
                        + a.report() + "; " + b.report());
                Pod pod = listener.accept(Duration.ofNanos(left)).orElse(null);
                if (pod == null) {
                    continue;
                }
                Credentials c = pod.credentials();
                long pid = c.pid();
                assertTrue(pid == a.pid() || pid == b.pid(), "pid " + pid + " is neither child " + a.pid() + " nor "
                        + b.pid());
                // the kernel's view of the child: same user and groups as this JVM, which started it
                assertEquals(me.uid(), c.uid());
                assertEquals(me.gidList(), c.gidList());
                assertEquals(me.isPrivileged(), c.isPrivileged());
                assertEquals(c, pod.connection().credentials());
                Connection known = connections.putIfAbsent(pid, pod.connection());
                if (known != null) {
                    assertSame(known, pod.connection(), "every message of a client comes with its Connection");
                }
                List<String> texts = received.computeIfAbsent(pid, k -> new ArrayList<>());
                try (Message m = pod.message()) {
                    assertTrue(m.handles().isEmpty());
                    String text = new String(m.payload(), UTF_8);
                    texts.add(text);
                    if (text.equals("bye")) {
                        byes++;
                        pod.connection().close(); // the child expects end-of-stream
                    } else {
                        int i = texts.size() - 1;
                        assertEquals("message " + i + " from " + pid, text);
                        pod.reply(("reply " + i + " to " + pid).getBytes(UTF_8));
                    }
                }
            }
            assertNotSame(connections.get(a.pid()), connections.get(b.pid()));
            for (Peers.Running child : List.of(a, b)) {
                assertEquals("ok pid=" + child.pid() + " messages=" + COUNT + " eof\n", child.finish(DEADLINE));
                Connection c = connections.get(child.pid());
                assertFalse(c.isOpen());
                assertThrows(ClosedChannelException.class, () -> c.reply(new byte[1]));
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < COUNT; i++) {
                    expected.add("message " + i + " from " + child.pid());
                }
                expected.add("bye");
                assertEquals(expected, received.get(child.pid()));
            }
            assertTrue(listener.tryAccept().isEmpty());
        }
        assertEquals(handlesBefore, Kit.hook().openHandles(), Kit.hook()::describeHandles);
    }

    @Test
    void childThatDiesIsDisconnectedAndReleased() throws Exception {
        String name = Peers.uniqueName("child-exit");
        String myPid = Long.toString(ProcessHandle.current().pid());
        try (Listener listener = Listener.bind(name)) {
            long handlesWithListener = Kit.hook().openHandles();
            Connection connection;
            try (Peers.Running child = Peers.start(Peers.javaChild(ChildClient.class, name, "1", myPid))) {
                Pod pod = listener.accept(DEADLINE).orElseThrow(() -> new AssertionError(child.report()));
                assertEquals(child.pid(), pod.credentials().pid());
                connection = pod.connection();
                try (Message m = pod.message()) {
                    assertEquals("message 0 from " + child.pid(), new String(m.payload(), UTF_8));
                    pod.reply(("reply 0 to " + child.pid()).getBytes(UTF_8));
                }
                pod = listener.accept(DEADLINE).orElseThrow(() -> new AssertionError(child.report()));
                try (Message m = pod.message()) {
                    assertEquals("bye", new String(m.payload(), UTF_8));
                }
                // this time the server does not hang up; the child, waiting for that, is killed instead
                child.process.destroy();
                assertTrue(child.process.waitFor(DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            }
            // the listener notices the hang-up while accepting, closes that connection and releases its socket
            Peers.awaitHandlesAtMost(handlesWithListener, Duration.ofSeconds(10),
                    () -> assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty()));
            assertFalse(connection.isOpen());
        }
    }
}
