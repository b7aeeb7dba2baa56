package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cases of gips 0.2.0's {@code tests/ipc.rs} that need a second user: a raw Python peer run as user nobody
 * (group nogroup, supplementary groups) through setpriv, as root. The other cases are the kit's
 * {@code RustIpcCasesContract}.
 */
@ExtendWith(LeakCheck.class)
class RustIpcOtherUserTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /**
     * A client that connects and sends is refused: its message is never delivered, {@code accept} does not throw,
     * and the client sees the service hang up.
     */
    private static void assertRefused(Listener listener, String name) throws IOException {
        try (Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("knock"));
            Optional<Pod> delivered = listener.accept(Duration.ofMillis(200));
            assertTrue(delivered.isEmpty(), "a refused client's message was delivered");
            assertThrows(EOFException.class, () -> client.recv(WAIT));
        }
    }

    /** A uid or gid that this process does not have. */
    private static String notOurs(List<String> ours) {
        long id = 4_000_000_000L;
        while (ours.contains(Long.toString(id))) {
            id++;
        }
        return Long.toString(id);
    }

    /** Runs peer.py {@code whoami} as nobody/nogroup and checks that it was served. */
    private static void assertNobodyServed(Listener listener, String name) throws Exception {
        Process p = Peers.asNobody(Peers.python("peer.py", "whoami", "/tmp/" + name)).start();
        try {
            String[] who = Peers.readLine(p, WAIT).split(" ");
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("whoami"), m.payload());
                assertEquals(Long.parseLong(who[0]), pod.credentials().pid());
                pod.reply(bytes("served"));
            }
            String outcome = Peers.finish(p, WAIT).strip();
            assertEquals("MSG " + HexFormatHolder.hex("served") + " 0", outcome);
        } finally {
            p.destroyForcibly();
        }
    }

    private static final class HexFormatHolder {
        static String hex(String s) {
            return java.util.HexFormat.of().formatHex(bytes(s));
        }
    }

    @Test
    void acl_policy_deny_wrong_uid() throws Exception {
        Peers.assumeRoot("a client runs as user nobody through setpriv");
        String name = Peers.uniqueName("deny-uid");
        Credentials me = Credentials.currentProcess();
        String nobody = Identity.userId("nobody").orElseThrow();
        assertNotEquals(nobody, me.uid(), "this test needs to run as someone other than nobody");
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedUid(notOurs(List.of(me.uid())),
                nobody))) {
            assertRefused(listener, name);
            assertRefused(listener, name);
            // accept() kept serving: a client the policy admits still gets through
            assertNobodyServed(listener, name);
        }
    }

    @Test
    void acl_policy_deny_wrong_gid() throws Exception {
        Peers.assumeRoot("a client runs as user nobody through setpriv");
        String name = Peers.uniqueName("deny-gid");
        Credentials me = Credentials.currentProcess();
        String nogroup = Identity.groupId("nogroup").orElseThrow();
        assertFalse(me.gidList().contains(nogroup), "this test needs to run outside group nogroup");
        try (Listener listener = Listener.bind(new ServiceDescriptor(name)
                .withAllowedGroup(notOurs(me.gidList()), nogroup))) {
            assertRefused(listener, name);
            assertNobodyServed(listener, name);
        }
    }

    @Test
    void acl_policy_rules_match_supplementary_groups() throws Exception {
        Peers.assumeRoot("a client runs as user nobody with group daemon through setpriv");
        // a group rule matches a supplementary group, by name ("daemon" is gid 1) or by id
        String daemon = Identity.groupId("daemon").orElseThrow();
        assertFalse(Credentials.currentProcess().gidList().contains(daemon), "this test needs to run outside daemon");
        for (String rule : List.of("daemon", daemon)) {
            String name = Peers.uniqueName("supplementary");
            try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedGroup(rule))) {
                Process p = Peers.asNobody(Peers.python("peer.py", "whoami", "/tmp/" + name), daemon).start();
                try {
                    Peers.readLine(p, WAIT);
                    Pod pod = Peers.acceptOne(listener);
                    pod.message().close();
                    assertEquals(Identity.groupId("nogroup").orElseThrow(), pod.credentials().gidList().get(0));
                    assertTrue(pod.credentials().gidList().contains(daemon));
                    pod.reply(bytes("ok"));
                    assertEquals("MSG " + HexFormatHolder.hex("ok") + " 0", Peers.finish(p, WAIT).strip());
                } finally {
                    p.destroyForcibly();
                }
                // this process is not in group daemon: refused
                assertRefused(listener, name);
            }
        }
    }

    @Test
    void acl_policy_credentials_of_another_user() throws Exception {
        Peers.assumeRoot("a client runs as user nobody with supplementary groups through setpriv");
        String name = Peers.uniqueName("credentials-nobody");
        try (Listener listener = Listener.bind(name)) {
            // a client in another process, as another user with supplementary groups
            Process p = Peers.asNobody(Peers.python("peer.py", "whoami", "/tmp/" + name), "1", "2").start();
            try {
                String[] who = Peers.readLine(p, WAIT).split(" ");
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    Credentials c = pod.credentials();
                    assertEquals(Long.parseLong(who[0]), c.pid());
                    assertEquals(p.pid(), c.pid());
                    assertEquals(who[1], c.uid());
                    assertEquals(Identity.userId("nobody").orElseThrow(), c.uid());
                    // the primary group first, then the supplementary ones
                    assertEquals(List.of(who[2].split(",")).stream().distinct().toList(), c.gidList());
                    assertEquals(List.of(Identity.groupId("nogroup").orElseThrow(), "1", "2"), c.gidList());
                    assertFalse(c.isPrivileged());
                    pod.reply(bytes("ok"));
                }
                // a raw peer gets the reply as gips 0.2.0 sends it: the payload as is in one datagram
                assertEquals("MSG " + HexFormatHolder.hex("ok") + " 0", Peers.finish(p, WAIT).strip());
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
