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
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The socket file's life ({@link SocketFile}) where other users can write: no symbolic link or swap of theirs makes
 * bind or close change or remove a file that is not the service's socket (issue 16, item 5), and peers still reach
 * the service by its path.
 */
@ExtendWith(LeakCheck.class)
class SocketFileTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Bind/close rounds the service makes while the attacker swaps. */
    private static final int ROUNDS = 3000;

    private Path base;

    @BeforeEach
    void makeBase() throws IOException {
        base = Files.createDirectory(Path.of("/tmp/" + Peers.uniqueName("socket-file")));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody may look in
    }

    @AfterEach
    void removeBase() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A directory in {@link #base} with {@code mode}. */
    private Path directory(String name, String mode) throws IOException {
        Path dir = Files.createDirectory(base.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        return dir;
    }

    private static boolean isSocket(Path p) throws IOException {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS)
                && (((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 0170000) == 0140000;
    }

    private static Set<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static void echoOnce(Listener listener, Endpoint client) throws IOException {
        client.send("ping".getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        try (Message m = pod.message()) {
            pod.reply(m.payload());
        }
        try (Message m = Peers.recvOne(client)) {
            assertArrayEquals("ping".getBytes(UTF_8), m.payload());
        }
    }

    // ------------------------------------------------------------------------------------------ the attack

    /**
     * Issue 16 item 5. User nobody owns {@code atk} and runs {@code symlink_swap.c} there: it swaps the socket's
     * directory with a symbolic link to a root-owned directory of 0600 files, swaps the socket's own name with a link
     * to one of them, and plants dead sockets, all in tight loops, while this root service binds and closes
     * {@code atk/d/svc} {@value #ROUNDS} times. Before the fix, bind's {@code chmod 0666} and the stale socket's
     * unlink went through those links: the root files became 0666 or disappeared within the first rounds.
     */
    @Test
    void anotherUsersSymlinkSwapsNeverMakeBindOrCloseChangeOrRemoveAFileThatIsNotTheSocket() throws Exception {
        Peers.assumeRoot("the attacker is user nobody (setpriv) and the victims are root's files");
        Path victims = directory("victims", "rwxr-xr-x");
        Map<String, String> canaries = Map.of("svc", "root's file named like the socket\n",
                "victim", "root's file a link to which replaces the socket\n");
        for (var c : canaries.entrySet()) {
            Path f = Files.writeString(victims.resolve(c.getKey()), c.getValue());
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
        Path atk = directory("atk", "rwxr-xr-x");
        UserPrincipalLookupService users = atk.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(atk, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName("nobody"));
        view.setGroup((GroupPrincipal) users.lookupPrincipalByGroupName("nogroup"));
        Path source = base.resolve("symlink_swap.c");
        try (var in = SocketFileTest.class.getResourceAsStream("/c/symlink_swap.c")) {
            Files.copy(in, source);
        }
        Path exe = base.resolve("symlink_swap");
        Peers.run(new ProcessBuilder("gcc", "-O2", "-Wall", "-o", exe.toString(), source.toString()), WAIT);
        String name = atk.resolve("d/svc").toString();

        Map<String, Integer> outcomes = new TreeMap<>();
        try (Peers.Running attacker = Peers.start(Peers.asNobody(
                new ProcessBuilder(exe.toString(), atk.toString(), victims.toString(), "600")))) {
            assertEquals("READY", attacker.nextLine(WAIT));
            long start = System.nanoTime();
            for (int round = 1; round <= ROUNDS; round++) {
                String outcome;
                try (Listener listener = Listener.bind(name)) {
                    outcome = "bound";
                } catch (IOException e) {
                    // 'bind "/tmp/…/d/svc": <reason>': keep the reason, without the paths that vary
                    outcome = e.getMessage().substring(e.getMessage().indexOf(": ") + 2)
                            .replaceAll("/tmp/[^\\s:()]*", "<path>");
                }
                outcomes.merge(outcome, 1, Integer::sum);
                assertVictimsUntouched(victims, canaries, round, outcomes);
            }
            assertTrue(attacker.isAlive(), "the attacker ran throughout: " + attacker.report());
            System.out.printf("symlink swap: %d bind/close rounds against the attacker in %d ms: %s%n", ROUNDS,
                    (System.nanoTime() - start) / 1_000_000, outcomes);
        }
        assertTrue(outcomes.getOrDefault("bound", 0) > 0, "the service never got its socket: " + outcomes);
        assertTrue(outcomes.size() > 1, "the attacker never got in the way: " + outcomes);
    }

    private static void assertVictimsUntouched(Path victims, Map<String, String> canaries, int round,
            Map<String, Integer> outcomes) throws IOException {
        String when = "after round " + round + " (outcomes so far: " + outcomes + ")";
        assertEquals(canaries.keySet(), entries(victims), "the victims' directory changed " + when);
        for (var c : canaries.entrySet()) {
            Path f = victims.resolve(c.getKey());
            assertTrue(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS), f + " is gone or replaced " + when);
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f,
                    LinkOption.NOFOLLOW_LINKS), f + " changed mode " + when);
            assertEquals(c.getValue(), Files.readString(f), f + " changed " + when);
        }
    }

    // ---------------------------------------------------------------- directories other users can write

    @Test
    void inADirectoryOtherUsersCanWriteTheSocketIsLinkedIntoPlaceAndPeersReachItByItsPath() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Path file = open.resolve("svc");
        try (Listener listener = Listener.bind(file.toString())) {
            assertTrue(isSocket(file), "no socket at " + file);
            assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(file));
            assertEquals(Set.of("svc"), entries(open), "the private directory was left behind");

            // a gips 0.2.0-style client (no address, no SO_PASSCRED) connects by the plain path; the address the
            // socket was bound to is the one in its private directory, through /proc
            try (Peers.Running py = Peers.start(Peers.python("peer.py", "peer-address", file.toString()))) {
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals("hello".getBytes(UTF_8), m.payload());
                }
                pod.reply("hi".getBytes(UTF_8));
                String peerName = py.nextLine(WAIT);
                assertTrue(peerName.matches("PEERNAME '/proc/self/fd/\\d+/svc'"), peerName);
                String reply = py.nextLine(WAIT);
                assertTrue(reply.matches("REPLY 6869 FROM '/proc/self/fd/\\d+/svc'"), reply);
                py.finish(WAIT);
            }

            // a Java client tells an empty reply from end-of-stream by that (non-empty) address
            try (Endpoint client = Endpoint.connect(file.toString())) {
                client.send("ping".getBytes(UTF_8));
                Pod pod = Peers.acceptOne(listener);
                pod.message().close();
                pod.reply(new byte[0]);
                try (Message m = Peers.recvOne(client)) {
                    assertEquals(0, m.payload().length);
                }
                echoOnce(listener, client);
            }
        }
        assertEquals(Set.of(), entries(open), "close left something behind");
    }

    @Test
    void atTheDefaultPathTheSocketIsBoundInPlaceAndPeersSeeItsPath() throws Exception {
        String name = Peers.uniqueName("in-place");
        try (Listener listener = Listener.bind(name);
                Peers.Running py = Peers.start(Peers.python("peer.py", "peer-address", "/tmp/" + name))) {
            Pod pod = Peers.acceptOne(listener);
            pod.message().close();
            pod.reply("hi".getBytes(UTF_8));
            assertEquals("PEERNAME '/tmp/" + name + "'", py.nextLine(WAIT));
            assertEquals("REPLY 6869 FROM '/tmp/" + name + "'", py.nextLine(WAIT));
            py.finish(WAIT);
        }
    }

    @Test
    void aSymbolicLinkInADirectoryOtherUsersCanWriteIsNotFollowed() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Path target = directory("target", "rwxr-xr-x");
        Files.createSymbolicLink(open.resolve("d"), target);
        String name = open.resolve("d/svc").toString();
        IOException e = assertThrows(IOException.class, () -> Listener.bind(name));
        assertTrue(e.getMessage().contains(open.resolve("d") + " is a symbolic link in a directory that other users"
                + " can write"), e.getMessage());
        assertEquals(Set.of(), entries(target));
        assertEquals(Set.of("d"), entries(open));
    }

    @Test
    void aSymbolicLinkInADirectoryOnlyItsOwnerCanWriteIsFollowed() throws Exception {
        Path closed = directory("closed", "rwxr-xr-x");
        Path target = directory("target", "rwxr-xr-x");
        Files.createSymbolicLink(closed.resolve("d"), Path.of("../target")); // relative, through ".."
        String name = closed.resolve("d/svc").toString();
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            assertTrue(isSocket(target.resolve("svc")));
            echoOnce(listener, client);
        }
        assertEquals(Set.of(), entries(target));
    }

    @Test
    void inADirectoryOtherUsersCanWriteAStaleSocketIsReclaimedAndALiveOneOrARegularFileIsNot() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Path file = open.resolve("svc");
        assertEquals("BOUND", Peers.run(Peers.python("peer.py", "bind-and-exit", file.toString()), WAIT).strip());
        assertTrue(isSocket(file), "the exited server left its socket file");
        try (Listener listener = Listener.bind(file.toString()); Endpoint client = Endpoint.connect(file.toString())) {
            echoOnce(listener, client);
            IOException live = assertThrows(IOException.class, () -> Listener.bind(file.toString()));
            assertTrue(live.getMessage().contains("address in use: a live service answers"), live.getMessage());
            echoOnce(listener, client);
        }
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS));

        Files.writeString(file, "precious data");
        IOException regular = assertThrows(IOException.class, () -> Listener.bind(file.toString()));
        assertTrue(regular.getMessage().contains("not a socket"), regular.getMessage());
        assertEquals("precious data", Files.readString(file));
        assertEquals(Set.of("svc"), entries(open), "the private directory was left behind");
    }

    @Test
    void closeLeavesWhatReplacedTheSocketInADirectoryOtherUsersCanWrite() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Path file = open.resolve("svc");
        Listener listener = Listener.bind(file.toString());
        try {
            Files.move(file, open.resolve("moved")); // what another user could do here
            Files.writeString(file, "theirs");
        } finally {
            listener.close();
        }
        assertEquals("theirs", Files.readString(file));
        assertTrue(isSocket(open.resolve("moved")), "close removed the socket under a name it never bound");
    }

    /** Mode 0666 and removal at close, where nobody else can write: the path {@code LifecycleTest} checks in /tmp. */
    @Test
    void inADirectoryOnlyItsOwnerCanWriteTheSocketIsMode0666AndRemovedByClose() throws Exception {
        Path closed = directory("closed", "rwxr-xr-x");
        Path file = closed.resolve("svc");
        try (Listener listener = Listener.bind(file.toString())) {
            assertTrue(isSocket(file));
            assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(file));
            assertEquals(Set.of("svc"), entries(closed));
        }
        assertEquals(Set.of(), entries(closed));
    }
}
