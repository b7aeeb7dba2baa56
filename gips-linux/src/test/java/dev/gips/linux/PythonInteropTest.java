package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A peer written with nothing but Python's standard library ({@code socket.socket(AF_UNIX, SOCK_SEQPACKET)},
 * {@code socket.send_fds} / {@code socket.recv_fds}) talks to gips-java in both directions. That it works at all
 * proves the wire format is plain gips 0.2.0: one datagram per message holding the raw payload, handles as
 * {@code SCM_RIGHTS}; descriptors sent either way are used by the other side.
 */
@ExtendWith(LeakCheck.class)
class PythonInteropTest {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final long MY_PID = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadBackend() throws IOException {
        Credentials.currentProcess(); // loads the backend, so that fd baselines do not count what it opens once
    }

    // ------------------------------------------------------------------------------- Python client, Java listener

    @Test
    void pythonClientTalksToJavaListener() throws Exception {
        long fdsBefore = Peers.openFds();
        String name = Peers.uniqueName("py-client");
        Path javaFile = tmp.resolve("from-java.txt");
        byte[] big = pattern(100_000);
        byte[] binary = new byte[1024];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        List<byte[]> plain = List.of(bytes("hello from python"), new byte[0], binary, big, bytes("first"),
                bytes("second"));
        try (Listener listener = Listener.bind(name);
                Peers.Running py = Peers.start(Peers.python("interop_client.py", "/tmp/" + name, tmp.toString()))) {
            Connection connection = null;
            for (byte[] expected : plain) {
                Pod pod = accept(listener, py);
                try (Message m = pod.message()) {
                    assertArrayEquals(expected, m.payload(), "payload from Python");
                    assertEquals(List.of(), m.handles());
                    assertEquals(py.pid(), pod.credentials().pid(), "pid from SO_PEERCRED");
                    assertEquals(String.valueOf(Unistd.geteuid()), pod.credentials().uid(), "uid from SO_PEERCRED");
                    if (connection == null) {
                        connection = pod.connection();
                    }
                    assertSame(connection, pod.connection(), "one Connection per client");
                    pod.reply(reversed(expected));
                }
            }

            // a descriptor of a file Python wrote: read it here; reply with a descriptor of a file for Python to write
            Pod pod = accept(listener, py);
            try (Message m = pod.message()) {
                assertEquals("file-for-java", string(m.payload()));
                assertEquals(1, m.handles().size());
                Handle h = m.handles().get(0);
                assertEquals(Handle.Kind.FILE_DESCRIPTOR, h.kind());
                Path received = Posix.procFd(h.fileDescriptor());
                assertTrue(Files.isSameFile(received, tmp.resolve("from-python.txt")),
                        Posix.describe(h.fileDescriptor()));
                byte[] content = Files.readAllBytes(received);
                assertEquals("written by python pid " + py.pid() + "\n", string(content));
                int fd = Posix.open(javaFile, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC, 0600);
                try (Handle mine = Handle.ofFileDescriptor(fd)) {
                    pod.reply(concat(bytes("java read: "), content), mine);
                } finally {
                    Posix.close(fd);
                }
            }

            // an empty message carrying a descriptor: a real message, not end-of-stream (gips 0.2.0 bug L-1)
            pod = accept(listener, py);
            assertSame(connection, pod.connection());
            try (Message m = pod.message()) {
                assertEquals(0, m.payload().length);
                assertEquals(1, m.handles().size());
                assertTrue(Posix.describe(m.handles().get(0).fileDescriptor()).startsWith("pipe:"),
                        Posix.describe(m.handles().get(0).fileDescriptor()));
                pod.reply(bytes("empty-with-fd ok"));
            }
            // Python wrote through our descriptor before it sent that message
            assertEquals("python wrote this through fd\n", Files.readString(javaFile));

            pod = accept(listener, py);
            try (Message m = pod.message()) {
                assertEquals("done", string(m.payload()));
                pod.reply(reversed(m.payload()));
            }
            connection.close(); // Python must see end-of-stream

            String out = py.finish(STEP);
            List<String> expected = new ArrayList<>();
            String[] labels = {"text", "empty", "binary", "big", "first", "second"};
            for (int i = 0; i < labels.length; i++) {
                expected.add(replyLine(labels[i], reversed(plain.get(i))));
            }
            expected.add("wrote-to-java-fd");
            expected.add("empty-with-fd ok");
            expected.add(replyLine("done", bytes("enod")));
            expected.add("eof");
            assertEquals(String.join("\n", expected) + "\n", out);
            assertFalse(connection.isOpen());
            assertTrue(listener.tryAccept().isEmpty(), "nothing else arrived");
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    // ------------------------------------------------------------------------------ Java endpoint, Python server

    @Test
    void javaEndpointTalksToPythonServer() throws Exception {
        long fdsBefore = Peers.openFds();
        String path = "/tmp/" + Peers.uniqueName("py-server");
        Path file = tmp.resolve("echoed.txt");
        Files.writeString(file, "echo me");
        try (Peers.Running py = startServer(path); Endpoint endpoint = Endpoint.connect(path)) {
            assertEquals(py.pid(), endpoint.peerCredentials().pid(), "the server's pid from SO_PEERCRED");
            assertEquals("client pid=" + MY_PID, py.nextLine(STEP));

            byte[] binary = new byte[256];
            for (int i = 0; i < binary.length; i++) {
                binary[i] = (byte) (255 - i);
            }
            for (byte[] p : List.of(bytes("hello from java"), new byte[0], binary, pattern(100_000))) {
                endpoint.send(p);
                // Python saw exactly one datagram whose bytes are the payload (an empty one too, not end-of-stream)
                assertEquals(msgLine(p, 0), py.nextLine(STEP));
                try (Message echo = endpoint.recv(STEP).orElseThrow()) {
                    assertArrayEquals(p, echo.payload(), "echo from Python");
                    assertEquals(List.of(), echo.handles());
                }
            }

            // a direct buffer, sent from its position to its limit
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            direct.put(bytes("xxdirect payloadyy")).flip().position(2).limit(16);
            endpoint.send(direct, List.of());
            assertEquals(16, direct.position());
            assertEquals(msgLine(bytes("direct payload"), 0), py.nextLine(STEP));
            try (Message echo = endpoint.recv(STEP).orElseThrow()) {
                assertEquals("direct payload", string(echo.payload()));
            }

            // descriptors sent to Python and echoed back name the same objects
            int fileFd = Posix.open(file, Posix.O_RDONLY, 0);
            int[] pipe = Posix.pipe();
            try (Handle f = Handle.ofFileDescriptor(fileFd); Handle r = Handle.ofFileDescriptor(pipe[0])) {
                for (byte[] p : List.of(bytes("echo-fds"), new byte[0])) {
                    endpoint.send(p, f, r);
                    assertEquals(msgLine(p, 2), py.nextLine(STEP));
                    try (Message echo = endpoint.recv(STEP).orElseThrow()) {
                        assertArrayEquals(p, echo.payload());
                        assertEquals(2, echo.handles().size());
                        assertTrue(Files.isSameFile(Posix.procFd(echo.handles().get(0).fileDescriptor()), file));
                        assertEquals(Posix.describe(pipe[0]), Posix.describe(echo.handles().get(1).fileDescriptor()));
                        assertEquals("echo me", Files.readString(Posix.procFd(echo.handles().get(0).fileDescriptor())));
                    }
                }
                assertTrue(f.isOpen() && r.isOpen(), "sending does not consume the caller's handles");
            } finally {
                Posix.close(fileFd);
                Posix.close(pipe[0]);
                Posix.close(pipe[1]);
            }

            endpoint.send(bytes("bye"));
            assertEquals(msgLine(bytes("bye"), 0), py.nextLine(STEP));
            try (Message m = endpoint.recv(STEP).orElseThrow()) {
                assertEquals("bye", string(m.payload()));
            }
            assertThrows(EOFException.class, () -> endpoint.recv(STEP), "Python hung up");
            assertEquals("closed", py.nextLine(STEP));
            py.finish(STEP);
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    // ------------------------------------------------------------------------- descriptors used on the other side

    @Test
    void pythonWritesThroughDescriptorsSentByJava() throws Exception {
        long fdsBefore = Peers.openFds();
        String path = "/tmp/" + Peers.uniqueName("py-write");
        Path file = tmp.resolve("python-writes-here.txt");
        Files.writeString(file, "java was here\n");
        try (Peers.Running py = startServer(path); Endpoint endpoint = Endpoint.connect(path)) {
            assertEquals("client pid=" + MY_PID, py.nextLine(STEP));
            int fileFd = Posix.open(file, Posix.O_WRONLY | Posix.O_APPEND, 0);
            int[] pipe = Posix.pipe();
            try {
                byte[] command = bytes("write:python was here\n");
                try (Handle f = Handle.ofFileDescriptor(fileFd); Handle w = Handle.ofFileDescriptor(pipe[1])) {
                    endpoint.send(command, f, w);
                }
                Posix.close(pipe[1]); // now Python holds the only write end
                assertEquals(msgLine(command, 2), py.nextLine(STEP));
                try (Message m = endpoint.recv(STEP).orElseThrow()) {
                    assertEquals("wrote 2", string(m.payload()));
                    assertEquals(List.of(), m.handles());
                }
                assertEquals("java was here\npython was here\n", Files.readString(file));
                // end-of-file proves Python closed its copy and no copy was left behind on either side
                assertEquals("python was here\n", string(Posix.readToEof(pipe[0], STEP)));
            } finally {
                Posix.close(fileFd);
                Posix.close(pipe[0]);
            }
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    @Test
    void javaReadsDescriptorSentByPython() throws Exception {
        long fdsBefore = Peers.openFds();
        String path = "/tmp/" + Peers.uniqueName("py-give");
        try (Peers.Running py = startServer(path); Endpoint endpoint = Endpoint.connect(path)) {
            assertEquals("client pid=" + MY_PID, py.nextLine(STEP));
            for (String text : List.of("from python with love\n", "second file\n")) {
                byte[] command = bytes("give:" + text);
                endpoint.send(command);
                assertEquals(msgLine(command, 0), py.nextLine(STEP));
                Message m = endpoint.recv(STEP).orElseThrow();
                try (m) {
                    assertEquals("here", string(m.payload()));
                    assertEquals(1, m.handles().size());
                    Handle h = m.handles().get(0);
                    assertEquals(text, Files.readString(Posix.procFd(h.fileDescriptor())));
                }
                assertFalse(m.handles().get(0).isOpen(), "closing the message closes its handles");
            }
        }
        assertEquals(fdsBefore, Peers.openFds(), Peers::describeFds);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static Peers.Running startServer(String path) throws Exception {
        Peers.Running py = Peers.start(Peers.python("interop_server.py", path));
        try {
            assertEquals("ready pid=" + py.pid(), py.nextLine(STEP));
            return py;
        } catch (Throwable t) {
            py.close();
            throw t;
        }
    }

    private static Pod accept(Listener listener, Peers.Running peer) throws IOException {
        return listener.accept(STEP).orElseThrow(() -> new AssertionError("no message within " + STEP + "; "
                + peer.report()));
    }

    private static String replyLine(String label, byte[] reply) {
        return "reply " + label + " len=" + reply.length + " sha256=" + sha256(reply) + " from-pid=" + MY_PID;
    }

    private static String msgLine(byte[] payload, int fds) {
        return "msg len=" + payload.length + " fds=" + fds + " sha256=" + sha256(payload);
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * 31 + 7) % 251);
        }
        return b;
    }

    static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, UTF_8);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
