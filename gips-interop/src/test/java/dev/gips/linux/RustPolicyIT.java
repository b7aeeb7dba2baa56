package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policies and credentials between Java and the real Rust gips 0.2.0 with a second user: clients run as
 * {@code nobody} (group {@code nogroup}, plus {@code staff} where a test says so) through {@code setpriv}, next to
 * root clients. What each side reports of the other, where group rules decide differently (gips sees only the
 * primary gid), and what a refusal looks like on each side (gips' {@code accept()} returns an error; a refused gips
 * client sees ECONNRESET).
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustPolicyIT {
    private static final String NOBODY = "65534";
    private static String staff;

    @BeforeAll
    static void staffGroup() throws Exception {
        staff = PolicyProcessTest.staffGid();
    }

    @BeforeEach
    void needsRoot() {
        Peers.assumeRoot("clients of a second user (setpriv --reuid=nobody)");
    }

    /** A Rust client run as nobody, plus {@code groups}. */
    private static Peers.Running rustAsNobody(List<String> groups, String name, String... steps) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("client", name));
        args.addAll(List.of(steps));
        return Peers.start(Peers.asNobody(RustPeer.command(args.toArray(String[]::new)),
                groups.toArray(String[]::new)));
    }

    /**
     * gips reports the primary gid only ({@code SO_PEERCRED}); Java adds the supplementary groups
     * ({@code SO_PEERGROUPS}). Both see the other's pid and uid, and a client sees who serves it.
     */
    @Test
    void rustServerSeesOnlyTheJavaClientsPrimaryGroup() throws Exception {
        String name = Peers.uniqueName("rs-creds-server");
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "1");
                Peers.Running java = Peers.start(JavaPeer.asNobody(List.of("staff"), "client", name, "peer",
                        "send=hello", "recv"))) {
            expectLine(java, "connected");
            // the server's own groups (gips for Java reads SO_PEERGROUPS on the client side too)
            expectLine(java, "peer pid=" + rust.pid() + " uid=0 gids="
                    + String.join(",", Credentials.currentProcess().gidList()));
            expectLine(java, "sent len=5");
            expectLine(java, "recv " + describe(ascii("hello"), 0));
            expectLine(java, "done");
            expectLine(rust, "pod pid=" + java.pid() + " uid=" + NOBODY + " gids=" + NOBODY
                    + " privileged=false " + describe(ascii("hello"), 0));
        }
    }

    @Test
    void javaServerSeesTheRustClientsPrimaryAndSupplementaryGroups() throws Exception {
        String name = Peers.uniqueName("rs-creds");
        long me = ProcessHandle.current().pid();
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = rustAsNobody(List.of("staff"), name, "peer", "send=hello", "recv")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertArrayEquals(ascii("hello"), m.payload());
                assertEquals(new Credentials(rust.pid(), NOBODY, List.of(NOBODY, staff), false), pod.credentials());
                pod.reply(m.payload());
            }
            assertEquals(String.join("\n", "connected", "peer pid=" + me + " uid=0 gid=0", "sent len=5 fds=0",
                    "recv " + describe(ascii("hello"), 0), "done") + "\n", rust.finish(WAIT));
        }
    }

    /**
     * A group rule naming a client's supplementary group: gips refuses the client (it sees only the primary gid),
     * and reports that as an error of {@code accept()}; the Java client sees end-of-stream.
     */
    @Test
    void rustGroupRuleRefusesAJavaClientWhoseGroupIsSupplementary() throws Exception {
        String name = Peers.uniqueName("rs-group-server");
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "1", "--allow-gid", staff);
                Peers.Running java = Peers.start(JavaPeer.asNobody(List.of("staff"), "client", name, "send=hello",
                        "recv"))) {
            expectLine(rust, "accept-error kind=PermissionDenied os=-");
            expectLine(rust, "done");
            assertEquals("connected\nsent len=5\nrecv-eof\ndone\n", java.finish(WAIT));
        }
    }

    /** The same rule in Java admits that client: Java checks the supplementary groups too. */
    @Test
    void javaGroupRuleAdmitsARustClientWhoseGroupIsSupplementary() throws Exception {
        String name = Peers.uniqueName("rs-group");
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedGroup(staff));
                Peers.Running rust = rustAsNobody(List.of("staff"), name, "send=hello", "recv")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertEquals(NOBODY, pod.credentials().uid());
                pod.reply(m.payload());
            }
            assertEquals(String.join("\n", "connected", "sent len=5 fds=0", "recv " + describe(ascii("hello"), 0),
                    "done") + "\n", rust.finish(WAIT));
        }
    }

    /**
     * A Rust server with a uid rule or {@code require_privileged} refuses a Java client of user nobody: gips'
     * {@code accept()} returns PermissionDenied (a server that ends on it with {@code ?} stops serving; this one goes
     * on), the client sees end-of-stream; a root client is then served.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--allow-uid", "--privileged"})
    void rustServerRefusesAJavaClientOfAnotherUserWithAnAcceptError(String rule) throws Exception {
        String name = Peers.uniqueName("rs-refuse-server");
        String[] options = rule.equals("--allow-uid") ? new String[] {"--count", "2", rule, "0"}
                : new String[] {"--count", "2", rule};
        try (Peers.Running rust = RustPeer.serve(name, "echo", options);
                Peers.Running java = Peers.start(JavaPeer.asNobody(List.of(), "client", name, "send=hello",
                        "recv"))) {
            expectLine(rust, "accept-error kind=PermissionDenied os=-");
            assertEquals("connected\nsent len=5\nrecv-eof\ndone\n", java.finish(WAIT));
            try (Endpoint root = Endpoint.connect(name)) {
                root.send(ascii("root"));
                try (Message reply = Peers.recvOne(root)) {
                    assertArrayEquals(ascii("root"), reply.payload());
                }
            }
            expectLine(rust, "pod pid=" + ProcessHandle.current().pid() + " uid=0 gids=0 privileged=true "
                    + describe(ascii("root"), 0));
            expectLine(rust, "replied len=4");
            expectLine(rust, "done");
        }
    }

    /**
     * A Java server with the same rules refuses a Rust client of user nobody before delivering anything; the gips
     * client, whose message the server closed unread, sees ECONNRESET. {@code accept()} never throws and serves a
     * root client next.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uid", "privileged"})
    void javaServerRefusesARustClientOfAnotherUserWhichSeesEconnreset(String rule) throws Exception {
        String name = Peers.uniqueName("rs-refuse");
        ServiceDescriptor descriptor = rule.equals("uid") ? new ServiceDescriptor(name).withAllowedUid("0")
                : new ServiceDescriptor(name).requirePrivileged();
        try (Listener listener = Listener.bind(descriptor);
                Peers.Running nobody = rustAsNobody(List.of(), name, "send=hello", "recv")) {
            expectLine(nobody, "connected");
            // the message is queued before the listener looks at this client: it is refused with it unread
            expectLine(nobody, "sent len=5 fds=0");
            try (Peers.Running root = RustPeer.client(name, "send=root", "recv")) {
                Pod pod = accept(listener, root);
                try (Message m = pod.message()) {
                    assertArrayEquals(ascii("root"), m.payload(), "the refused client's message was never delivered");
                    assertEquals(root.pid(), pod.credentials().pid());
                    pod.reply(m.payload());
                }
                assertEquals(String.join("\n", "connected", "sent len=4 fds=0", "recv " + describe(ascii("root"), 0),
                        "done") + "\n", root.finish(WAIT));
            }
            assertEquals("recv-error kind=ConnectionReset os=ECONNRESET", nobody.nextLine(WAIT), nobody::report);
            expectLine(nobody, "done");
            assertTrue(listener.tryAccept().isEmpty());
        }
    }
}
