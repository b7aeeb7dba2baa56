package dev.gips.benchmarks.compare;

import dev.gips.benchmarks.PollLoadClient;
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
import java.util.EnumMap;
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
 * a poll-driven server with 1,000 clients, shared memory copies (JMH) and cold start. Every process pair and every
 * cold start runs in both {@linkplain Placement placements}: pinned (both processes on one CPU, so a ratio is CPU
 * cost per message) and unpinned. Writes {@code BENCHMARKS.md} and {@code benchmarks-round-trip.svg} into the
 * directory given as the first argument.
 *
 * <pre>
 * mvn -q compile exec:exec@bench                 # from the repository root; about 20 minutes on 2 cores
 * mvn -q compile exec:exec@bench -Dbench.args=quick   # a 4-minute smoke run with short measurements
 * </pre>
 */
public final class Compare {
    private Compare() {}

    static final int[] SIZES = {64, 4096, 65536, 1 << 20};
    /** JMH 1.37 uses {@code sun.misc.Unsafe}, which JDK 24+ warns about on every fork unless allowed. */
    private static final String UNSAFE_OK = "--sun-misc-unsafe-memory-access=allow";

    /**
     * How long each part runs, in each placement. {@code warmupMs} is a task's warm-up when a JVM takes part (two
     * JVMs need about a second to settle at a new payload size), {@code cWarmupMs} when both sides are C (nothing to
     * compile); {@code regimeRuns} pinned and unpinned C ping-pongs at the start say which regime the machine is in.
     */
    record Settings(int rounds, long warmupMs, long cWarmupMs, long measureMs, int regimeRuns, int pollRounds,
            int pollWarmup, int pollSeconds, int jmhWarmups, int jmhIterations, int coldRuns) {
        static final Settings FULL = new Settings(4, 1000, 200, 600, 3, 3, 2, 3, 2, 4, 10);
        static final Settings QUICK = new Settings(1, 200, 100, 200, 1, 1, 1, 1, 1, 1, 2);
    }

    /** Where the two processes of a pair (and a cold start's one) run. */
    enum Placement {
        /**
         * Both processes, and every thread they start (a JVM's JIT and GC threads too), on one CPU
         * ({@code taskset}): a round trip is the CPU work of both sides and two context switches, so a ratio is the
         * CPU cost per message, which holds from one machine to another.
         */
        PINNED,
        /**
         * Wherever the scheduler puts them: a message often has to wake the other, idle CPU, which on a VM is the
         * hypervisor's work and can cost more than the message itself.
         */
        UNPINNED;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A peer: how to start its server and its client for a socket path. A mixed pair ({@code mixed}) runs only the
     * 64-byte tasks: it tells whether a gap to C lies on the client's or on the server's side. {@code jvm}: a JVM
     * runs on at least one side, so the client warms up its JIT first.
     */
    record Peer(String name, String label, Function<String, List<String>> server,
            Function<String, List<String>> client, boolean fds, boolean mixed, boolean jvm) {
        Peer(String name, String label, Function<String, List<String>> server,
                Function<String, List<String>> client, boolean fds) {
            this(name, label, server, client, fds, false, true);
        }
    }

    /** Placement → peer → task ({@code rtt:64}) → round → the client's figure for that round. */
    private static final Map<Placement, Map<String, Map<String, Map<Integer, Double>>>> results =
            new EnumMap<>(Placement.class);
    private static final java.util.Set<Long> READY = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The CPU of pinned processes, or null where {@code taskset} cannot pin them. */
    private static String pinCpu;

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
            List<Placement> placements = placements(report);
            report.placements = placements;
            report.pinCpu = pinCpu;
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = System.getProperty("java.class.path");
            Function<String, List<String>> jvm = main -> List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    cp, main);
            Function<String, List<String>> jvmChannel = main -> List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-Dgips.bench.channel=true", "-cp", cp, main);
            List<Peer> peers = List.of(
                    new Peer("c", "C (SOCK_SEQPACKET, gcc -O2)",
                            p -> List.of(cPeer.toString(), "server", p),
                            p -> List.of(cPeer.toString(), "client", p), true, false, false),
                    new Peer("c-stream", "C over SOCK_STREAM (the JDK peers' socket type and framing)",
                            p -> List.of(cStream.toString(), "server", p),
                            p -> List.of(cStream.toString(), "client", p), false, false, false),
                    new Peer("c-passcred", "C with SO_PASSCRED (what gips sets for a client without an address)",
                            p -> List.of("env", "GIPS_PASSCRED=1", cPeer.toString(), "server", p),
                            p -> List.of("env", "GIPS_PASSCRED=1", cPeer.toString(), "client", p), true, false,
                            false),
                    new Peer("gips", "gips, platform threads",
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "server", "platform", p),
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "client", "platform", p), true),
                    new Peer("gips-client", "gips client (Endpoint) with the C server",
                            p -> List.of(cPeer.toString(), "server", p),
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "client", "platform", p), true, true,
                            true),
                    new Peer("gips-server", "C client with the gips server (Listener)",
                            p -> concat(jvm.apply(GipsPeer.class.getName()), "server", "platform", p),
                            p -> List.of(cPeer.toString(), "client", p), true, true, true),
                    new Peer("c-epoll", "C with a server that waits in `epoll_wait` before each message, as one "
                            + "for many clients (gips' Listener among them) must",
                            p -> List.of("env", "GIPS_EPOLL=1", cPeer.toString(), "server", p),
                            p -> List.of(cPeer.toString(), "client", p), true, true, false),
                    new Peer("c-mmsg", "C with a server that takes up to 8 datagrams per `recvmmsg`, as the gips "
                            + "Listener does for a plain client that streams",
                            p -> List.of("env", "GIPS_MMSG=1", cPeer.toString(), "server", p),
                            p -> List.of(cPeer.toString(), "client", p), true, true, false),
                    new Peer("ffm-server", "C client with a bare FFM server: one `recvmsg` downcall per message "
                            + "into a new `byte[]`, nothing else (any FFM library's floor)",
                            p -> concat(jvm.apply(FfmFloorPeer.class.getName()), p),
                            p -> List.of(cPeer.toString(), "client", p), false, true, true),
                    new Peer("gips-shm", "gips over its shared-memory channel (both ends gips for Java)",
                            p -> concat(jvmChannel.apply(GipsPeer.class.getName()), "server", "platform", p),
                            p -> concat(jvmChannel.apply(GipsPeer.class.getName()), "client", "platform", p), true),
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

            report.regime = part(report, "regime", () -> regime(dir, s, placements, cPeer));
            for (int round = 1; round <= s.rounds(); round++) {
                for (Placement placement : inTurn(placements, round)) {
                    // each round starts at another peer, so that no peer always runs right after the same one
                    List<Peer> order = new ArrayList<>(peers);
                    Collections.rotate(order, -(round - 1) * peers.size() / s.rounds());
                    for (Peer peer : order) {
                        log("round " + round + "/" + s.rounds() + ", " + placement.text() + ": " + peer.label());
                        try {
                            runPair(dir, peer, placement, s, round);
                        } catch (Exception e) { // one broken peer must not cost the other figures
                            log("FAILED: " + peer.label() + ": " + e);
                            report.failures.add(peer.label() + ", " + placement.text() + ", round " + round + ": "
                                    + e.getMessage());
                        }
                    }
                }
            }

            report.poll = part(report, "poll-driven server",
                    () -> poll(dir, s, placements, pollServer, pollClient, jvm));
            report.idle = part(report, "idle channel", () -> idle(dir, placements, jvmChannel));
            report.allocation = part(report, "allocation", () -> allocation(s, cPeer));
            report.shm = part(report, "shared memory", () -> shm(s));
            report.cold = part(report, "cold start", () -> coldStart(dir, s, placements, java, cp));
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

    // -------------------------------------------------------------------------------------------- placement

    /** Both placements if {@code taskset} can pin a process here; unpinned alone (and a failure noted) if not. */
    private static List<Placement> placements(Report report) throws InterruptedException {
        String cpu = firstAllowedCpu();
        try {
            if (run(List.of("taskset", "-c", cpu, "true")) == 0) {
                pinCpu = cpu;
                log("pinned pairs run on CPU " + cpu);
                return List.of(Placement.PINNED, Placement.UNPINNED);
            }
        } catch (IOException e) {
            log("no taskset: " + e.getMessage());
        }
        report.failures.add("pinned placement: `taskset -c " + cpu + " true` failed (it comes with util-linux); "
                + "only unpinned figures were measured");
        return List.of(Placement.UNPINNED);
    }

    /** The first CPU this process may run on (CPU 0 unless a cpuset or an outer {@code taskset} says otherwise). */
    private static String firstAllowedCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring(line.indexOf(':') + 1).trim().split("[,-]")[0];
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "0";
    }

    /** {@code command} as it starts in {@code placement}: pinned, under {@code taskset}, so that every thread is. */
    private static List<String> place(Placement placement, List<String> command) {
        if (placement == Placement.UNPINNED) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", pinCpu));
        pinned.addAll(command);
        return pinned;
    }

    /** The placements in the order round {@code round} runs them: alternating, so neither always runs first. */
    private static List<Placement> inTurn(List<Placement> placements, int round) {
        List<Placement> order = new ArrayList<>(placements);
        Collections.rotate(order, round - 1);
        return order;
    }

    /**
     * The machine's regime, before anything else: the C ping-pong's 64-byte round trip (ns) in each placement,
     * interleaved, {@code regimeRuns} times each.
     */
    private static Map<Placement, Map<Integer, Double>> regime(Path dir, Settings s, List<Placement> placements,
            Path cPeer) throws Exception {
        Map<Placement, Map<Integer, Double>> ns = new EnumMap<>(Placement.class);
        for (int run = 1; run <= s.regimeRuns(); run++) {
            for (Placement placement : inTurn(placements, run)) {
                Path socket = dir.resolve("regime-" + placement.text() + "-" + run + ".sock");
                Process server = startServer(place(placement, List.of(cPeer.toString(), "server", socket.toString())));
                try {
                    List<String> lines = runClient(place(placement, List.of(cPeer.toString(), "client",
                            socket.toString(), "200", "500", "rtt:64")));
                    double v = Double.parseDouble(lines.get(0).trim().split("\\s+")[2]);
                    log(String.format(Locale.ROOT, "regime, %s: C round trip of 64 B %.1f µs", placement.text(),
                            v / 1000));
                    ns.computeIfAbsent(placement, k -> new TreeMap<>()).put(run, v);
                } finally {
                    stop(server);
                    Files.deleteIfExists(socket);
                }
            }
        }
        return ns;
    }

    /** One part of the run that yields figures by name. */
    @FunctionalInterface
    interface Part<K, V> {
        Map<K, V> run() throws Exception;
    }

    /** Runs a part; if it fails, says so in the report and goes on with the others. */
    private static <K, V> Map<K, V> part(Report report, String name, Part<K, V> part) {
        try {
            return part.run();
        } catch (Exception e) {
            log("FAILED: " + name + ": " + e);
            report.failures.add(name + ": " + e.getMessage());
            return Map.of();
        }
    }

    // ------------------------------------------------------------------------------------------- process pairs

    private static void runPair(Path dir, Peer peer, Placement placement, Settings s, int round) throws Exception {
        Path socket = dir.resolve(peer.name() + "-" + placement.text() + "-" + round + ".sock");
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
        client.add(String.valueOf(peer.jvm() ? s.warmupMs() : s.cWarmupMs()));
        client.add(String.valueOf(s.measureMs()));
        if (peer.jvm()) {
            client.add(tasks.get(0)); // once more first, thrown away: it warms up a fresh JVM's JIT
        }
        client.addAll(tasks);
        Process server = startServer(place(placement, peer.server().apply(socket.toString())));
        try {
            List<String> lines = runClient(place(placement, client));
            for (String line : lines.subList(peer.jvm() ? 1 : 0, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String key = f[0] + ":" + f[1];
                double value = Double.parseDouble(f[2]);
                log("  " + key + " " + f[2]);
                results.computeIfAbsent(placement, k -> new LinkedHashMap<>())
                        .computeIfAbsent(peer.name(), k -> new LinkedHashMap<>())
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

    /** Placement → server → round → messages per second. */
    private static Map<Placement, Map<String, Map<Integer, Double>>> poll(Path dir, Settings s,
            List<Placement> placements, Path cServer, Path client, Function<String, List<String>> jvm)
            throws Exception {
        Map<Placement, Map<String, Map<Integer, Double>>> rates = new EnumMap<>(Placement.class);
        List<String> servers = List.of("c", "c-msg", "c-stream", "gips", "gips-drain", "jdk", "java-socket",
                "java-shm");
        for (int round = 1; round <= s.pollRounds(); round++) {
            for (Placement placement : inTurn(placements, round)) {
                List<String> order = new ArrayList<>(servers);
                Collections.rotate(order, -(round - 1));
                for (String server : order) {
                    log("poll server, 1,000 clients, round " + round + "/" + s.pollRounds() + ", "
                            + placement.text() + ": " + server);
                    Path socket = dir.resolve("poll-" + server + "-" + placement.text() + "-" + round + ".sock");
                    double rate = pollOnce(s, placement, server, socket, cServer, client, jvm);
                    log(String.format(Locale.ROOT, "  %,.0f messages/s", rate));
                    rates.computeIfAbsent(placement, k -> new LinkedHashMap<>())
                            .computeIfAbsent(server, k -> new TreeMap<>()).put(round, rate);
                }
            }
        }
        return rates;
    }

    /** Seconds an idle connected pair is watched for the CPU it uses. */
    static final int IDLE_SECONDS = 10;

    /**
     * An idle pair on the shared-memory channel: after 1,000 round trips the client waits {@link #IDLE_SECONDS} in a
     * receive; the CPU milliseconds each process used meanwhile ({@code client}, {@code server}).
     */
    private static Map<Placement, Map<String, Double>> idle(Path dir, List<Placement> placements,
            Function<String, List<String>> jvmChannel) throws Exception {
        Map<Placement, Map<String, Double>> cpu = new EnumMap<>(Placement.class);
        for (Placement placement : placements) {
            log("idle pair on the shared-memory channel, " + IDLE_SECONDS + " s, " + placement.text());
            Path socket = dir.resolve("idle-" + placement.text() + ".sock");
            Process server = startServer(place(placement, concat(jvmChannel.apply(GipsPeer.class.getName()),
                    "server", "platform", socket.toString())));
            try {
                Process client = new ProcessBuilder(place(placement, concat(jvmChannel.apply(
                        GipsPeer.class.getName()), "idle", "platform", socket.toString(), "" + IDLE_SECONDS)))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.UTF_8));
                if (!"idle".equals(r.readLine())) {
                    throw new IllegalStateException("the idle client did not start");
                }
                long before = cpuNanos(server);
                double clientMs = Double.parseDouble(r.readLine().trim());
                double serverMs = (cpuNanos(server) - before) / 1e6;
                client.waitFor();
                log(String.format(Locale.ROOT, "  client %.1f ms, server %.1f ms of CPU", clientMs, serverMs));
                cpu.put(placement, Map.of("client", clientMs, "server", serverMs));
            } finally {
                stop(server);
                Files.deleteIfExists(socket);
            }
        }
        return cpu;
    }

    /** CPU time of a process (its JVM); under {@code taskset} the child of the launcher is the JVM itself. */
    private static long cpuNanos(Process p) {
        return p.toHandle().descendants().map(h -> h.info().totalCpuDuration().orElse(java.time.Duration.ZERO))
                .reduce(p.info().totalCpuDuration().orElse(java.time.Duration.ZERO), java.time.Duration::plus)
                .toNanos();
    }

    /** One server with the C load generator's 1,000 clients: messages per second. */
    private static double pollOnce(Settings s, Placement placement, String server, Path socket, Path cServer,
            Path client, Function<String, List<String>> jvm) throws Exception {
        List<String> command = switch (server) {
            case "c" -> List.of(cServer.toString(), socket.toString());
            case "c-stream" -> List.of(cServer.toString(), socket.toString(), "stream");
            case "c-msg" -> List.of(cServer.toString(), socket.toString(), "msg");
            case "gips" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(), "one");
            case "gips-drain" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(), "drain");
            // gips-java clients: over the shared-memory channel, or with it off on both sides
            case "java-socket" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(), "one",
                    "socket");
            case "java-shm" -> concat(jvm.apply(PollLoopServer.class.getName()), socket.toString(), "one");
            default -> concat(jvm.apply(SelectorServer.class.getName()), socket.toString());
        };
        Process p = startServer(place(placement, command));
        try {
            List<String> load = List.of(socket.toString(), "1000", String.valueOf(s.pollWarmup()),
                    String.valueOf(s.pollSeconds()));
            List<String> javaClient = concat(concat(jvm.apply(PollLoadClient.class.getName()),
                    load.toArray(String[]::new)), server.equals("java-socket") ? "socket" : "channel");
            List<String> c = new ArrayList<>(!server.startsWith("java-") ? concat(List.of(client.toString()),
                    load.toArray(String[]::new)) : javaClient);
            if (server.equals("jdk") || server.equals("c-stream")) {
                c.add("stream");
            }
            return Double.parseDouble(runClient(place(placement, c)).get(0).trim());
        } finally {
            stop(p);
            Files.deleteIfExists(socket);
        }
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

    /**
     * Placement → cold-start kind → run → ms. Both placements use one AOT cache per program, trained unpinned, as a
     * deployment ships one (a pinned JVM, with one CPU and so the Serial GC, loads the G1 run's cache).
     */
    private static Map<Placement, Map<String, Map<Integer, Double>>> coldStart(Path dir, Settings s,
            List<Placement> placements, String java, String cp) throws Exception {
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
            for (Placement placement : placements) {
                timeOnce(place(placement, command)); // the first run of each warms the OS's file cache
            }
        }
        log("cold start, " + s.coldRuns() + " fresh JVMs of each program in each placement");
        Map<Placement, Map<String, Map<Integer, Double>>> ms = new EnumMap<>(Placement.class);
        for (int i = 1; i <= s.coldRuns(); i++) {
            for (Placement placement : inTurn(placements, i)) {
                for (var e : commands.entrySet()) {
                    ms.computeIfAbsent(placement, k -> new LinkedHashMap<>())
                            .computeIfAbsent(e.getKey(), k -> new TreeMap<>())
                            .put(i, timeOnce(place(placement, e.getValue())));
                }
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

    private static int run(List<String> command) throws IOException, InterruptedException {
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
