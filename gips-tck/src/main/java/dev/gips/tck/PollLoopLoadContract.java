package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One poll loop serves many concurrent clients; every reply is checked and nothing is lost or leaked. */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class PollLoopLoadContract {
    static final int CLIENTS = 1000;
    static final int MESSAGES = 100;

    @Test
    void onePollLoopServesThousandClientsWithHundredMessagesEach() throws Exception {
        String name = Peers.uniqueName("poll-load");
        long handlesBefore = Kit.hook().openHandles();
        AtomicLong served = new AtomicLong();
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name)) {
            Token token = poller.register(listener, Interest.READABLE);
            Thread server = Thread.ofPlatform().name("poll-loop").start(() -> {
                Events events = Events.withCapacity(256);
                try {
                    while (served.get() < (long) CLIENTS * MESSAGES) {
                        poller.poll(events, Duration.ofSeconds(1));
                        for (Event event : events) {
                            if (event.token().equals(token)) {
                                // one message per event: level-triggered readiness brings us back for the rest
                                Optional<Pod> pod = listener.tryAccept();
                                if (pod.isPresent()) {
                                    try (Message m = pod.get().message()) {
                                        pod.get().reply(m.payload()); // echo
                                    }
                                    served.incrementAndGet();
                                }
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // each client is a virtual thread with its own socket, sending and checking 100 requests in turn
            List<Future<Integer>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < CLIENTS; c++) {
                    int id = c;
                    clients.add(pool.submit(() -> {
                        int ok = 0;
                        try (Endpoint endpoint = Endpoint.connect(name)) {
                            for (int i = 0; i < MESSAGES; i++) {
                                byte[] request = ByteBuffer.allocate(8).putInt(id).putInt(i).array();
                                endpoint.send(request);
                                try (Message reply = endpoint.recv(Duration.ofSeconds(60)).orElseThrow()) {
                                    ByteBuffer b = ByteBuffer.wrap(reply.payload());
                                    if (reply.payload().length == 8 && b.getInt() == id && b.getInt() == i) {
                                        ok++;
                                    }
                                }
                            }
                        }
                        return ok;
                    }));
                }
                long total = 0;
                for (Future<Integer> f : clients) {
                    total += f.get(120, TimeUnit.SECONDS);
                }
                assertEquals((long) CLIENTS * MESSAGES, total, "every reply matched its request");
            }
            server.join(30_000);
            assertEquals((long) CLIENTS * MESSAGES, served.get());
        }
        // every client's and the listener's handles are gone (a bounded wait for the closes to land)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Kit.hook().openHandles() > handlesBefore + 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        // +2: the JDK's virtual-thread read and write pollers (Linux: epoll descriptors), created on first use
        assertTrue(Kit.hook().openHandles() <= handlesBefore + 2,
                "handles leaked: " + handlesBefore + " -> " + Kit.hook().openHandles());
    }
}
