package dev.gips.linux;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A gips for Java client in a child JVM that another user can run: {@code client NAME STEP...} with the steps
 * {@code peer}, {@code send=TEXT} and {@code recv}, printing lines in the Rust peer's format ({@code connected},
 * {@code peer pid= uid= gids=}, {@code sent len=}, {@code recv len=...}, {@code recv-eof}, {@code done}).
 * {@link #asNobody} starts it as user nobody, from a copy of the test class path that nobody may read
 * ({@link LinuxHook#readableClassPath()}).
 */
public final class JavaPeer {
    private JavaPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !args[0].equals("client")) {
            throw new IllegalArgumentException("usage: client NAME STEP...");
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.connect(args[1]);
        } catch (IOException e) {
            out("connect-error " + e);
            return;
        }
        try (endpoint) {
            out("connected");
            for (int i = 2; i < args.length; i++) {
                step(endpoint, args[i]);
            }
        }
        out("done");
    }

    private static void step(Endpoint endpoint, String step) throws IOException {
        if (step.equals("peer")) {
            Credentials c = endpoint.peerCredentials();
            out("peer pid=" + c.pid() + " uid=" + c.uid() + " gids=" + String.join(",", c.gidList()));
        } else if (step.startsWith("send=")) {
            byte[] payload = step.substring(5).getBytes(StandardCharsets.US_ASCII);
            try {
                endpoint.send(payload);
                out("sent len=" + payload.length);
            } catch (IOException e) {
                out("send-error " + e.getClass().getSimpleName());
            }
        } else if (step.equals("recv")) {
            try {
                Optional<Message> m = endpoint.recv(Peers.WAIT);
                if (m.isEmpty()) {
                    out("recv-timeout");
                    return;
                }
                try (Message message = m.get()) {
                    out("recv " + RustPeer.describe(message.payload(), message.handles().size()));
                }
            } catch (EOFException e) {
                out("recv-eof");
            } catch (IOException e) {
                out("recv-error " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } else {
            throw new IllegalArgumentException("unknown step " + step);
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** This class's {@code client} as user nobody (group nogroup, plus {@code groups}), not yet started. */
    static ProcessBuilder asNobody(List<String> groups, String... args) {
        ProcessBuilder java = Peers.javaChild(LinuxHook.classPathOf(LinuxHook.readableClassPath()), JavaPeer.class,
                args);
        return Peers.asNobody(java, groups.toArray(String[]::new));
    }
}
