package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Descriptors between Java and the real Rust gips 0.2.0, 1, 3 and 253 (the kernel's {@code SCM_MAX_FD}) in one
 * message, each way: the client sends memfds it wrote, the server reads each, rewrites it and replies with as many
 * memfds of its own; the client reads those and sees the server's writes in its own.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustDescriptorsIT {

    /** {@code n} memfds, memfd {@code i} holding {@code prefix i}; the caller closes them. */
    static List<Handle> memfds(int n, String prefix) throws IOException {
        List<Handle> handles = Peers.memfdHandles(n);
        try {
            for (int i = 0; i < n; i++) {
                write(handles.get(i), prefix + " " + i);
            }
        } catch (IOException | RuntimeException e) {
            handles.forEach(Handle::close);
            throw e;
        }
        return handles;
    }

    /** Replaces what the file behind {@code handle} holds, through a fresh open of its {@code /proc/self/fd} link. */
    static void write(Handle handle, String content) throws IOException {
        Files.write(Posix.procFd(handle.fileDescriptor()), content.getBytes(US_ASCII));
    }

    static String read(Handle handle) throws IOException {
        return new String(Files.readAllBytes(Posix.procFd(handle.fileDescriptor())), US_ASCII);
    }

    @ParameterizedTest(name = "{0} descriptors")
    @ValueSource(ints = {1, 3, 253})
    void rustClientSendsDescriptorsThatTheJavaServerUsesAndGetsJavasBack(int k) throws Exception {
        String name = Peers.uniqueName("rs-fds");
        try (Listener listener = Listener.bind(name); Peers.Running rust = RustPeer.client(name, "fds=" + k)) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                assertArrayEquals(ascii("fds " + k), m.payload());
                assertEquals(k, m.handles().size(), "descriptors from Rust");
                for (int i = 0; i < k; i++) {
                    Handle h = m.handles().get(i);
                    assertEquals(Handle.Kind.FILE_DESCRIPTOR, h.kind());
                    assertEquals("from-rust " + i, read(h), "descriptor " + i + " is Rust's memfd " + i);
                    write(h, "from-java " + i);
                }
                List<Handle> mine = memfds(k, "reply");
                try {
                    pod.reply(ascii("used-" + k), mine.toArray(Handle[]::new));
                } finally {
                    mine.forEach(Handle::close);
                }
            }
            assertEquals(String.join("\n", "connected", "sent len=" + ("fds " + k).length() + " fds=" + k,
                    "fds-reply text=used-" + k + " used-by-java=" + k + " received=" + k + " read=" + k, "done")
                    + "\n", rust.finish(WAIT));
        }
    }

    @ParameterizedTest(name = "{0} descriptors")
    @ValueSource(ints = {1, 3, 253})
    void javaClientSendsDescriptorsThatTheRustServerUsesAndGetsRustsBack(int k) throws Exception {
        String name = Peers.uniqueName("rs-fds-server");
        long me = ProcessHandle.current().pid();
        List<Handle> mine = memfds(k, "from-java");
        try (Peers.Running rust = RustPeer.serve(name, "fds", "--count", "1");
                Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send(ascii("fds"), mine.toArray(Handle[]::new));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("used-" + k), reply.payload(), "the Rust server read every descriptor");
                assertEquals(k, reply.handles().size(), "descriptors from Rust");
                List<String> contents = new ArrayList<>();
                for (Handle h : reply.handles()) {
                    contents.add(read(h));
                }
                assertEquals(expected("reply", k), contents);
            }
            List<String> rewritten = new ArrayList<>();
            for (Handle h : mine) {
                rewritten.add(read(h));
            }
            assertEquals(expected("from-rust", k), rewritten, "the Rust server wrote through each descriptor");
            expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("fds"), k));
            expectLine(rust, "fds-used " + k + " of " + k);
            expectLine(rust, "replied fds=" + k);
            expectLine(rust, "done");
        } finally {
            mine.forEach(Handle::close);
        }
    }

    private static List<String> expected(String prefix, int k) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            list.add(prefix + " " + i);
        }
        return list;
    }
}
