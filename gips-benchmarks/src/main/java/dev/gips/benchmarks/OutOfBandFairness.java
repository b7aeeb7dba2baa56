package dev.gips.benchmarks;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a request/reply client waits while other connections stream the largest messages (issue 16, item 4): a
 * gips server process (a {@code Listener} with one or more threads in {@code accept}; it answers small messages and
 * counts large ones) serves a C peer that streams 16 MiB out-of-band messages on 16 connections, reusing one sealed
 * memfd as a hostile peer would (so the peer pays nothing per message), and, from this JVM, a client that sends 64
 * bytes and waits for the echo, again and again. Prints the client's round-trip percentiles and how many MiB/s of
 * streamed payload the server took meanwhile, for each round.
 *
 * <p>Args (optional, also as one space-separated argument: {@code -Doob.args="16 16 3 10 1 3"} with
 * {@code exec:exec@oob-fairness}): streams (16), message MiB (16), warm-up seconds (3), measured seconds (10), server
 * threads (1), rounds (3).
 */
public final class OutOfBandFairness {
    private OutOfBandFairness() {}

    private static final byte[] STATS = "stats".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            serve(args[1], Integer.parseInt(args[2]));
            return;
        }
        if (args.length == 1) {
            args = args[0].trim().split("\\s+"); // exec:exec@oob-fairness passes ${oob.args} as one argument
        }
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 16) << 20;
        long warmup = args.length > 2 ? Long.parseLong(args[2]) : 3;
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 10;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        Path dir = Files.createTempDirectory("gips-bench-oob-");
        Path streamer = compile(dir);
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        System.out.printf("request/reply of 64 B while %d connections stream %d MiB out-of-band messages; server"
                + " with %d accepting thread(s); %d s warm-up + %d s measured%n", streams, size >> 20, threads,
                warmup, seconds);
        for (int round = 1; round <= rounds; round++) {
            String socket = dir.resolve("oob-" + round + ".sock").toString();
            Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    OutOfBandFairness.class.getName(), "server", socket, Integer.toString(threads))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Process stream = null;
            try (var out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                if (!"ready".equals(out.readLine())) {
                    throw new IllegalStateException("the server did not start");
                }
                try (Endpoint client = Endpoint.connect(socket)) {
                    stream = new ProcessBuilder(streamer.toString(), socket, Integer.toString(streams),
                            Long.toString(size)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    var streamOut = new BufferedReader(new InputStreamReader(stream.getInputStream(),
                            StandardCharsets.UTF_8));
                    if (!"streaming".equals(streamOut.readLine())) {
                        throw new IllegalStateException("the streamer did not start");
                    }
                    byte[] request = new byte[64];
                    roundTrips(client, request, TimeUnit.SECONDS.toNanos(warmup), null);
                    long before = stats(client);
                    long start = System.nanoTime();
                    List<Long> latencies = new ArrayList<>();
                    roundTrips(client, request, TimeUnit.SECONDS.toNanos(seconds), latencies);
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    double mibPerSecond = (stats(client) - before) / elapsed / (1 << 20);
                    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                    System.out.printf("round %d: %,d round trips; ms p50 %.2f, p90 %.2f, p99 %.2f, max %.2f;"
                            + " streams delivered %,.0f MiB/s%n", round, sorted.length, ms(sorted, 0.50),
                            ms(sorted, 0.90), ms(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]
                                    / 1e6, mibPerSecond);
                }
            } finally {
                if (stream != null) {
                    stream.destroyForcibly().waitFor();
                }
                server.destroyForcibly().waitFor();
                Files.deleteIfExists(Path.of(socket));
            }
        }
    }

    /** Round trips for {@code nanos}; records each one's duration if {@code into} is not null. */
    private static void roundTrips(Endpoint client, byte[] request, long nanos, List<Long> into) throws IOException {
        long end = System.nanoTime() + nanos;
        for (long now = System.nanoTime(); now < end; ) {
            client.send(request);
            client.recv().close();
            long after = System.nanoTime();
            if (into != null) {
                into.add(after - now);
            }
            now = after;
        }
    }

    /** Bytes of large messages the server has taken so far. */
    private static long stats(Endpoint client) throws IOException {
        client.send(STATS);
        try (Message m = client.recv()) {
            return Long.parseLong(new String(m.payload(), StandardCharsets.US_ASCII));
        }
    }

    private static double ms(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    /** The server: answers small messages (the stats request with the count), counts the bytes of large ones. */
    private static void serve(String socket, int threads) throws Exception {
        AtomicLong large = new AtomicLong();
        try (Listener listener = Listener.bind(socket)) {
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(Thread.ofPlatform().name("accept-" + i).start(() -> {
                    try {
                        for (;;) {
                            Pod pod = listener.accept();
                            try (Message m = pod.message()) {
                                byte[] p = m.payload();
                                if (p.length > 4096) {
                                    large.addAndGet(p.length);
                                } else if (Arrays.equals(p, STATS)) {
                                    pod.connection().tryReply(Long.toString(large.get())
                                            .getBytes(StandardCharsets.US_ASCII));
                                } else {
                                    pod.connection().tryReply(p);
                                }
                            }
                        }
                    } catch (ClosedChannelException e) {
                        // closed: the process is ending
                    } catch (IOException e) {
                        e.printStackTrace();
                    }
                }));
            }
            System.out.println("ready");
            System.out.flush();
            for (Thread t : all) {
                t.join();
            }
        }
    }

    private static Path compile(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("oob_streamer.c");
        try (var in = OutOfBandFairness.class.getResourceAsStream("/c/oob_streamer.c")) {
            if (in == null) {
                throw new IllegalStateException("missing resource c/oob_streamer.c");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve("oob_streamer");
        Process p = new ProcessBuilder("gcc", "-O2", "-pthread", "-o", bin.toString(), src.toString()).inheritIO()
                .start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc failed for oob_streamer.c");
        }
        return bin;
    }
}
