package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Blocking calls on virtual threads release their carrier. */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class VirtualThreadBlockingContract {
    static final int THREADS = 10_000;

    @Test
    void tenThousandVirtualThreadsBlockedInRecvOnTwoCarriers() throws Exception {
        String service = Peers.uniqueName("vt");
        String control = Peers.uniqueName("vt-ctl");
        try (Listener listener = Listener.bind(service)) {
            ProcessBuilder pb = Peers.javaChild(VirtualThreadClients.class, service, control,
                    String.valueOf(THREADS));
            // two carriers and no compensation: a virtual thread that held its carrier while blocked would stall
            pb.command().add(1, "-Djdk.virtualThreadScheduler.parallelism=2");
            pb.command().add(2, "-Djdk.virtualThreadScheduler.maxPoolSize=2");
            Process child = pb.start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return Peers.finish(child, Duration.ofMinutes(3));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // every client connects and says ready, although two virtual threads sit in accept() and the others
            // in recv(), all on two carriers
            List<Pod> pods = new ArrayList<>(THREADS);
            while (pods.size() < THREADS) {
                Optional<Pod> pod = listener.accept(Duration.ofSeconds(60));
                assertTrue(pod.isPresent(), "only " + pods.size() + " clients got to run");
                pods.add(pod.get());
            }
            for (Pod pod : pods) {
                String ready = new String(pod.message().payload(), StandardCharsets.UTF_8);
                pod.reply(("go " + ready.substring("ready ".length())).getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < 2; i++) {
                try (Endpoint e = Endpoint.connect(control + "-" + i)) {
                    e.send("go".getBytes(StandardCharsets.UTF_8));
                }
            }
            assertEquals("replies=" + THREADS + " accepts=2", output.get(3, TimeUnit.MINUTES).strip());
        }
    }

    @Test
    void timedRecvOnVirtualThreadHonoursItsTimeout() throws Exception {
        String name = Peers.uniqueName("vt-timeout");
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name);
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long elapsed = pool.submit(() -> {
                long start = System.nanoTime();
                assertTrue(endpoint.recv(Duration.ofMillis(200)).isEmpty());
                return System.nanoTime() - start;
            }).get(5, TimeUnit.SECONDS);
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(200), "returned early: " + elapsed);
            long acceptElapsed = pool.submit(() -> {
                long start = System.nanoTime();
                assertTrue(listener.accept(Duration.ofMillis(200)).isEmpty());
                return System.nanoTime() - start;
            }).get(5, TimeUnit.SECONDS);
            assertTrue(acceptElapsed >= TimeUnit.MILLISECONDS.toNanos(200), "returned early: " + acceptElapsed);
        }
    }

    @Test
    void closeWakesVirtualThreadsBlockedInRecvAndAccept() throws Exception {
        String name = Peers.uniqueName("vt-close");
        Listener listener = Listener.bind(name);
        Endpoint endpoint = Endpoint.connect(name);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var recv = pool.submit(() -> {
                try {
                    endpoint.recv();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            var accept = pool.submit(() -> {
                try {
                    listener.accept();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(100); // let both park; the assertions hold either way
            endpoint.close();
            listener.close();
            assertInstanceOf(java.nio.channels.ClosedChannelException.class, recv.get(5, TimeUnit.SECONDS));
            assertInstanceOf(java.nio.channels.ClosedChannelException.class, accept.get(5, TimeUnit.SECONDS));
        }
    }
}
