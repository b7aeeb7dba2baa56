package dev.gips.tck;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A gips client for {@link ChildJvmContract}, run in a child JVM: {@code ChildClient SERVICE COUNT SERVER_PID}.
 *
 * <p>Checks that the service runs as process SERVER_PID, sends "message I from PID" COUNT times and expects "reply I
 * to PID" for each, then sends "bye" and expects the service to hang up. Prints "ok pid=PID messages=COUNT eof" and
 * exits 0; on any mismatch prints the reason to stderr and exits non-zero.
 */
public final class ChildClient {
    private ChildClient() {}

    /** Runs the client; see the class comment. */
    public static void main(String[] args) throws Exception {
        String service = args[0];
        int count = Integer.parseInt(args[1]);
        long serverPid = Long.parseLong(args[2]);
        long pid = ProcessHandle.current().pid();
        Duration step = Duration.ofSeconds(30);
        try (Endpoint endpoint = Endpoint.connect(service)) {
            long peer = endpoint.peerCredentials().pid();
            if (peer != serverPid) {
                fail(3, "service runs as pid " + peer + ", expected " + serverPid);
            }
            for (int i = 0; i < count; i++) {
                endpoint.send(("message " + i + " from " + pid).getBytes(StandardCharsets.UTF_8));
                Optional<Message> reply = endpoint.recv(step);
                if (reply.isEmpty()) {
                    fail(4, "no reply to message " + i + " within " + step);
                }
                try (Message m = reply.get()) {
                    String text = new String(m.payload(), StandardCharsets.UTF_8);
                    String expected = "reply " + i + " to " + pid;
                    if (!text.equals(expected) || !m.handles().isEmpty()) {
                        fail(2, "reply " + i + ": \"" + text + "\" with " + m.handles().size() + " handles, expected \""
                                + expected + "\"");
                    }
                }
            }
            endpoint.send("bye".getBytes(StandardCharsets.UTF_8));
            try {
                Optional<Message> extra = endpoint.recv(step);
                fail(5, extra.isPresent() ? "a message after bye: " + extra.get() : "no hang-up within " + step);
            } catch (EOFException expected) {
                System.out.println("ok pid=" + pid + " messages=" + count + " eof");
            }
        }
    }

    private static void fail(int status, String why) {
        System.err.println("ChildClient: " + why);
        System.exit(status);
    }
}
