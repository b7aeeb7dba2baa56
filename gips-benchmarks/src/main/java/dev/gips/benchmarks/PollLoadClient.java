package dev.gips.benchmarks;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The load generator of {@code poll_client.c} written with gips: {@code CONNECTIONS} endpoints on one thread and one
 * {@link Poller}, each ping-ponging an 8-byte message with the server as fast as replies come back. With a gips server
 * on both ends, the shared-memory channel can be compared with the socket under the same load. Prints the replies per
 * second over the measured interval.
 *
 * <p>Arguments: the socket path, the number of connections, warm-up seconds, measured seconds, {@code channel} or
 * {@code socket}.
 */
public final class PollLoadClient {
    private PollLoadClient() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        ServiceDescriptor service = new ServiceDescriptor(args[0])
                .withSharedMemoryChannel(args.length > 4 && args[4].equals("channel"));
        byte[] ping = "pingpong".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Map<Token, Endpoint> endpoints = new HashMap<>();
        try (Poller poller = Poller.create()) {
            for (int i = 0; i < n; i++) {
                Endpoint e = Endpoint.connect(service, Duration.ofSeconds(10));
                endpoints.put(poller.register(e, Interest.READABLE), e);
                e.send(ping);
            }
            Events events = Events.withCapacity(256);
            long start = System.nanoTime();
            long measuredFrom = start + (long) (warmup * 1e9);
            long end = measuredFrom + (long) (seconds * 1e9);
            boolean measuring = false;
            long count = 0;
            for (;;) {
                long t = System.nanoTime();
                if (!measuring && t - measuredFrom >= 0) {
                    measuring = true;
                    count = 0;
                }
                if (t - end >= 0) {
                    break;
                }
                poller.poll(events, Duration.ofMillis(100));
                for (Event event : events) {
                    Endpoint e = endpoints.get(event.token());
                    Optional<Message> reply = e.tryRecv();
                    if (reply.isPresent()) {
                        reply.get().close();
                        count++;
                        e.send(ping);
                    }
                }
            }
            System.out.printf(java.util.Locale.ROOT, "%.0f%n", count / ((System.nanoTime() - measuredFrom) / 1e9));
        } finally {
            for (Endpoint e : endpoints.values()) {
                e.close();
            }
        }
    }
}
