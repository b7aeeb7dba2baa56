package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@link SocketActivation} accepts and refuses of what systemd passes, in this process: the test builds the
 * environment and places real descriptors at consecutive numbers, as systemd does from descriptor 3 (here from a
 * free number well above the JVM's own). The end-to-end path, with a real descriptor 3 in a child JVM, is
 * {@link SystemdActivationTest}.
 */
@ExtendWith(LeakCheck.class)
class SocketActivationTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final int AF_INET = 2; // only to make a socket of the wrong family

    private final List<Integer> opened = new ArrayList<>();

    @AfterEach
    void closeDescriptors() {
        opened.forEach(Fds::closeQuietly);
    }

    @Test
    void takesTheOnlySocketMakingItCloseOnExecAndNonBlocking() throws IOException {
        String abstractName = Peers.uniqueName("activation");
        int first = place(listening(SysSocket.SOCK_SEQPACKET, abstractName));
        assertEquals(0, Fcntl.fcntl(Native.threadCapture(), first, Fcntl.F_GETFD, 0) & Fcntl.FD_CLOEXEC,
                "passed like systemd passes it: inheritable");
        SocketActivation activation = activation(Map.of("LISTEN_PID", "" + PID, "LISTEN_FDS", "1",
                "LISTEN_FDNAMES", "other.socket"), first);

        // the only socket is this service's, whatever its name (systemd's default is the .socket unit's name)
        SocketActivation.Passed passed = activation.take("com.example.svc");
        assertEquals(first, passed.fd());
        assertEquals("@" + abstractName, passed.address());
        assertTrue((Fcntl.fcntl(Native.threadCapture(), first, Fcntl.F_GETFD, 0) & Fcntl.FD_CLOEXEC) != 0);
        assertTrue((Fcntl.fcntl(Native.threadCapture(), first, Fcntl.F_GETFL, 0) & Fcntl.O_NONBLOCK) != 0);

        refused(activation, "com.example.svc", "descriptor " + first + " is already taken over by another Listener");
        activation.giveBack(passed);
        assertEquals(first, activation.take("com.example.svc").fd());
    }

    @Test
    void choosesTheSocketByItsName() throws IOException {
        int first = place(listening(SysSocket.SOCK_SEQPACKET, Peers.uniqueName("a")),
                listening(SysSocket.SOCK_SEQPACKET, Peers.uniqueName("b")));
        SocketActivation activation = activation(Map.of("LISTEN_PID", "" + PID, "LISTEN_FDS", "2",
                "LISTEN_FDNAMES", "alpha:beta"), first);
        assertEquals(first + 1, activation.take("beta").fd());
        assertEquals(first, activation.take("alpha").fd());
        assertTrue((Fcntl.fcntl(Native.threadCapture(), first + 1, Fcntl.F_GETFD, 0) & Fcntl.FD_CLOEXEC) != 0);
    }

    @Test
    void refusesWithoutLISTEN_FDS() throws IOException {
        refused(activation(Map.of(), 3), "svc", "socket activation \"svc\": LISTEN_FDS is not set: this process was"
                + " not started by systemd socket activation");
    }

    @Test
    void refusesSocketsMeantForAnotherProcess() throws IOException {
        int first = place(listening(SysSocket.SOCK_SEQPACKET, Peers.uniqueName("pid")));
        refused(activation(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1"), first), "svc",
                "socket activation \"svc\": LISTEN_PID is 1 but this process is " + PID + ": the sockets were passed"
                        + " to another process");
        refused(activation(Map.of("LISTEN_FDS", "1"), first), "svc", "LISTEN_FDS is set but LISTEN_PID is not");
        refused(activation(Map.of("LISTEN_PID", "x1", "LISTEN_FDS", "1"), first), "svc",
                "LISTEN_PID is \"x1\", not a number");
        // refused before anything was done to the descriptor
        assertEquals(0, Fcntl.fcntl(Native.threadCapture(), first, Fcntl.F_GETFD, 0) & Fcntl.FD_CLOEXEC);
    }

    @Test
    void refusesADescriptorThatIsNotASocket() throws IOException {
        int first = place(Peers.memfd("gips-not-a-socket"));
        refused(activation(ours(1, null), first), "svc", "descriptor " + first + " is not a socket");
    }

    @Test
    void refusesASocketOfAnotherTypeOrFamily() throws IOException {
        int stream = place(listening(SysSocket.SOCK_STREAM, Peers.uniqueName("stream")));
        refused(activation(ours(1, null), stream), "svc", "descriptor " + stream + " is a SOCK_STREAM socket, not"
                + " SOCK_SEQPACKET: use ListenSequentialPacket=");
        int inet = place(socket(AF_INET, 1));
        refused(activation(ours(1, null), inet), "svc", "descriptor " + inet + " is a socket of address family 2,"
                + " not AF_UNIX");
    }

    @Test
    void refusesASocketThatIsNotListening() throws IOException {
        Peers.SocketPair pair = Peers.SocketPair.open();
        opened.add(pair.b());
        int first = place(pair.a());
        refused(activation(ours(1, null), first), "svc", "descriptor " + first + " is an AF_UNIX SOCK_SEQPACKET"
                + " socket that is not listening");
    }

    @Test
    void refusesWhenNoPassedSocketHasTheServiceName() throws IOException {
        int first = place(listening(SysSocket.SOCK_SEQPACKET, Peers.uniqueName("n1")),
                listening(SysSocket.SOCK_SEQPACKET, Peers.uniqueName("n2")));
        refused(activation(ours(2, "alpha:beta"), first), "svc", "systemd passed 2 sockets named [alpha, beta],"
                + " none named \"svc\": set FileDescriptorName=svc in its .socket unit");
        refused(activation(ours(2, null), first), "svc", "systemd passed 2 sockets without names (LISTEN_FDNAMES is"
                + " not set)");
        refused(activation(ours(2, "svc"), first), "svc", "LISTEN_FDNAMES names 1 sockets (\"svc\") but LISTEN_FDS"
                + " is 2");
    }

    @Test
    void refusesADescriptorThatIsNotOpen() throws IOException {
        int first = place(Peers.memfd("gips-closed"));
        opened.remove(Integer.valueOf(first)); // closed here: closing its number again could close another's file
        Fds.closeQuietly(first);
        refused(activation(ours(1, null), first), "svc", "descriptor " + first + " of LISTEN_FDS=1:"
                + " fcntl(F_SETFD, FD_CLOEXEC): EBADF: Bad file descriptor");
        refused(activation(Map.of("LISTEN_PID", "" + PID, "LISTEN_FDS", "0"), first), "svc",
                "LISTEN_FDS is 0: systemd passed no socket");
    }

    private static Map<String, String> ours(int count, String names) {
        Map<String, String> env = new HashMap<>(Map.of("LISTEN_PID", "" + PID, "LISTEN_FDS", "" + count));
        if (names != null) {
            env.put("LISTEN_FDNAMES", names);
        }
        return env;
    }

    private static SocketActivation activation(Map<String, String> env, int firstFd) {
        return new SocketActivation(env, PID, firstFd);
    }

    private static void refused(SocketActivation activation, String service, String expected) {
        IOException e = assertThrows(IOException.class, () -> activation.take(service));
        assertTrue(e.getMessage().contains(expected), () -> "\"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }

    /**
     * Moves {@code fds} to consecutive free descriptor numbers, inheritable as systemd passes them, and returns the
     * first; closes the originals.
     */
    private int place(int... fds) {
        MemorySegment errno = Native.threadCapture();
        for (int first = 600; first < 1000; first += fds.length) {
            boolean free = true;
            for (int i = 0; i < fds.length; i++) {
                free &= !Peers.isOpenFd(first + i);
            }
            if (!free) {
                continue;
            }
            for (int i = 0; i < fds.length; i++) {
                int fd = Fcntl.fcntl(errno, fds[i], Fcntl.F_DUPFD_CLOEXEC, first + i);
                assertEquals(first + i, fd, "descriptor " + (first + i) + " was taken meanwhile");
                opened.add(fd);
                Fcntl.fcntl(errno, fd, Fcntl.F_SETFD, 0);
                Fds.closeQuietly(fds[i]);
            }
            return first;
        }
        throw new AssertionError("no " + fds.length + " free consecutive descriptors between 600 and 1000");
    }

    private static int socket(int domain, int type) {
        int fd = SysSocket.socket(Native.threadCapture(), domain, type | SysSocket.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, "socket: " + Errno.describe(Native.errno(Native.threadCapture())));
        return fd;
    }

    /** An AF_UNIX socket of {@code type} listening on the abstract name {@code name}. */
    private static int listening(int type, String name) {
        int fd = socket(SysSocket.AF_UNIX, type);
        try (Arena arena = Arena.ofConfined()) {
            UnixAddress address = UnixAddress.of("\0" + name);
            MemorySegment errno = Native.allocateCapture(arena);
            assertEquals(0, SysSocket.bind(errno, fd, address.sockaddr(arena), address.sockaddrLength()),
                    () -> "bind: " + Errno.describe(Native.errno(errno)));
            assertEquals(0, SysSocket.listen(errno, fd, 8), () -> "listen: " + Errno.describe(Native.errno(errno)));
        }
        return fd;
    }
}
