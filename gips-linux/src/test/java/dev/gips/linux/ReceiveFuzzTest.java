package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of a listener's receive path from a raw AF_UNIX SOCK_SEQPACKET peer in this process: each
 * input is one connection that sends one datagram of any bytes (gips 0.2.0's large-payload marker included, which
 * the instrumented comparisons lead the fuzzer to) with any control messages: SCM_RIGHTS with up to 300 of a pool
 * of descriptors (memfd, sealed or not, /dev/null, a pipe, a socket), SCM_CREDENTIALS, and cmsg headers with
 * arbitrary lengths, levels and types (the kernel refuses most of those at sendmsg; what it passes reaches us).
 *
 * <p>Whatever arrives, the listener must deliver a well-formed message or drop the peer, never throw from
 * {@code tryAccept}, never block, and close every descriptor that came with the datagram; every 64 inputs a good
 * client is still served. Without {@code JAZZER_FUZZ=1} this replays the inputs under
 * {@code src/test/resources/dev/gips/linux/ReceiveFuzzTestInputs/}.
 *
 * <p>Not under {@link LeakCheck}: Jazzer attaches its agent when the first fuzz test starts, which opens two jars
 * and the JVM's attach socket for good. Instead each input checks that the descriptor count is back where it was.
 */
class ReceiveFuzzTest {
    private static final String NAME = Peers.uniqueName("fuzz-recv");
    private static Listener listener;
    private static Endpoint good;
    private static int[] pool;
    private static int inputs;

    @BeforeAll
    static void start() throws IOException {
        listener = Listener.bind(NAME);
        good = Endpoint.connect(NAME);
        int[] pipe = Posix.pipe();
        Peers.SocketPair pair = Peers.SocketPair.open();
        pool = new int[] {Peers.memfd("fuzz-a"), Posix.open(java.nio.file.Path.of("/dev/null"), 0, 0), pipe[0],
                pipe[1], pair.a(), pair.b()};
        assertServed();
    }

    @AfterAll
    static void stop() {
        if (good != null) {
            good.close();
        }
        if (listener != null) {
            listener.close();
        }
        if (pool != null) {
            Fds.closeAll(pool);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void anyDatagramAndControlMessageIsDeliveredWholeOrDropped(FuzzedDataProvider data) throws IOException {
        fuzzOne(data);
    }

    /** The same target for a long run by hand: {@code JAZZER_FUZZ=1 mvn ... -Dtest=ReceiveFuzzTest#longRun}. */
    @FuzzTest(maxDuration = "1h")
    void longRun(FuzzedDataProvider data) throws IOException {
        fuzzOne(data);
    }

    private static void fuzzOne(FuzzedDataProvider data) throws IOException {
        long baseline = Peers.openFds();
        byte[] control = control(data);
        byte[] payload = data.consumeRemainingAsBytes();
        int fd = connectRaw();
        try {
            send(fd, payload, control);
        } finally {
            Fds.closeQuietly(fd);
        }
        // the connection, its datagram and its hang-up are queued; each tryAccept takes one step and never blocks
        for (int i = 0; i < 4; i++) {
            Optional<Pod> pod = listener.tryAccept();
            if (pod.isPresent()) {
                try (Message m = pod.get().message()) {
                    assertTrue(m.payload().length <= 16 * 1024 * 1024);
                }
                // identity comes from SO_PEERCRED at connect, never from an SCM_CREDENTIALS the peer wrote (as
                // root, which the tests run as, the kernel lets it forge any pid/uid/gid there)
                assertEquals(ProcessHandle.current().pid(), pod.get().credentials().pid());
                assertEquals(String.valueOf(Unistd.geteuid()), pod.get().credentials().uid());
                pod.get().connection().close();
            }
        }
        assertTrue(listener.tryAccept().isEmpty(), "a single datagram was delivered twice");
        assertEquals(baseline, Peers.openFds(), "a descriptor leaked: " + Peers.describeFds());
        if (++inputs % 64 == 0) {
            assertServed();
        }
    }

    /** Up to three control messages: well-formed rights or credentials, or a header with fuzzed fields. */
    private static byte[] control(FuzzedDataProvider data) {
        int count = data.consumeInt(0, 3);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int c = 0; c < count; c++) {
            int kind = data.consumeInt(0, 2);
            byte[] body;
            int level = SysSocket.SOL_SOCKET;
            int type;
            long length;
            if (kind == 0) {
                int n = data.consumeInt(0, 300);
                body = new byte[4 * n];
                for (int i = 0; i < n; i++) {
                    int v = pool[data.consumeInt(0, pool.length - 1)];
                    body[4 * i] = (byte) v;
                    body[4 * i + 1] = (byte) (v >> 8);
                    body[4 * i + 2] = (byte) (v >> 16);
                    body[4 * i + 3] = (byte) (v >> 24);
                }
                type = SysSocket.SCM_RIGHTS;
                length = SysSocket.CMSG_LEN(body.length);
            } else if (kind == 1) {
                MemorySegment ucred = MemorySegment.ofArray(new byte[(int) SysSocket.UCRED.byteSize()]);
                ucred.set(JAVA_INT_UNALIGNED, SysSocket.UCRED_PID, data.consumeBoolean() ? Unistd.getpid() : data.consumeInt());
                ucred.set(JAVA_INT_UNALIGNED, SysSocket.UCRED_UID, data.consumeBoolean() ? 0 : data.consumeInt());
                ucred.set(JAVA_INT_UNALIGNED, SysSocket.UCRED_GID, data.consumeBoolean() ? 0 : data.consumeInt());
                body = ucred.toArray(JAVA_BYTE);
                type = SysSocket.SCM_CREDENTIALS;
                length = SysSocket.CMSG_LEN(body.length);
            } else {
                body = data.consumeBytes(data.consumeInt(0, 64));
                level = data.consumeBoolean() ? SysSocket.SOL_SOCKET : data.consumeInt();
                type = data.consumeInt(0, 4);
                length = data.consumeLong(0, 1 << 16);
            }
            byte[] cmsg = new byte[(int) SysSocket.CMSG_SPACE(body.length)];
            MemorySegment s = MemorySegment.ofArray(cmsg);
            s.set(JAVA_LONG_UNALIGNED, SysSocket.CMSG_LEN_OFFSET, length);
            s.set(JAVA_INT_UNALIGNED, SysSocket.CMSG_LEVEL, level);
            s.set(JAVA_INT_UNALIGNED, SysSocket.CMSG_TYPE, type);
            MemorySegment.copy(body, 0, s, JAVA_BYTE, SysSocket.CMSG_DATA_OFFSET, body.length);
            out.writeBytes(cmsg);
        }
        return out.toByteArray();
    }

    private static int connectRaw() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysSocket.socket(errno, SysSocket.AF_UNIX, SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket: " + Errno.describe(Native.errno(errno)));
            }
            UnixAddress address = UnixAddress.of(NAME);
            if (SysSocket.connect(errno, fd, address.sockaddr(arena), address.sockaddrLength()) < 0) {
                Fds.closeQuietly(fd);
                throw new IOException("connect: " + Errno.describe(Native.errno(errno)));
            }
            return fd;
        }
    }

    /** One sendmsg; the kernel may refuse the control data (EINVAL, EBADF, EPERM...) and then nothing is sent. */
    private static void send(int fd, byte[] payload, byte[] control) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment data = arena.allocate(Math.max(1, payload.length));
            MemorySegment.copy(payload, 0, data, JAVA_BYTE, 0, payload.length);
            MemorySegment iov = arena.allocate(SysSocket.IOVEC);
            iov.set(JAVA_LONG, SysSocket.IOV_BASE, data.address());
            iov.set(JAVA_LONG, SysSocket.IOV_LEN, payload.length);
            MemorySegment msg = arena.allocate(SysSocket.MSGHDR);
            msg.set(JAVA_LONG, SysSocket.MSG_IOV, iov.address());
            msg.set(JAVA_LONG, SysSocket.MSG_IOVLEN, 1);
            if (control.length > 0) {
                MemorySegment ctl = arena.allocate(control.length, 8);
                MemorySegment.copy(control, 0, ctl, JAVA_BYTE, 0, control.length);
                msg.set(JAVA_LONG, SysSocket.MSG_CONTROL, ctl.address());
                msg.set(JAVA_LONG, SysSocket.MSG_CONTROLLEN, control.length);
            }
            SysSocket.sendmsg(errno, fd, msg, SysSocket.MSG_NOSIGNAL | SysSocket.MSG_DONTWAIT);
        }
    }

    private static void assertServed() throws IOException {
        good.send("ping".getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        try (Message m = pod.message()) {
            assertArrayEquals("ping".getBytes(UTF_8), m.payload());
        }
        pod.reply("pong".getBytes(UTF_8));
        try (Message m = Peers.recvOne(good)) {
            assertArrayEquals("pong".getBytes(UTF_8), m.payload());
        }
    }
}
