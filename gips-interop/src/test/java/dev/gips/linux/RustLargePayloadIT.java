package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustMarkerLookalikeIT.FD_CONTENT;
import static dev.gips.linux.RustMarkerLookalikeIT.lookalike;
import static dev.gips.linux.RustPeer.DATAGRAM_LIMIT;
import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.describe;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 17, item 2: a Java process never sends its out-of-band form (a 16-byte marker plus a memfd) to a peer that
 * is not gips for Java, here the real Rust gips (DESIGN.md, Linux specifics: "only to a peer known to be gips for
 * Java; to any other peer such a send fails with an error naming the limit"). A payload over the datagram limit
 * fails with an {@link IOException} that names the limit and delivers nothing (the connection stays usable); a
 * 16-byte payload that looks like the marker and carries a handle reaches gips as the plain message it is. Run alone:
 * {@code mvn -B -ntp -pl gips-interop -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=RustLargePayloadIT}.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustLargePayloadIT {

    private static void assertNamesTheLimit(IOException e, String name) {
        String message = String.valueOf(e.getMessage());
        assertTrue(message.contains(name) && message.contains(Integer.toString(DATAGRAM_LIMIT)), "the error names the"
                + " service and the limit of " + DATAGRAM_LIMIT + " bytes: " + message);
    }

    @Test
    void largePayloadFromAJavaClientToARustServerFailsNamingTheLimitAndNothingArrives() throws Exception {
        String name = Peers.uniqueName("rs-large");
        long me = ProcessHandle.current().pid();
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "1");
                Endpoint endpoint = Endpoint.connect(name)) {
            IOException e = assertThrows(IOException.class, () -> endpoint.send(pattern(DATAGRAM_LIMIT + 1)));
            assertNamesTheLimit(e, name);
            endpoint.send(ascii("after"));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("after"), reply.payload());
            }
            // the first and only message gips received is the small one
            expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(ascii("after"), 0));
            expectLine(rust, "replied len=5");
            expectLine(rust, "done");
        }
    }

    @Test
    void largeReplyFromAJavaServerToARustClientFailsNamingTheLimitAndNothingArrives() throws Exception {
        String name = Peers.uniqueName("rs-large-reply");
        try (Listener listener = Listener.bind(name); Peers.Running rust = RustPeer.client(name, "send=big", "recv")) {
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                IOException e = assertThrows(IOException.class, () -> pod.reply(pattern(DATAGRAM_LIMIT + 1)));
                assertNamesTheLimit(e, name);
                pod.reply(ascii("small"));
            }
            assertEquals(String.join("\n", "connected", "sent len=3 fds=0", "recv " + describe(ascii("small"), 0),
                    "done") + "\n", rust.finish(WAIT));
        }
    }

    @Test
    void markerLookalikeWithAHandleFromAJavaClientReachesARustServerAsItIs() throws Exception {
        String name = Peers.uniqueName("rs-lookalike-to-rust");
        long me = ProcessHandle.current().pid();
        List<Handle> fd = RustDescriptorsIT.memfds(1, "x");
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--count", "1");
                Endpoint endpoint = Endpoint.connect(name)) {
            Files.writeString(Posix.procFd(fd.get(0).fileDescriptor()), FD_CONTENT);
            endpoint.send(lookalike(), fd.get(0));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(lookalike(), reply.payload());
            }
            expectLine(rust, "pod pid=" + me + " uid=0 gids=0 privileged=true " + describe(lookalike(), 1));
        } finally {
            fd.forEach(Handle::close);
        }
    }

    @Test
    void markerLookalikeWithAHandleFromAJavaServerReachesARustClientAsItIs() throws Exception {
        String name = Peers.uniqueName("rs-lookalike-reply");
        List<Handle> fd = RustDescriptorsIT.memfds(1, "x");
        try (Listener listener = Listener.bind(name); Peers.Running rust = RustPeer.client(name, "send=hi", "recv")) {
            Files.writeString(Posix.procFd(fd.get(0).fileDescriptor()), FD_CONTENT);
            Pod pod = accept(listener, rust);
            try (Message m = pod.message()) {
                pod.reply(lookalike(), fd.get(0));
            }
            assertEquals(String.join("\n", "connected", "sent len=2 fds=0", "recv " + describe(lookalike(), 1),
                    "recv-fd 0 len=12 text=" + FD_CONTENT, "done") + "\n", rust.finish(WAIT));
        } finally {
            fd.forEach(Handle::close);
        }
    }
}
