package dev.gips.examples;

import dev.gips.ipc.Connection;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Rust crate's {@code poll} example: an event-driven server, one thread and a {@link Poller}, serving several
 * client processes at once. Run without arguments, it starts three client JVMs that each send three requests.
 *
 * <p>The server replies with {@link Connection#tryReply}, never {@link Connection#reply}: a client that stops
 * reading would otherwise block the one thread that serves everyone. When a client's socket is full the reply is
 * kept, the connection is registered {@link Interest#WRITABLE} and the reply is retried when the poller reports
 * room; a client that stays full for {@link #STUCK_LIMIT} is dropped. One extra client started here never reads,
 * to show it.
 */
public final class PollExample {
    static final String SERVICE = "com.example.poll";
    static final int CLIENTS = 3;
    static final int REQUESTS = 3;
    /** How long a client may leave its replies unread before the server drops it. */
    static final Duration STUCK_LIMIT = Duration.ofSeconds(2);

    private PollExample() {}

    /** Runs the server and its client processes, or (argument {@code client N}) one client. */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("client")) {
            client(Integer.parseInt(args[1]));
        } else if (args.length == 1 && args[0].equals("no-reader")) {
            noReader();
        } else {
            server();
        }
    }

    /** A reply the client had no room for, kept until the poller reports the connection writable. */
    private record Pending(Connection connection, Token token, byte[] reply, long since) {}

    private static void server() throws Exception {
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(SERVICE)) {
            Token token = poller.register(listener, Interest.READABLE);
            System.out.println("server: polling \"" + SERVICE + "\" on one thread");
            List<Process> clients = new ArrayList<>();
            for (int i = 1; i <= CLIENTS; i++) {
                clients.add(ChildJvm.start(PollExample.class, "client", String.valueOf(i)));
            }
            Process noReader = ChildJvm.start(PollExample.class, "no-reader");
            Map<Token, Pending> pending = new HashMap<>();
            Events events = Events.withCapacity(128);
            int served = 0;
            boolean dropped = false;
            while (served < CLIENTS * REQUESTS || !dropped) {
                poller.poll(events, Duration.ofMillis(200));
                for (Event event : events) {
                    if (event.token().equals(token) && event.isReadable()) {
                        // level-triggered: take one message per event; the poller reports the rest again
                        Optional<Pod> next = listener.tryAccept();
                        if (next.isPresent()) {
                            Pod pod = next.get();
                            try (Message m = pod.message()) {
                                String request = new String(m.payload(), StandardCharsets.UTF_8);
                                if (!request.startsWith("flood")) {
                                    System.out.println("server: \"" + request + "\" from pid "
                                            + pod.credentials().pid());
                                    served++;
                                }
                                byte[] reply = ("ack " + request).getBytes(StandardCharsets.UTF_8);
                                if (!pod.tryReply(reply) && pending.values().stream()
                                        .noneMatch(p -> p.connection().equals(pod.connection()))) {
                                    // full: wait for room instead of blocking everyone (later replies are dropped)
                                    Token t = poller.register(pod.connection(), Interest.WRITABLE);
                                    pending.put(t, new Pending(pod.connection(), t, reply, System.nanoTime()));
                                    System.out.println("server: pid " + pod.credentials().pid()
                                            + " is not reading; waiting for room");
                                }
                            }
                        }
                    } else if (event.isWritable() && pending.containsKey(event.token())) {
                        Pending p = pending.get(event.token());
                        if (p.connection().tryReply(p.reply())) {
                            poller.deregister(p.connection(), p.token());
                            pending.remove(p.token());
                        }
                    }
                }
                for (Pending p : List.copyOf(pending.values())) {
                    if (System.nanoTime() - p.since() > STUCK_LIMIT.toNanos()) {
                        System.out.println("server: dropping pid " + p.connection().credentials().pid()
                                + ", full for " + STUCK_LIMIT.toSeconds() + " s");
                        poller.deregister(p.connection(), p.token());
                        p.connection().close();
                        pending.remove(p.token());
                        dropped = true;
                    }
                }
            }
            for (Process p : clients) {
                ChildJvm.await(p, "a client");
            }
            ChildJvm.await(noReader, "the client that never reads");
            System.out.println("server: served " + served + " requests from " + CLIENTS
                    + " processes and dropped one that never read");
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

    /** Sends requests without reading a reply until the server hangs up on it. */
    private static void noReader() throws IOException {
        try (Endpoint endpoint = Endpoint.connect(SERVICE)) {
            byte[] request = ("flood from pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
            try {
                while (true) {
                    endpoint.send(request); // fails once the server has dropped this client
                }
            } catch (IOException dropped) {
                System.out.println("no-reader: the server hung up (" + dropped.getClass().getSimpleName() + ")");
            }
        }
    }
}
