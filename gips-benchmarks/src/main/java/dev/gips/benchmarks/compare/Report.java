package dev.gips.benchmarks.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes {@code BENCHMARKS.md} (tables of medians and ratios) and the round-trip chart of a {@link Compare} run. */
final class Report {
    static final String CHART = "benchmarks-round-trip.svg";
    /** What a 64-byte receive must allocate: {@code byte[64]} (16 + 64) and a {@code Message} (12 + 2 × 4, padded). */
    static final int RECEIVE_EXPECTED = 80 + 24;

    private final Path out;
    private final Compare.Settings settings;
    String loadAtStart;
    String loadAtEnd;
    long seconds;
    String jdk;
    List<Compare.Peer> peers;
    Map<String, Map<String, List<Double>>> results;
    Map<String, Double> poll;
    Map<String, Double> allocation;
    Map<String, Double> shm;
    Map<String, Double> cold;
    final List<String> failures = new java.util.ArrayList<>();

    Report(Path out, Compare.Settings settings) {
        this.out = out;
        this.settings = settings;
    }

    private double value(String peer, String task) {
        Map<String, List<Double>> m = results.get(peer);
        if (m == null || !m.containsKey(task)) {
            return Double.NaN;
        }
        return Compare.median(m.get(task));
    }

    void write() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# gips for Java: benchmarks\n\n");
        b.append("Written by `mvn -q compile exec:exec@bench` (class `dev.gips.benchmarks.compare.Compare`); do not ")
                .append("edit by hand. Absolute times on a shared VM are noise; the ratios, all taken in the same ")
                .append("run, are the numbers to read.\n\n");
        b.append("| | |\n| --- | --- |\n");
        b.append("| date | ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter
                .ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append(" |\n");
        b.append("| machine | ").append(machine()).append(" |\n");
        b.append("| JDK | ").append(jdk).append(" |\n");
        b.append("| commit | ").append(commit()).append(" |\n");
        b.append("| load average (1, 5, 15 min) | start ").append(loadAtStart).append(", end ").append(loadAtEnd)
                .append(" |\n");
        b.append("| duration | ").append(seconds).append(" s; ").append(settings.rounds())
                .append(" rounds of every process pair, each task ").append(settings.warmupMs())
                .append(" ms warm-up + ").append(settings.measureMs()).append(" ms measured |\n\n");

        if (!failures.isEmpty()) {
            b.append("**Parts of this run failed**; their figures are missing (–):\n\n");
            for (String f : failures) {
                b.append("- ").append(f).append('\n');
            }
            b.append('\n');
        }
        targets(b);
        roundTrips(b);
        throughput(b);
        allocation(b);
        poll(b);
        shm(b);
        cold(b);
        method(b);
        Files.writeString(out.resolve("BENCHMARKS.md"), b.toString(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve(CHART), Chart.svg(peers, this::value), StandardCharsets.UTF_8);
    }

    private void targets(StringBuilder b) {
        b.append("## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        double c64 = value("c", "rtt:64");
        double g64 = value("gips", "rtt:64");
        row(b, "64 B round trip ≤ 1.10 × C", ratio(g64, c64) + " × C (" + us(g64) + " vs " + us(c64) + " µs); "
                + "gips client with C server " + ratio(value("gips-client", "rtt:64"), c64) + " ×, C client with gips "
                + "server " + ratio(value("gips-server", "rtt:64"), c64) + " ×", g64 <= 1.10 * c64);
        double jdk64 = value("jdk", "rtt:64");
        double jx64 = value("junixsocket", "rtt:64");
        row(b, "64 B round trip faster than JDK and junixsocket", us(g64) + " µs vs JDK " + us(jdk64)
                + ", junixsocket " + us(jx64) + " µs", g64 < jdk64 && g64 < jx64);
        double cfd = value("c", "fd:64");
        double gfd = value("gips", "fd:64");
        row(b, "round trip with one fd ≤ 1.15 × C", ratio(gfd, cfd) + " × C (" + us(gfd) + " vs " + us(cfd)
                + " µs)", gfd <= 1.15 * cfd);
        for (String dir : List.of("up", "down")) {
            double c = value("c", dir + ":64");
            double g = value("gips", dir + ":64");
            row(b, "throughput ≥ 0.90 × C, " + (dir.equals("up") ? "client → server (Endpoint.send → "
                    + "Listener.accept)" : "server → client (Connection.reply → Endpoint.recv)"),
                    ratio(g, c) + " × C (" + rate(g) + " vs " + rate(c) + " msg/s); C with SO_PASSCRED "
                    + ratio(value("c-passcred", dir + ":64"), c) + " × C", g >= 0.90 * c);
        }
        double send = allocation.getOrDefault("send", Double.NaN);
        double receive = allocation.getOrDefault("roundTrip", Double.NaN) - send;
        row(b, "steady-state send allocates 0 B/message", String.format(Locale.ROOT, "%.2f B", send), send < 0.5);
        row(b, "receive allocates only the payload array and the Message (" + RECEIVE_EXPECTED + " B for 64 B)",
                String.format(Locale.ROOT, "%.2f B", receive), receive <= RECEIVE_EXPECTED + 0.5);
        double pg = poll.getOrDefault("gips", Double.NaN);
        double pd = poll.getOrDefault("gips-drain", Double.NaN);
        double pj = poll.getOrDefault("jdk", Double.NaN);
        row(b, "poll-driven server (1,000 clients) ≥ JDK Selector", "draining each event " + ratio(pd, pj)
                + " × JDK, one message per event " + ratio(pg, pj) + " × JDK (" + rate(pd) + ", " + rate(pg) + " vs "
                + rate(pj) + " msg/s)", Math.max(pg, pd) >= pj);
        double copy = shm.getOrDefault("segmentCopy", Double.NaN);
        for (String op : List.of("shmWrite", "shmReadInto", "shmRead")) {
            double v = shm.getOrDefault(op, Double.NaN);
            String what = switch (op) {
                case "shmWrite" -> "`write(byte[], long)`";
                case "shmReadInto" -> "`read(long, byte[])` into a reused array";
                default -> "`read(long, long)`, a new array each time (JDK's own `toArray`: "
                        + ratio(shm.getOrDefault("segmentToArray", Double.NaN), copy) + " ×)";
            };
            row(b, "shared memory " + what + " of 1 MiB ≥ 0.90 × MemorySegment.copy", ratio(v, copy) + " × ("
                    + gb(v) + " vs " + gb(copy) + " GB/s)", v >= 0.90 * copy);
        }
        double cg = cold.getOrDefault("gips", Double.NaN);
        double cj = cold.getOrDefault("jdk", Double.NaN);
        row(b, "cold start ≤ 1.5 × JDK", ratio(cg, cj) + " × JDK (" + ms(cg) + " vs " + ms(cj) + " ms)",
                cg <= 1.5 * cj);
        b.append('\n');
    }

    private void roundTrips(StringBuilder b) {
        b.append("## Request/reply round trip\n\nMedian time of one round trip (µs), and its ratio to C. ")
                .append("Payloads over the socket's datagram limit (here 1 MiB) travel in a sealed memfd for gips ")
                .append("and for C alike; the stream peers copy them through the socket.\n\n");
        b.append("![round trip against payload size](").append(CHART).append(")\n\n");
        b.append("| peer |");
        for (int size : Compare.SIZES) {
            b.append(' ').append(size(size)).append(" |");
        }
        b.append(" 64 B + 1 fd each way |\n| --- |");
        b.append(" ---: |".repeat(Compare.SIZES.length + 1)).append('\n');
        for (Compare.Peer p : peers) {
            b.append("| ").append(p.label()).append(" |");
            for (int size : Compare.SIZES) {
                cell(b, value(p.name(), "rtt:" + size), value("c", "rtt:" + size));
            }
            if (p.fds()) {
                cell(b, value(p.name(), "fd:64"), value("c", "fd:64"));
            } else {
                b.append(" cannot pass descriptors |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private void cell(StringBuilder b, double v, double c) {
        b.append(' ').append(us(v)).append(" (").append(ratio(v, c)).append(") |");
    }

    private void throughput(StringBuilder b) {
        b.append("## One-way throughput, 64 B messages\n\nMessages per second, measured until the receiver has ")
                .append("taken the last one. The stream peers read many frames per `read`, which a datagram ")
                .append("socket cannot do; their figures are above the datagram limit for that reason.\n\n")
                .append("| peer | client → server | × C | server → client | × C |\n")
                .append("| --- | ---: | ---: | ---: | ---: |\n");
        for (Compare.Peer p : peers) {
            double up = value(p.name(), "up:64");
            double down = value(p.name(), "down:64");
            b.append("| ").append(p.label()).append(" | ").append(rate(up)).append(" | ")
                    .append(ratio(up, value("c", "up:64"))).append(" | ").append(rate(down)).append(" | ")
                    .append(ratio(down, value("c", "down:64"))).append(" |\n");
        }
        b.append('\n');
    }

    private void allocation(StringBuilder b) {
        double send = allocation.getOrDefault("send", Double.NaN);
        double rt = allocation.getOrDefault("roundTrip", Double.NaN);
        b.append("## Allocation per message (JMH `-prof gc`, `gc.alloc.rate.norm`)\n\n")
                .append("An `Endpoint` in the JMH fork against the C peer in another process, 64 B payloads; the ")
                .append("median of the measured iterations.\n\n")
                .append("| path | bytes allocated | time per operation |\n| --- | ---: | ---: |\n")
                .append(String.format(Locale.ROOT, "| `send` | %.2f | %.2f µs |%n", send,
                        allocation.getOrDefault("send.us", Double.NaN)))
                .append(String.format(Locale.ROOT, "| `send` + `recv` (round trip) | %.2f | %.2f µs |%n", rt,
                        allocation.getOrDefault("roundTrip.us", Double.NaN)))
                .append(String.format(Locale.ROOT, "| `recv` (the difference) | %.2f | |%n%n", rt - send));
    }

    private void poll(StringBuilder b) {
        b.append("## Poll-driven server, 1,000 clients\n\nOne server thread echoing 8-byte messages to 1,000 ")
                .append("connections of the C load generator (`poll_client.c`), each with one message in flight. ")
                .append("gips: `Poller` + `Listener.tryAccept`, one message per event (the README's pattern) or ")
                .append("draining each event; JDK: `Selector` over Unix-domain `SocketChannel`s, one read per ")
                .append("event (stream sockets); C: level-triggered epoll, one `recv` per event.\n\n")
                .append("| server | messages/s | × C | × JDK Selector |\n| --- | ---: | ---: | ---: |\n");
        Map<String, String> labels = Map.of("c", "C epoll (SOCK_SEQPACKET)", "gips", "gips Poller, one message per "
                + "event", "gips-drain", "gips Poller, draining each event", "jdk", "JDK Selector (SOCK_STREAM)");
        for (String k : List.of("c", "gips", "gips-drain", "jdk")) {
            double v = poll.getOrDefault(k, Double.NaN);
            b.append("| ").append(labels.get(k)).append(" | ").append(rate(v)).append(" | ")
                    .append(ratio(v, poll.get("c"))).append(" | ").append(ratio(v, poll.get("jdk"))).append(" |\n");
        }
        b.append('\n');
    }

    private void shm(StringBuilder b) {
        b.append("## Shared memory, 1 MiB blocks (JMH)\n\n| operation | GB/s | × `MemorySegment.copy` |\n")
                .append("| --- | ---: | ---: |\n");
        Map<String, String> labels = Map.of("shmWrite", "`Shm.write(byte[], 0)`", "shmRead",
                "`Shm.read(0, 1 MiB)` (returns a new array)", "shmReadInto",
                "`Shm.read(0, array)` into a reused array", "shmSegmentRead",
                "`MemorySegment.copy` from `Shm.segment()` into a reused array", "shmSegmentCopy",
                "`MemorySegment.copy` off-heap into `Shm.segment()`", "segmentCopy",
                "baseline: `MemorySegment.copy` between two off-heap segments", "segmentToArray",
                "baseline: `MemorySegment.toArray` of an off-heap segment (a new array, like `Shm.read`)");
        double copy = shm.getOrDefault("segmentCopy", Double.NaN);
        for (var e : shm.entrySet()) {
            b.append("| ").append(labels.getOrDefault(e.getKey(), e.getKey())).append(" | ").append(gb(e.getValue()))
                    .append(" | ").append(ratio(e.getValue(), copy)).append(" |\n");
        }
        b.append('\n');
    }

    private void cold(StringBuilder b) {
        b.append("## Cold start\n\nA fresh JVM that binds a service, connects, sends one message and answers it, ")
                .append("timed from process start to exit; median of ").append(settings.coldRuns())
                .append(" runs each, interleaved.\n\n| program | ms | × JDK |\n| --- | ---: | ---: |\n");
        Map<String, String> labels = Map.of("none", "an empty `main` (the JVM itself)", "ffm",
                "link and call `getpid` through FFM, nothing else (any FFM library's floor)", "jdk",
                "JDK `SocketChannel`", "gips", "gips `Listener` + `Endpoint`");
        for (var e : cold.entrySet()) {
            b.append("| ").append(labels.get(e.getKey())).append(" | ").append(ms(e.getValue())).append(" | ")
                    .append(ratio(e.getValue(), cold.get("jdk"))).append(" |\n");
        }
        b.append('\n');
    }

    private void method(StringBuilder b) {
        b.append("## Method\n\n")
                .append("- Every peer runs as a server process and a client process on one AF_UNIX socket, started ")
                .append("fresh for each round; the rounds go through the peers in turn, and each figure is the ")
                .append("median over rounds of the per-round median.\n")
                .append("- The client times each round trip (`clock_gettime` in C, `System.nanoTime` in Java). The ")
                .append("protocol is the same for all (`seqpacket_peer.c`): the first payload byte says echo, ")
                .append("drop, acknowledge or stream. The server echoes a received descriptor with one of its own.\n")
                .append("- C and gips send one SOCK_SEQPACKET datagram per message, the stream peers a 4-byte length ")
                .append("prefix and the payload in one `write` from a reused direct buffer, and read ahead into a ")
                .append("direct buffer. Every Java peer hands the receiver a new `byte[]`, as gips does.\n")
                .append("- gips sets `SO_PASSCRED` on its sockets, so that an empty message (a 0-byte datagram with ")
                .append("credentials) can be told from end-of-stream (0 bytes, no control data); the kernel then ")
                .append("attaches the sender's credentials to every message. The row \"C with SO_PASSCRED\" is the ")
                .append("C baseline with that option, to show what it costs by itself.\n")
                .append("- The mixed pairs (a gips client with the C server, the C client with a gips server) run ")
                .append("the 64 B tasks only: they show on which side a gap to C arises.\n")
                .append("- gips on virtual threads: both client and server loops run on virtual threads, which ")
                .append("wait for a socket through gips' poller threads instead of in the kernel.\n\n");
    }

    // --------------------------------------------------------------------------------------------- formatting

    private static void row(StringBuilder b, String target, String measured, boolean met) {
        b.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
                .append(" |\n");
    }

    private static String us(double ns) {
        return Double.isNaN(ns) ? "–" : String.format(Locale.ROOT, ns >= 100_000 ? "%.0f" : "%.1f", ns / 1000);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String gb(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String rate(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String ratio(double v, Double base) {
        return base == null || Double.isNaN(v) || Double.isNaN(base) ? "–"
                : String.format(Locale.ROOT, "%.2f", v / base);
    }

    static String size(int bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes >= 1024 ? (bytes >> 10) + " KiB" : bytes + " B";
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // keep the default
        }
        String kernel = read("/proc/sys/kernel/osrelease");
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // keep 0
        }
        return String.format(Locale.ROOT, "%s, %d CPUs, %.0f GiB, Linux %s", cpu,
                Runtime.getRuntime().availableProcessors(), memKb / 1048576.0, kernel);
    }

    private String commit() {
        String head = git("rev-parse", "--short=12", "HEAD");
        String dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                ":!BENCHMARKS.md", ":!" + CHART);
        return head.isEmpty() ? "unknown" : head + (dirty.isEmpty() ? "" : " with uncommitted changes");
    }

    private String git(String... args) {
        try {
            var command = new java.util.ArrayList<>(List.of("git", "-C", out.toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? s : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
