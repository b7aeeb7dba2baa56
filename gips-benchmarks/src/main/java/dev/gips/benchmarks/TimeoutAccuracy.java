package dev.gips.benchmarks;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * How late timed calls return when nothing arrives: {@code Endpoint.recv(timeout)}, {@code Listener.accept(timeout)}
 * and {@code Poller.poll(events, timeout)}, on a platform thread and on a virtual thread. Prints the median, 99th
 * percentile and maximum overshoot past the requested timeout.
 *
 * <p>Args (optional): timeout in ms (20), samples per case (100).
 */
public final class TimeoutAccuracy {
    private TimeoutAccuracy() {}

    public static void main(String[] args) throws Exception {
        long timeoutMs = args.length > 0 ? Long.parseLong(args[0]) : 20;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Duration timeout = Duration.ofMillis(timeoutMs);
        String name = "gips-bench-timeout-" + ProcessHandle.current().pid();
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name);
                Poller poller = Poller.create();
                ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            poller.register(endpoint, Interest.READABLE);
            Events events = Events.withCapacity(8);
            System.out.printf("overshoot past a %d ms timeout, %d samples each (ms: median / p99 / max)%n",
                    timeoutMs, samples);
            report("recv     platform", measure(samples, timeout, () -> endpoint.recv(timeout)));
            report("recv     virtual ", measureOn(virtual, samples, timeout, () -> endpoint.recv(timeout)));
            report("accept   platform", measure(samples, timeout, () -> listener.accept(timeout)));
            report("accept   virtual ", measureOn(virtual, samples, timeout, () -> listener.accept(timeout)));
            report("poll     platform", measure(samples, timeout, () -> {
                poller.poll(events, timeout);
                return null;
            }));
            report("poll     virtual ", measureOn(virtual, samples, timeout, () -> {
                poller.poll(events, timeout);
                return null;
            }));
        }
    }

    private static double[] measureOn(ExecutorService pool, int samples, Duration timeout, Callable<?> call)
            throws Exception {
        return pool.submit(() -> measure(samples, timeout, call)).get();
    }

    private static double[] measure(int samples, Duration timeout, Callable<?> call) throws Exception {
        double[] over = new double[samples];
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            call.call();
            over[i] = (System.nanoTime() - start - timeout.toNanos()) / 1e6;
        }
        return over;
    }

    private static void report(String what, double[] overshoot) {
        Arrays.sort(overshoot);
        int n = overshoot.length;
        System.out.printf("%s  %6.2f / %6.2f / %6.2f%n", what, overshoot[n / 2],
                overshoot[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)], overshoot[n - 1]);
    }
}
