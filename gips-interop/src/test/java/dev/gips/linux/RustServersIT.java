package dev.gips.linux;

import static dev.gips.linux.RustPeer.WAIT;
import static dev.gips.linux.RustPeer.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Servers for many clients across the two implementations: a Java {@code Poller} loop serving Rust clients that all
 * talk at once, and a Rust server driven by {@code try_accept} (a gips 0.2.0 Linux {@code Listener} cannot be
 * registered with a {@code Poller}) serving Java clients that all talk at once. Every reply matches its request.
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustServersIT {
    private static final int CLIENTS = 8;
    private static final int ROUNDS = 25;
    private static final List<Integer> SIZES = List.of(1, 1000, 65536);

    @Test
    void javaPollerServerServesConcurrentRustClients() throws Exception {
        String name = Peers.uniqueName("rs-poll");
        int expected = CLIENTS * ROUNDS * SIZES.size();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        List<Peers.Running> clients = new ArrayList<>();
        try (Listener listener = Listener.bind(name)) {
            Future<Set<Connection>> server = executor.submit(() -> {
                Set<Connection> connections = new HashSet<>();
                try (Poller poller = Poller.create()) {
                    Token token = poller.register(listener, Interest.READABLE);
                    Events events = Events.withCapacity(16);
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    int served = 0;
                    while (served < expected) {
                        assertTrue(System.nanoTime() < deadline, "served only " + served + " of " + expected);
                        poller.poll(events, Duration.ofSeconds(1));
                        for (Event event : events) {
                            assertEquals(token, event.token());
                            // a busy server drains the listener on each event
                            for (Optional<Pod> next = listener.tryAccept(); next.isPresent();
                                    next = listener.tryAccept()) {
                                Pod pod = next.get();
                                try (Message m = pod.message()) {
                                    assertArrayEquals(pattern(m.payload().length), m.payload());
                                    pod.reply(m.payload());
                                }
                                connections.add(pod.connection());
                                served++;
                            }
                        }
                    }
                }
                return connections;
            });
            List<String> steps = new ArrayList<>(List.of("--rounds", Integer.toString(ROUNDS)));
            SIZES.forEach(n -> steps.add("echo=" + n));
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(RustPeer.client(name, steps.toArray(String[]::new)));
            }
            for (Peers.Running client : clients) {
                List<String> lines = Arrays.asList(client.finish(Duration.ofMinutes(2)).split("\n"));
                assertEquals(ROUNDS * SIZES.size() + 2, lines.size(), client::report);
                for (int size : SIZES) {
                    assertEquals(ROUNDS, lines.stream().filter(("echo " + size + " ok")::equals).count(),
                            client::report);
                }
            }
            assertEquals(CLIENTS, server.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).size(), "one connection per"
                    + " Rust client");
        } finally {
            clients.forEach(Peers.Running::close);
            executor.shutdownNow();
        }
    }

    @Test
    void rustTryAcceptServerServesConcurrentJavaClients() throws Exception {
        String name = Peers.uniqueName("rs-try-accept");
        int expected = CLIENTS * ROUNDS * SIZES.size();
        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
        try (Peers.Running rust = RustPeer.serve(name, "echo", "--try-accept", "--count",
                Integer.toString(expected))) {
            List<Future<Integer>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(executor.submit(() -> {
                    int ok = 0;
                    try (Endpoint endpoint = Endpoint.connect(name)) {
                        for (int r = 0; r < ROUNDS; r++) {
                            for (int size : SIZES) {
                                byte[] payload = pattern(size);
                                endpoint.send(payload);
                                try (Message reply = Peers.recvOne(endpoint)) {
                                    assertArrayEquals(payload, reply.payload());
                                }
                                ok++;
                            }
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> client : clients) {
                assertEquals(ROUNDS * SIZES.size(), client.get(2, TimeUnit.MINUTES));
            }
            List<String> lines = Arrays.asList(rust.finish(WAIT).split("\n"));
            assertEquals(expected, lines.stream().filter(l -> l.startsWith("pod ")).count());
            assertEquals(expected, lines.stream().filter(l -> l.startsWith("replied len=")).count());
            assertEquals("done", lines.get(lines.size() - 1));
        } finally {
            executor.shutdownNow();
        }
    }
}
