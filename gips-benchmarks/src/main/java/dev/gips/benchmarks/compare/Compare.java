package dev.gips.benchmarks.compare;

import dev.gips.benchmarks.PollLoopServer;
import dev.gips.benchmarks.ShmThroughput;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The whole comparison in one run: gips against the C baseline (the limit), the JDK's Unix-domain
 * {@code SocketChannel} and junixsocket, each in its own pair of processes, then allocation (JMH {@code -prof gc}),
 * a poll-driven server with 1,000 clients, shared memory copies (JMH) and cold start. Writes
 * {@code BENCHMARKS.md} and {@code benchmarks-round-trip.svg} into the directory given as the first argument.
 *
 * <pre>
 * mvn -q compile exec:exec@bench                 # from the repository root; about 13 minutes on 2 cores
 * mvn -q compile exec:exec@bench -Dbench.args=quick   # a 3-minute smoke run with short measurements
 * </pre>
 */
public final class Compare {
    private Compare() {}

    static final int[] SIZES = {64, 4096, 65536, 1 << 20};
    /** JMH 1.37 uses {@code sun.misc.Unsafe}, which JDK 24+ warns about on every fork unless allowed. */
    private static final String UNSAFE_OK = "--sun-misc-unsafe-memory-access=allow";

    /** How long each part runs. */
    record Settings(int rounds, long warmupMs, long measureMs, int pollRounds, int pollWarmup, int pollSeconds,
            int jmhWarmups, int jmhIterations, int coldRuns) {
        static final Settings FULL = new Settings(4, 1000, 800, 3, 2, 4, 3, 5, 12);
        static final Settings QUICK = new Settings(2, 200, 300, 1, 1, 2, 1, 2, 3);
    }

    /**
     * A peer: how to start its server and its client for a socket path. A mixed pair ({@code mixed}) runs only the
     * 64-byte tasks: it tells whether a gap to C lies on the client's or on the server's side.
     */
    record Peer(String name, String label, Function<String, List<String>> server,
            Function<String, List<String>> client, boolean fds, boolean mixed) {
        Peer(String name, String label, Function<String, List<String>> server,
                Function<String, List<String>> client, boolean fds) {
            this(name, label, server, client, fds, false);
        }
    }

    /** Peer → task ({@code rtt:64}) → round → the client's figure for that round. */
    private static final Map<String, Map<String, Map<Integer, Double>>> results = new LinkedHashMap<>();
    private static final java.util.Set<Long> READY = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** {@code Compare OUTPUT_DIR [quick]}. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Settings s = Arrays.asList(args).contains("quick") ? Settings.QUICK : Settings.FULL;
        Report report = new Report(out, s);
        report.loadAtStart = loadAverage();
        Instant start = Instant.now();
        log("load average at start: " + report.loadAtStart);
        Path dir = Files.createTempDirectory("gips-compare-");
        try {
            Path cPeer = compile(dir, "seqpacket_peer");
            Path cStream = compile(dir, "stream_peer");
            Path pollClient = compile(dir, "poll_client");
            Path pollServer = compile(dir, "poll_server");
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = System.getProperty("java.class.path");
            Function<String, List<String>> jvm = main -> List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    cp, main);
            List<Peer> peers = List.of(
                    new Peer("c", "C (SOCK_SEQPACKET, gcc -O2)",
                            p -> List.of(cPeer.toString(), "server", p),
                            p -> List.of(cPeer.toString(), "client", p), true),
                    new Peer("c-stream", "C over SOCK_STREAM (the JDK peers' socket type and framing)",
                            p -> List.of(cStream.toString(), "server", p),
                            p -> List.of(cStream.toString(), "client", p), false),
                    new Peer("c-passcred", "C with SO_PASSCRED (what gips sets for a client without an address)",
                            p -> List.of("env", "GIPS_PASSCRED=1", cPeer.toString(), "server", p),
                            p -> List.of("env", "GIPS_PASSCRED=1", cPeer.toString(), "client", p), true),
                    new Peer("gips", "gips, platform threads",
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "server", "platform", p),
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "client", "platform", p), true),
                    new Peer("gips-client", "gips client (Endpoint) with the C server",
                            p -> List.of(cPeer.toString(), "server", p),
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "client", "platform", p), true, true),
                    new Peer("gips-server", "C client with the gips server (Listener)",
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "server", "platform", p),
                            p -> List.of(cPeer.toString(), "client", p), true, true),
                    new Peer("c-epoll", "C with a server that waits in `epoll_wait` before each message, as one "
                            + "for many clients (gips' Listener among them) must",
                            p -> List.of("env", "GIPS_EPOLL=1", cPeer.toString(), "server", p),
                            p -> List.of(cPeer.toString(), "client", p), true, true),
                    new Peer("ffm-server", "C client with a bare FFM server: one `recvmsg` downcall per message "
                            + "into a new `byte[]`, nothing else (any FFM library's floor)",
                            p -> concat(jvm.apply(FfmFloorPeer.class.getName()), p),
                            p -> List.of(cPeer.toString(), "client", p), false, true),
                    new Peer("gips-virtual", "gips, virtual threads",
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "server", "virtual", p),
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "client", "virtual", p), true),
                    new Peer("jdk", "JDK SocketChannel (UnixDomainSocketAddress)",
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "server", "jdk", p),
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "client", "jdk", p), false),
                    new Peer("jdk-virtual", "JDK SocketChannel, virtual threads",
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "server", "jdk-virtual", p),
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "client", "jdk-virtual", p), false),
                    new Peer("junixsocket", "junixsocket AFUNIXSocketChannel",
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "server", "junixsocket", p),
                            p -> concat(jvm.apply(StreamPeer.class.getName()), "client", "junixsocket", p), true));
            report.peers = peers;
            report.results = results;

            for (int round = 1; round <= s.rounds(); round++) {
                // each round starts at another peer, so that no peer always runs right after the same one
                List<Peer> order = new ArrayList<>(peers);
                Collections.rotate(order, -(round - 1) * peers.size() / s.rounds());
                for (Peer peer : order) {
                    log("round " + round + "/" + s.rounds() + ": " + peer.label());
                    try {
                        runPair(dir, peer, s, round);
                    } catch (Exception e) { // one broken peer must not cost the other figures
                        log("FAILED: " + peer.label() + ": " + e);
                        report.failures.add(peer.label() + ", round " + round + ": " + e.getMessage());
                    }
                }
            }

            report.poll = part(report, "poll-driven server", () -> poll(dir, s, pollServer, pollClient, jvm));
            report.allocation = part(report, "allocation", () -> allocation(s, cPeer));
            report.shm = part(report, "shared memory", () -> shm(s));
            report.cold = part(report, "cold start", () -> coldStart(dir, s, java, cp));
            report.jdk = childJdk(java);
        } finally {
            deleteTree(dir);
        }
        report.loadAtEnd = loadAverage();
        report.seconds = ChronoUnit.SECONDS.between(start, Instant.now());
        log("load average at end: " + report.loadAtEnd + "; took " + report.seconds + " s");
        report.write();
        log("wrote " + out.resolve("BENCHMARKS.md") + " and " + out.resolve(Report.CHART));
    }

    /** One part of the run that yields figures by name. */
    @FunctionalInterface
    interface Part<T> {
        Map<String, T> run() throws Exception;
    }

    /** Runs a part; if it fails, says so in the report and goes on with the others. */
    private static <T> Map<String, T> part(Report report, String name, Part<T> part) {
        try {
            return part.run();
        } catch (Exception e) {
            log("FAILED: " + name + ": " + e);
            report.failures.add(name + ": " + e.getMessage());
            return Map.of();
        }
    }

    // ------------------------------------------------------------------------------------------- process pairs

    private static void runPair(Path dir, Peer peer, Settings s, int round) throws Exception {
        Path socket = dir.resolve(peer.name() + "-" + round + ".sock");
        List<String> tasks = new ArrayList<>();
        for (int size : peer.mixed() ? new int[] {64} : SIZES) {
            tasks.add("rtt:" + size);
        }
        if (peer.fds()) {
            tasks.add("fd:64");
        }
        tasks.add("up:64");
        tasks.add("down:64");
        List<String> client = new ArrayList<>(peer.client().apply(socket.toString()));
        client.add(String.valueOf(s.warmupMs()));
        client.add(String.valueOf(s.measureMs()));
        client.add(tasks.get(0)); // once more first, thrown away: it warms up a fresh JVM's JIT
        client.addAll(tasks);
        Process server = startServer(peer.server().apply(socket.toString()));
        try {
            List<String> lines = runClient(client);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String key = f[0] + ":" + f[1];
                double value = Double.parseDouble(f[2]);
                log("  " + key + " " + f[2]);
                results.computeIfAbsent(peer.name(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(key, k -> new TreeMap<>()).put(round, value);
            }
        } finally {
            stop(server);
            Files.deleteIfExists(socket);
        }
    }

    private static Process startServer(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread.ofPlatform().daemon().start(() -> { // a server that never says "ready" must not hang the run
            try {
                Thread.sleep(60_000);
                if (p.isAlive() && !READY.contains(p.pid())) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) {
            stop(p);
            throw new IllegalStateException("server did not start: " + command);
        }
        READY.add(p.pid());
        drain(p.getInputStream());
        return p;
    }

    /** The longest any client process may take; a hung peer is killed and the run goes on. */
    private static final long CLIENT_LIMIT_SECONDS = 180;

    private static List<String> runClient(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                if (!p.waitFor(CLIENT_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    log("killing a client that ran over " + CLIENT_LIMIT_SECONDS + " s: " + command);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                lines.add(line);
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("client failed (exit " + p.exitValue() + "): " + command);
        }
        return lines;
    }

    /** Keeps reading a child's output so that it never blocks on a full pipe. */
    private static void drain(InputStream in) {
        Thread.ofPlatform().daemon().start(() -> {
            try (in) {
                in.transferTo(OutputStreamNull.INSTANCE);
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) { }

        @Override
        public void write(byte[] b, int off, int len) { }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // -------------------------------------------------------------------------------------------- poll server

    private static Map<String, Map<Integer, Double>> poll(Path dir, Settings s, Path cServer, Path client,
            Function<String, List<String>> jvm) throws Exception {
        Map<String, Map<Integer, Double>> rates = new LinkedHashMap<>();
        List<String> servers = List.of("c", "c-msg", "c-stream", "gips", "gips-drain", "jdk");
        for (int round = 1; round <= s.pollRounds(); round++) {
            List<String> order = new ArrayList<>(servers);
            Collections.rotate(order, -(round - 1));
            for (String server : order) {
                log("poll server, 1,000 clients, round " + round + "/" + s.pollRounds() + ": " + server);
                Path socket = dir.resolve("poll-" + server + "-" + round + ".sock");
                List<String> command = switch (server) {
                    case "c" -> List.of(cServer.toString(), socket.toString());
                    case "c-stream" -> List.of(cServer.toString(), socket.toString(), "stream");
                    case "c-msg" -> List.of(cServer.toString(), socket.toString(), "msg");
                    case "gips" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(), "one");
                    case "gips-drain" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(),
                            "drain");
                    default -> concat(jvm.apply(SelectorServer.class.getName()), socket.toString());
                };
                Process p = startServer(command);
                try {
                    List<String> c = new ArrayList<>(List.of(client.toString(), socket.toString(), "1000",
                            String.valueOf(s.pollWarmup()), String.valueOf(s.pollSeconds())));
                    if (server.equals("jdk") || server.equals("c-stream")) {
                        c.add("stream");
                    }
                    double rate = Double.parseDouble(runClient(c).get(0).trim());
                    log(String.format(Locale.ROOT, "  %,.0f messages/s", rate));
                    rates.computeIfAbsent(server, k -> new TreeMap<>()).put(round, rate);
                } finally {
                    stop(p);
                    Files.deleteIfExists(socket);
                }
            }
        }
        return rates;
    }

    // -------------------------------------------------------------------------------------------- JMH parts

    private static Map<String, Double> allocation(Settings s, Path cPeer) throws RunnerException {
        log("allocation per message (JMH -prof gc)");
        var options = new OptionsBuilder().include(AllocationBench.class.getName() + "\\.")
                .addProfiler(GCProfiler.class).forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", UNSAFE_OK, "-Dgips.bench.cpeer=" + cPeer)
                .warmupIterations(s.jmhWarmups()).warmupTime(TimeValue.seconds(1))
                .measurementIterations(s.jmhIterations()).measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT).build();
        Map<String, Double> bytes = new LinkedHashMap<>();
        for (RunResult r : new Runner(options).run()) {
            // the median iteration: an iteration now and then also counts JMH's own bookkeeping
            List<Double> norms = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    Result<?> norm = i.getSecondaryResults().get("gc.alloc.rate.norm");
                    if (norm != null) {
                        norms.add(norm.getScore());
                    }
                }
            }
            String name = shortName(r);
            bytes.put(name, median(norms));
            bytes.put(name + ".us", r.getPrimaryResult().getScore());
        }
        return bytes;
    }

    private static Map<String, Double> shm(Settings s) throws RunnerException {
        log("shared memory copies (JMH)");
        var options = new OptionsBuilder().include(ShmThroughput.class.getName() + "\\.").forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", UNSAFE_OK, "-Xms1g", "-Xmx1g")
                .warmupIterations(s.jmhWarmups()).warmupTime(TimeValue.seconds(1))
                .measurementIterations(s.jmhIterations()).measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT).build();
        Collection<RunResult> runs = new Runner(options).run();
        Map<String, Double> gbs = new LinkedHashMap<>();
        for (RunResult r : runs) {
            gbs.put(shortName(r), r.getPrimaryResult().getScore() * ShmThroughput.BLOCK / 1e9);
        }
        return gbs;
    }

    private static String shortName(RunResult r) {
        String name = r.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    // --------------------------------------------------------------------------------------------- cold start

    /** Cold-start programs ({@link ColdStart} kinds); those ending in {@code -aot} run from a JDK AOT cache. */
    static final List<String> COLD_KINDS = List.of("none", "ffm", "ffm-shapes", "jdk", "gips", "ffm-shapes-aot",
            "jdk-aot", "gips-aot");

    private static Map<String, Map<Integer, Double>> coldStart(Path dir, Settings s, String java, String cp)
            throws Exception {
        // JDK 25's AOT cache (JEP 483, 514) stores only classes that come from jars: pack the class path's directories
        String jars = jarredClassPath(dir, cp);
        Map<String, List<String>> commands = new LinkedHashMap<>();
        for (String kind : COLD_KINDS) {
            String program = kind.replace("-aot", "");
            List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
            if (kind.endsWith("-aot")) {
                Path cache = dir.resolve(program + ".aot");
                List<String> training = concat(List.of(java, "--enable-native-access=ALL-UNNAMED",
                        "-XX:AOTCacheOutput=" + cache, "-cp", jars, ColdStart.class.getName()), program);
                if (Runtime.version().feature() < 25 || run(training) != 0 || !Files.exists(cache)) {
                    log("no AOT cache for " + program + " (needs JDK 25+); its row stays empty");
                    continue;
                }
                command.addAll(List.of("-XX:AOTCache=" + cache, "-cp", jars));
            } else {
                command.addAll(List.of("-cp", cp));
            }
            command.addAll(List.of(ColdStart.class.getName(), program));
            commands.put(kind, command);
            timeOnce(command); // the first run of each warms the OS's file cache
        }
        log("cold start, " + s.coldRuns() + " fresh JVMs each");
        Map<String, Map<Integer, Double>> ms = new LinkedHashMap<>();
        for (int i = 1; i <= s.coldRuns(); i++) {
            for (var e : commands.entrySet()) {
                ms.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(i, timeOnce(e.getValue()));
            }
        }
        return ms;
    }

    private static double timeOnce(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cold start failed: " + command + ": " + output);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static int run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0) {
            log("failed (exit " + status + "): " + command + ": " + output.strip());
        }
        return status;
    }

    /** The class path with every directory replaced by a jar of its files. */
    private static String jarredClassPath(Path dir, String cp) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!Files.isDirectory(path)) {
                entries.add(entry);
                continue;
            }
            Path jar = dir.resolve("classes-" + n++ + ".jar");
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                    var files = Files.walk(path)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(new java.util.jar.JarEntry(path.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static String childJdk(String java) throws Exception {
        Process p = new ProcessBuilder(java, "-XshowSettings:properties", "-version").redirectErrorStream(true)
                .start();
        String vendor = "";
        String version = "";
        for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            String t = line.trim();
            if (t.startsWith("java.vm.vendor = ")) {
                vendor = t.substring("java.vm.vendor = ".length());
            } else if (t.startsWith("java.runtime.version = ")) {
                version = t.substring("java.runtime.version = ".length());
            }
        }
        p.waitFor();
        return vendor + " " + version + " (" + java + ")";
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Path compile(Path dir, String name) throws IOException, InterruptedException {
        Path src = dir.resolve(name + ".c");
        try (var in = Compare.class.getResourceAsStream("/c/" + name + ".c")) {
            if (in == null) {
                throw new IllegalStateException("missing resource c/" + name + ".c");
            }
            Files.copy(in, src);
        }
        Path bin = dir.resolve(name);
        Process p = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), src.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc failed for " + name);
        }
        return bin;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void log(String message) {
        System.out.printf(Locale.ROOT, "[%tT] %s%n", System.currentTimeMillis(), message);
        System.out.flush();
    }
}
