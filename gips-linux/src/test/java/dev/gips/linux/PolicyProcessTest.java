package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Access policies against clients of another user: Python stdlib clients run as {@code nobody} through
 * {@code setpriv} (nobody cannot read the Maven repository, so it cannot run a JVM with gips), with and without a
 * supplementary group, next to root clients, all on one listener. Refused clients see the connection closed before
 * anything is delivered; accept() never throws and keeps serving the clients the policy admits.
 */
@ExtendWith(LeakCheck.class)
class PolicyProcessTest {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final String NOBODY = "65534";
    /** A refused client that waits for a reply first: it sees end-of-stream, then its send fails with EPIPE. */
    private static final String REFUSED_RECV_FIRST = "connect ok\nrecv eof\nsend error EPIPE\n";
    /**
     * A refused client that sends first: either its message was queued before the server dropped the connection
     * (then the kernel reports ECONNRESET once: the server closed with that message unread) or the connection was
     * already closed (EPIPE, then end-of-stream). Both are "connection closed"; nothing reached the service.
     */
    private static final List<String> REFUSED_SEND_FIRST = List.of(
            "connect ok\nsend ok\nrecv error ECONNRESET\n", "connect ok\nsend error EPIPE\nrecv eof\n");

    private static String nobodyIds;

    @BeforeAll
    static void requireSetprivAsRoot() throws Exception {
        if (!Peers.isRoot()) {
            return;   // each test skips with the reason (needsRoot): an abort here would report no test at all
        }
        String ids;
        try {
            ids = Peers.run(Peers.asNobody(new ProcessBuilder("id", "-u")), STEP).strip();
        } catch (IOException e) {
            throw new AssertionError("setpriv (util-linux) is required to run clients as user nobody: " + e, e);
        }
        assertEquals(NOBODY, ids, "setpriv --reuid=nobody must give uid 65534");
        nobodyIds = "ids uid=" + NOBODY + " gid=" + NOBODY + " groups=";
    }

    @BeforeEach
    void needsRoot() {
        Peers.assumeRoot("these tests start clients as user nobody through setpriv");
    }

    /** The gid of group staff on this machine, from the group database as the system tools see it. */
    static String staffGid() throws Exception {
        String line;
        try {
            line = Peers.run(new ProcessBuilder("getent", "group", "staff"), STEP).strip();
        } catch (AssertionError e) {
            throw new AssertionError("these tests need a group named staff (getent group staff failed)", e);
        }
        String[] fields = line.split(":");
        assertTrue(fields.length >= 3 && fields[2].matches("\\d+"), "getent group staff: " + line);
        return fields[2];
    }

    static Stream<String> staffByNameAndId() throws Exception {
        return Stream.of("staff", staffGid());
    }

    // ----------------------------------------------------------------------------------------------- uid rules

    @ParameterizedTest(name = "withAllowedUid(\"{0}\")")
    @ValueSource(strings = {"0", "root"})
    void uidPolicyRefusesNobodyAndServesRoot(String allowed) throws Exception {
        long fdsBefore = Peers.openFds();
        String name = Peers.uniqueName("policy-uid");
        String path = "/tmp/" + name;
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedUid(allowed))) {
            long fdsWithListener = Peers.openFds();

            Served refused = serve(listener, Peers.asNobody(client(path, "recv-first", "nobody")), REFUSE);
            assertEquals(nobodyIds + "\n" + REFUSED_RECV_FIRST, refused.stdout);

            refused = serve(listener, Peers.asNobody(client(path, "send-first", "nobody")), REFUSE);
            assertTrue(REFUSED_SEND_FIRST.contains(refused.stdout.substring(refused.stdout.indexOf('\n') + 1)),
                    refused.stdout);
            assertTrue(refused.stdout.startsWith(nobodyIds + "\n"), refused.stdout);

            // the same listener serves root after those refusals: a Python client...
            Served root = serve(listener, client(path, "send-first", "root"), (pod, peer) -> {
                assertEquals(peer.pid(), pod.credentials().pid());
                assertEquals("0", pod.credentials().uid());
                assertTrue(pod.credentials().isPrivileged());
                welcome(pod, "hello root");
            });
            assertEquals(1, root.admitted);
            assertTrue(root.stdout.startsWith("ids uid=0 gid=0 "), root.stdout);
            assertTrue(root.stdout.endsWith("\nconnect ok\nsend ok\nrecv data welcome root\n"), root.stdout);

            // ...and a Java client
            try (Endpoint endpoint = Endpoint.connect(name)) {
                endpoint.send("hello java".getBytes(UTF_8));
                Pod pod = listener.accept(STEP)
                        .orElseThrow(() -> new AssertionError("root's Java client was not served"));
                assertEquals(ProcessHandle.current().pid(), pod.credentials().pid());
                welcome(pod, "hello java");
                try (Message m = endpoint.recv(STEP).orElseThrow()) {
                    assertEquals("welcome java", new String(m.payload(), UTF_8));
                }
            }
            // every refused or departed client's socket is released
            Peers.awaitFdsAtMost(fdsWithListener, Duration.ofSeconds(10),
                    () -> assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty()));
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    @Test
    void refusalsDoNotStopTheServer() throws Exception {
        String name = Peers.uniqueName("policy-many");
        String path = "/tmp/" + name;
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedUid("0"))) {
            long fdsWithListener = Peers.openFds();
            List<Peers.Running> intruders = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    intruders.add(Peers.start(Peers.asNobody(client(path, i % 2 == 0 ? "recv-first" : "send-first",
                            "intruder" + i))));
                }
                // while they come and go, root's client is served: accept() returns its message and nothing else
                try (Endpoint endpoint = Endpoint.connect(name)) {
                    endpoint.send("hello among intruders".getBytes(UTF_8));
                    long deadline = System.nanoTime() + STEP.toNanos();
                    Pod pod = null;
                    while (pod == null && System.nanoTime() - deadline < 0) {
                        pod = listener.accept(Duration.ofMillis(100)).orElse(null);
                    }
                    assertTrue(pod != null, "root's client was not served");
                    assertEquals("0", pod.credentials().uid());
                    welcome(pod, "hello among intruders");
                    try (Message m = endpoint.recv(STEP).orElseThrow()) {
                        assertEquals("welcome among intruders", new String(m.payload(), UTF_8));
                    }
                    // keep accepting until every intruder has been turned away; none of them is ever delivered
                    for (Peers.Running p : intruders) {
                        while (p.isAlive() && System.nanoTime() - deadline < 0) {
                            listener.accept(Duration.ofMillis(50)).ifPresent(x -> fail("delivered: " + describe(x)));
                        }
                    }
                }
                for (int i = 0; i < intruders.size(); i++) {
                    String out = intruders.get(i).finish(STEP);
                    assertTrue(out.startsWith(nobodyIds + "\n"), out);
                    String seen = out.substring(out.indexOf('\n') + 1);
                    if (i % 2 == 0) {
                        assertEquals(REFUSED_RECV_FIRST, seen);
                    } else {
                        assertTrue(REFUSED_SEND_FIRST.contains(seen), out);
                    }
                }
            } finally {
                intruders.forEach(Peers.Running::close);
            }
            Peers.awaitFdsAtMost(fdsWithListener, Duration.ofSeconds(10),
                    () -> assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty()));
        }
    }

    // --------------------------------------------------------------------------------------------- group rules

    @ParameterizedTest(name = "withAllowedGroup(\"{0}\")")
    @MethodSource("staffByNameAndId")
    void groupPolicyAdmitsSupplementaryGroup(String group) throws Exception {
        String gid = staffGid();
        long fdsBefore = Peers.openFds();
        String name = Peers.uniqueName("policy-group");
        String path = "/tmp/" + name;
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedGroup(group))) {
            // nobody without the group, and root (whose only group is 0): refused
            Served refused = serve(listener, Peers.asNobody(client(path, "recv-first", "nogroup")), REFUSE);
            assertEquals(nobodyIds + "\n" + REFUSED_RECV_FIRST, refused.stdout);
            refused = serve(listener, client(path, "recv-first", "root"), REFUSE);
            assertTrue(refused.stdout.startsWith("ids uid=0 gid=0 "), refused.stdout);
            assertTrue(refused.stdout.endsWith("\n" + REFUSED_RECV_FIRST), refused.stdout);

            // root's Java clients are refused as well: whether or not one sent a message before the listener looked
            // at it, it sees the end of the stream (EOFException), and nothing it sent is delivered
            try (Endpoint sender = Endpoint.connect(name); Endpoint waiter = Endpoint.connect(name)) {
                sender.send("hello from a refused client".getBytes(UTF_8));
                long deadline = System.nanoTime() + STEP.toNanos();
                for (Endpoint refusedEndpoint : List.of(sender, waiter)) {
                    while (!endOfStream(refusedEndpoint)) {
                        assertTrue(System.nanoTime() - deadline < 0, "a refused Java client was not disconnected");
                        listener.accept(Duration.ofMillis(20)).ifPresent(pod -> fail("delivered: " + describe(pod)));
                    }
                }
            }

            // nobody with staff as a supplementary group: admitted, and the credentials show that group
            Served staff = serve(listener, Peers.asNobody(client(path, "send-first", "staff"), gid), (pod, peer) -> {
                Credentials c = pod.credentials();
                assertEquals(peer.pid(), c.pid());
                assertEquals(NOBODY, c.uid());
                assertEquals(List.of(NOBODY, gid), c.gidList(), "primary group first, then the supplementary one");
                assertTrue(!c.isPrivileged());
                welcome(pod, "hello staff");
            });
            assertEquals(1, staff.admitted);
            assertEquals(nobodyIds + gid + "\nconnect ok\nsend ok\nrecv data welcome staff\n", staff.stdout);
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static ProcessBuilder client(String path, String mode, String tag) {
        return Peers.python("policy_client.py", path, mode, tag);
    }

    /** What a client printed and how many of its messages the listener delivered. */
    private record Served(String stdout, int admitted) {}

    @FunctionalInterface
    private interface Handler {
        void handle(Pod pod, Peers.Running peer) throws Exception;
    }

    /** For clients the policy must refuse: any delivered message fails the test. */
    private static final Handler REFUSE = PolicyProcessTest::neverAdmitted;

    /**
     * Runs a client to completion while accepting on {@code listener} (which is what lets the listener admit or
     * refuse it); every delivered message goes to {@code handler}.
     */
    private static Served serve(Listener listener, ProcessBuilder pb, Handler handler) throws Exception {
        long deadline = System.nanoTime() + STEP.toNanos();
        int admitted = 0;
        try (Peers.Running peer = Peers.start(pb)) {
            while (peer.isAlive()) {
                assertTrue(System.nanoTime() - deadline < 0, () -> "client still running after " + STEP + ": "
                        + peer.report());
                Pod pod = listener.accept(Duration.ofMillis(50)).orElse(null);
                if (pod != null) {
                    admitted++;
                    handler.handle(pod, peer);
                }
            }
            String out = peer.finish(STEP);
            assertTrue(listener.tryAccept().isEmpty(), "nothing more from " + out);
            return new Served(out, admitted);
        }
    }

    /** Whether {@code endpoint} has seen end-of-stream; any other failure (ECONNRESET, say) fails the test. */
    private static boolean endOfStream(Endpoint endpoint) throws IOException {
        try {
            Optional<Message> m = endpoint.tryRecv();
            m.ifPresent(Message::close);
            assertTrue(m.isEmpty(), "a refused client got a message");
            return false;
        } catch (EOFException e) {
            return true;
        }
    }

    private static void neverAdmitted(Pod pod, Peers.Running peer) {
        try (Message m = pod.message()) {
            fail("the policy let a message through: " + describe(pod) + "; " + peer.report());
        }
    }

    private static String describe(Pod pod) {
        return new String(pod.message().payload(), UTF_8) + " from " + pod.credentials();
    }

    /** Checks "hello X" and replies "welcome X". */
    private static void welcome(Pod pod, String expected) throws IOException {
        try (Message m = pod.message()) {
            assertEquals(expected, new String(m.payload(), UTF_8));
            assertTrue(m.handles().isEmpty());
            pod.reply(("welcome " + expected.substring("hello ".length())).getBytes(UTF_8));
        }
    }
}
