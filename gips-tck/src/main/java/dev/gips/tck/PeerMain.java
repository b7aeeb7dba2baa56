package dev.gips.tck;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The main class of the kit's child JVMs ({@link Peers#javaChild}), through the public API only:
 * <ul>
 * <li>{@code serve NAME}: binds NAME, writes {@code READY} and echoes every message until it is killed;</li>
 * <li>{@code hold NAME}: connects to NAME, sends {@code "hello from child"}, writes {@code SENT}, then writes
 *     {@code MSG <text>} for every reply until it is killed, or {@code EOF} and exits when the service hangs up;</li>
 * <li>{@code crowd NAME CLIENTS MESSAGES TAG echo|refused}: CLIENTS threads each connect, then send MESSAGES messages
 *     {@code TAG/<client>/<seq>}, one at a time, each waiting for its echo ({@code echo}), or expect the service to
 *     hang up without answering ({@code refused}); writes {@code FAIL <client> <why>} per client that did not get
 *     what it expected, then {@code DONE <ok> <failed>}, and exits 0 whatever the service did;</li>
 * <li>{@code flood NAME send|silent}: connects in a loop until it is killed, each connection sending one message
 *     ({@code send}) or nothing ({@code silent}) and closing at once; writes {@code FLOODING} after its first
 *     connection;</li>
 * <li>{@code refuse NAME}: binds NAME with a policy that refuses every client, writes {@code READY}, accepts until
 *     its stdin closes, then closes the listener (which logs what it logs), writes {@code CLOSED} and exits.</li>
 * </ul>
 */
public final class PeerMain {
    private PeerMain() {}

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Runs the mode its arguments name; see the class comment. */
    public static void main(String[] args) throws Exception {
        String mode = args.length == 0 ? "" : args[0];
        switch (mode) {
            case "serve" -> serve(args[1]);
            case "hold" -> hold(args[1]);
            case "crowd" -> crowd(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4],
                    args[5].equals("refused"));
            case "flood" -> flood(args[1], args[2].equals("send"));
            case "refuse" -> refuse(args[1]);
            default -> throw new IllegalArgumentException("usage: serve NAME | hold NAME"
                    + " | crowd NAME CLIENTS MESSAGES TAG echo|refused | flood NAME send|silent | refuse NAME; got "
                    + Arrays.toString(args));
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void serve(String name) throws IOException {
        try (Listener listener = Listener.bind(name)) {
            out("READY");
            for (;;) {
                Pod pod = listener.accept();
                try (Message m = pod.message()) {
                    pod.reply(m.payload());
                }
            }
        }
    }

    private static void hold(String name) throws IOException {
        try (Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send("hello from child".getBytes(StandardCharsets.UTF_8));
            out("SENT");
            for (;;) {
                try (Message m = endpoint.recv()) {
                    out("MSG " + new String(m.payload(), StandardCharsets.UTF_8));
                }
            }
        } catch (EOFException e) {
            out("EOF"); // the service hung up (or refused this client)
        }
    }

    private static void crowd(String name, int clients, int messages, String tag, boolean refused)
            throws InterruptedException {
        String[] results = new String[clients];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int index = i;
            threads.add(Thread.ofPlatform().start(() -> results[index] = client(name, tag, index, messages, refused)));
        }
        for (Thread t : threads) {
            t.join();
        }
        int failed = 0;
        for (int i = 0; i < clients; i++) {
            if (results[i] != null) {
                failed++;
                out("FAIL " + i + " " + results[i]);
            }
        }
        out("DONE " + (clients - failed) + " " + failed);
    }

    /** One client of {@code crowd}: {@code null} if it got what it expected, else why not. */
    private static String client(String name, String tag, int index, int messages, boolean refused) {
        try (Endpoint endpoint = Endpoint.connect(name)) {
            for (int seq = 0; seq < messages; seq++) {
                byte[] payload = (tag + "/" + index + "/" + seq).getBytes(StandardCharsets.UTF_8);
                Optional<Message> reply;
                try {
                    endpoint.send(payload);
                    reply = endpoint.recv(TIMEOUT);
                } catch (EOFException e) {
                    return refused ? null : "end-of-stream at message " + seq;
                }
                if (reply.isEmpty()) {
                    return "timed out";
                }
                try (Message m = reply.get()) {
                    if (refused) {
                        return "got " + new String(m.payload(), StandardCharsets.UTF_8) + " instead of end-of-stream";
                    }
                    if (!Arrays.equals(payload, m.payload())) {
                        return "got " + new String(m.payload(), StandardCharsets.UTF_8) + " at message " + seq;
                    }
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    private static void flood(String name, boolean send) {
        byte[] payload = "flood".getBytes(StandardCharsets.UTF_8);
        for (boolean first = true; ; first = false) {
            try (Endpoint endpoint = Endpoint.connect(name)) {
                if (send) {
                    endpoint.send(payload);
                }
            } catch (IOException e) {
                // refused and closed already: try again
            }
            if (first) {
                out("FLOODING");
            }
        }
    }

    private static void refuse(String name) throws Exception {
        Listener listener = Listener.bind(new ServiceDescriptor(name).withCredentialValidator(c -> {
            throw new PermissionDeniedException("nobody is welcome");
        }));
        Thread closer = Thread.ofPlatform().daemon().start(() -> {
            try {
                System.in.readAllBytes();
            } catch (IOException e) {
                // closed either way
            }
            listener.close();
        });
        out("READY");
        try {
            for (;;) {
                listener.accept().message().close();
                out("DELIVERED"); // never: every client is refused
            }
        } catch (ClosedChannelException e) {
            closer.join(); // until close() has returned, having logged what it logs
            out("CLOSED");
        }
    }
}
