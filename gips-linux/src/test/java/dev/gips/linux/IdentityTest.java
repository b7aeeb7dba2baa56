package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.Policy;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** User and group names resolved through the user database, this process's credentials, and policies by name. */
@ExtendWith(LeakCheck.class)
class IdentityTest {

    @Test
    void rootResolvesToZero() throws IOException {
        assertEquals(Optional.of("0"), Identity.userId("root"));
        assertEquals(Optional.of("0"), Identity.groupId("root"));
    }

    @Test
    void nogroupResolvesLikeGetent() throws Exception {
        assertEquals(Optional.of(getentId("group", "nogroup")), Identity.groupId("nogroup"));
        assertEquals(Optional.of(getentId("passwd", "nobody")), Identity.userId("nobody"));
    }

    @Test
    void nonexistentNamesResolveToEmpty() throws IOException {
        assertEquals(Optional.empty(), Identity.userId("no-such-user-gips-" + ProcessHandle.current().pid()));
        assertEquals(Optional.empty(), Identity.groupId("no-such-group-gips-" + ProcessHandle.current().pid()));
    }

    @Test
    void currentProcessMatchesId() throws Exception {
        Credentials c = Credentials.currentProcess();
        assertEquals(ProcessHandle.current().pid(), c.pid());
        assertEquals(id("-u"), c.uid(), "uid vs id -u");
        assertFalse(c.gidList().isEmpty());
        assertEquals(id("-g"), c.gidList().get(0), "the primary group (id -g) comes first");
        List<String> idG = Arrays.asList(id("-G").split(" "));
        assertEquals(idG.get(0), c.gidList().get(0), "id -G also starts with the primary group");
        assertEquals(new LinkedHashSet<>(idG), new LinkedHashSet<>(c.gidList()), "all groups vs id -G");
        assertEquals(new LinkedHashSet<>(c.gidList()).size(), c.gidList().size(), "no group twice");
        assertEquals(c.uid().equals("0"), c.isPrivileged(), "privileged means uid 0");
        assertEquals(c, Identity.currentProcess());
    }

    @Test
    void policyWithUserNameRootAdmitsUidZero() {
        Policy p = new Policy().withAllowedUid("root");
        assertDoesNotThrow(() -> p.check(new Credentials(10, "0", List.of("0"), true)));
        assertThrows(PermissionDeniedException.class,
                () -> p.check(new Credentials(11, "1000", List.of("0"), false)));
    }

    @Test
    void policyWithGroupNameNogroupMatchesGid65534() throws IOException {
        assertEquals(Optional.of("65534"), Identity.groupId("nogroup"), "Debian's nogroup is 65534");
        Policy p = new Policy().withAllowedGid("nogroup");
        // as a supplementary group and as the primary one
        assertDoesNotThrow(() -> p.check(new Credentials(12, "1000", List.of("1000", "65534"), false)));
        assertDoesNotThrow(() -> p.check(new Credentials(13, "65534", List.of("65534"), false)));
        assertThrows(PermissionDeniedException.class,
                () -> p.check(new Credentials(14, "1000", List.of("1000", "100"), false)));
    }

    @Test
    void policyNamesAndNumericIdsMix() {
        Policy p = new Policy().withAllowedUid("root", "1000");
        assertDoesNotThrow(() -> p.check(new Credentials(15, "0", List.of("0"), true)));
        assertDoesNotThrow(() -> p.check(new Credentials(16, "1000", List.of("1000"), false)));
        assertThrows(PermissionDeniedException.class,
                () -> p.check(new Credentials(17, "1001", List.of("1001"), false)));
    }

    /** Issue 16, item 8: ids were compared as text, so {@code "0000"} refused root. */
    @Test
    void zeroPaddedIdsAdmitTheirUserAndGroupOverARealConnection() throws IOException {
        Credentials me = Credentials.currentProcess();
        Policy p = new Policy().withAllowedUid("000" + me.uid()).withAllowedGid("00" + me.gidList().get(0));
        String name = Peers.uniqueName("padded-ids");
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withPolicy(p));
                Endpoint client = Endpoint.connect(name)) {
            client.send("padded".getBytes(StandardCharsets.UTF_8));
            Pod pod = Peers.acceptOne(listener); // a refused client's message never arrives
            pod.message().close();
            assertEquals(me.uid(), pod.credentials().uid());
        }
    }

    /**
     * Issue 16, item 8 (SECURITY.md): credentials are those of the process that connected. A Python client connects
     * and hands its socket to a child process, which (as root) drops to nobody first; the message the child sends
     * still carries the parent's pid and uid, as {@code SO_PEERCRED} recorded them at connect.
     */
    @Test
    void credentialsAreThoseOfTheProcessThatConnectedNotOfOneItHandedTheSocketTo() throws Exception {
        String name = Peers.uniqueName("handoff");
        Credentials me = Credentials.currentProcess();
        try (Listener listener = Listener.bind(name)) {
            Process python = Peers.python("peer.py", "handoff", "/tmp/" + name, "65534", "65534").start();
            try {
                Pod pod = Peers.acceptOne(listener);
                String[] sender;
                try (var m = pod.message()) {
                    sender = new String(m.payload(), StandardCharsets.UTF_8).split(" ");
                }
                long childPid = Long.parseLong(sender[0]);
                assertTrue(childPid != python.pid(), "the message came from the child, pid " + childPid);
                assertEquals(python.pid(), pod.credentials().pid(), "credentials name the process that connected");
                assertEquals(me.uid(), pod.credentials().uid());
                if (me.uid().equals("0")) {
                    assertEquals("65534", sender[1], "the child dropped to nobody before it sent");
                    assertTrue(pod.credentials().isPrivileged(), "and still speaks as root");
                }
            } finally {
                Peers.kill(python);
            }
        }
    }

    @Test
    void policyWithUnknownNameMatchesNobody() {
        Policy p = new Policy().withAllowedUid("no-such-user-gips");
        assertThrows(PermissionDeniedException.class, () -> p.check(new Credentials(18, "0", List.of("0"), true)));
        Policy g = new Policy().withAllowedGid("no-such-group-gips");
        assertThrows(PermissionDeniedException.class, () -> g.check(new Credentials(19, "0", List.of("0"), true)));
    }

    private static String id(String flag) throws IOException, InterruptedException {
        return run("id", flag);
    }

    /** The numeric id in field 3 of {@code getent <db> <name>}. */
    private static String getentId(String db, String name) throws IOException, InterruptedException {
        return run("getent", db, name).split(":")[2];
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish");
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed");
        assertTrue(!out.isEmpty(), String.join(" ", cmd) + " printed nothing");
        return out;
    }
}
