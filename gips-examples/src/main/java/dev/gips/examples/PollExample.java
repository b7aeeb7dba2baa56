package dev.gips.examples;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Rust crate's {@code poll} example: an event-driven server, one thread and a {@link Poller}, serving several
 * client processes at once. Run without arguments, it starts three client JVMs that each send three requests.
 */
public final class PollExample {
    static final String SERVICE = "com.example.poll";
    static final int CLIENTS = 3;
    static final int REQUESTS = 3;

    private PollExample() {}

    /** Runs the server and its client processes, or (argument {@code client N}) one client. */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("client")) {
            client(Integer.parseInt(args[1]));
        } else {
            server();
        }
    }

    private static void server() throws Exception {
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(SERVICE)) {
            Token token = poller.register(listener, Interest.READABLE);
            System.out.println("server: polling \"" + SERVICE + "\" on one thread");
            List<Process> clients = new ArrayList<>();
            for (int i = 1; i <= CLIENTS; i++) {
                clients.add(startClient(i));
            }
            Events events = Events.withCapacity(128);
            int served = 0;
            while (served < CLIENTS * REQUESTS) {
                poller.poll(events, Duration.ofSeconds(1));
                for (Event event : events) {
                    if (event.token().equals(token) && event.isReadable()) {
                        // level-triggered: take one message per event; the poller reports the rest again
                        Optional<Pod> next = listener.tryAccept();
                        if (next.isPresent()) {
                            Pod pod = next.get();
                            try (Message m = pod.message()) {
                                String request = new String(m.payload(), StandardCharsets.UTF_8);
                                System.out.println("server: \"" + request + "\" from pid " + pod.credentials().pid());
                                pod.reply(("ack " + request).getBytes(StandardCharsets.UTF_8));
                            }
                            served++;
                        }
                    }
                }
            }
            for (Process p : clients) {
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("a client exited with " + p.exitValue());
                }
            }
            System.out.println("server: served " + served + " requests from " + CLIENTS + " processes");
        }
    }

    private static void client(int id) throws IOException {
        try (Endpoint endpoint = Endpoint.connect(SERVICE)) {
            for (int i = 1; i <= REQUESTS; i++) {
                endpoint.send(("client " + id + " request " + i).getBytes(StandardCharsets.UTF_8));
                try (Message reply = endpoint.recv()) {
                    System.out.println("client " + id + ": " + new String(reply.payload(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static Process startClient(int id) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PollExample.class.getName(), "client", String.valueOf(id)))
                .inheritIO()
                .start();
    }
}
