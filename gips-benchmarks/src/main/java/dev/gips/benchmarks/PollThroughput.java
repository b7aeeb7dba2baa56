package dev.gips.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages per second through one poll loop with 1,000 clients: the gips {@link PollLoopServer} next to a C epoll
 * server doing the same work, driven by the same C client (1,000 connections ping-ponging 8-byte messages), in one
 * run. The ratio is the number to watch: absolute figures depend on the machine.
 *
 * <p>Args (optional): connections (1000), warm-up seconds (5), measured seconds (10), rounds (3).
 */
public final class PollThroughput {
    private PollThroughput() {}

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String warmup = args.length > 1 ? args[1] : "5";
        String seconds = args.length > 2 ? args[2] : "10";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path dir = Files.createTempDirectory("gips-bench-");
        Path client = compile(dir, "poll_client");
        Path cServer = compile(dir, "poll_server");
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        System.out.printf("poll loop, %d clients, %s s warm-up + %s s measured, %d rounds%n", connections, warmup,
                seconds, rounds);
        for (int round = 1; round <= rounds; round++) {
            Path socket = dir.resolve("c-" + round + ".sock");
            double c = measure(List.of(cServer.toString(), socket.toString()), client, socket, connections,
                    warmup, seconds);
            socket = dir.resolve("java-" + round + ".sock");
            double one = measure(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    PollLoopServer.class.getName(), socket.toString(), "one"), client, socket, connections, warmup,
                    seconds);
            socket = dir.resolve("java-drain-" + round + ".sock");
            double drain = measure(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    PollLoopServer.class.getName(), socket.toString(), "drain"), client, socket, connections, warmup,
                    seconds);
            System.out.printf("round %d: C epoll %,.0f msg/s | gips Poller, one message per event %,.0f msg/s"
                    + " (%.2f of C) | draining per event %,.0f msg/s (%.2f of C)%n", round, c, one, one / c, drain,
                    drain / c);
        }
    }

    private static double measure(List<String> server, Path client, Path socket, int connections, String warmup,
            String seconds) throws Exception {
        Process s = new ProcessBuilder(server).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var out = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            if (!"ready".equals(out.readLine())) {
                throw new IllegalStateException("server did not start: " + server);
            }
            Process c = new ProcessBuilder(client.toString(), socket.toString(), String.valueOf(connections),
                    warmup, seconds).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String rate = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (c.waitFor() != 0) {
                throw new IllegalStateException("client failed against " + server);
            }
            return Double.parseDouble(rate);
        } finally {
            s.destroyForcibly().waitFor();
            Files.deleteIfExists(socket);
        }
    }

    private static Path compile(Path dir, String name) throws IOException, InterruptedException {
        Path src = dir.resolve(name + ".c");
        try (var in = PollThroughput.class.getResourceAsStream("/c/" + name + ".c")) {
            if (in == null) {
                throw new IllegalStateException("missing resource c/" + name + ".c");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-o", bin.toString(), src.toString()));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc failed for " + name);
        }
        return bin;
    }
}
