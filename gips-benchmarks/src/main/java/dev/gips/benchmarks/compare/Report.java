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
    Map<String, Map<String, Map<Integer, Double>>> results;
    Map<String, Map<Integer, Double>> poll;
    Map<String, Double> allocation;
    Map<String, Double> shm;
    Map<String, Map<Integer, Double>> cold;
    final List<String> failures = new java.util.ArrayList<>();

    Report(Path out, Compare.Settings settings) {
        this.out = out;
        this.settings = settings;
    }

    private Map<Integer, Double> rounds(String peer, String task) {
        return results.getOrDefault(peer, Map.of()).getOrDefault(task, Map.of());
    }

    /** The median over rounds of a peer's figure. */
    private double value(String peer, String task) {
        return Compare.median(List.copyOf(rounds(peer, task).values()));
    }

    /** A peer's figure over {@code base}'s, taken round by round (the two ran minutes apart at most). */
    private Ratio ratio(String peer, String task, String base) {
        return Ratio.of(rounds(peer, task), rounds(base, task));
    }

    /** The per-round ratios of two figures: their median and range. */
    record Ratio(double median, double min, double max, int rounds) {
        static Ratio of(Map<Integer, Double> a, Map<Integer, Double> b) {
            List<Double> r = new java.util.ArrayList<>();
            a.forEach((round, v) -> {
                Double base = b.get(round);
                if (base != null && !Double.isNaN(v) && !Double.isNaN(base) && base != 0) {
                    r.add(v / base);
                }
            });
            if (r.isEmpty()) {
                return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0);
            }
            return new Ratio(Compare.median(r), java.util.Collections.min(r), java.util.Collections.max(r),
                    r.size());
        }

        /** {@code 1.05}. */
        String text() {
            return Double.isNaN(median) ? "–" : String.format(Locale.ROOT, "%.2f", median);
        }

        /** {@code 1.05 (0.98–1.12, n = 5)}: the median and range of {@code n} ratios. */
        String spread() {
            return Double.isNaN(median) ? "–" : String.format(Locale.ROOT, "%.2f (%.2f–%.2f, n = %d)", median,
                    min, max, rounds);
        }
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
        b.append("## Targets\n\nEach ratio is taken round by round (the peers of one round run within two minutes of ")
                .append("each other) and the median of those is compared with the target; the range over rounds ")
                .append("is in parentheses.\n\n| target | measured | met |\n| --- | --- | --- |\n");
        Ratio rtt = ratio("gips", "rtt:64", "c");
        row(b, "64 B round trip ≤ 1.10 × C", rtt.spread() + " × C (" + us(value("gips", "rtt:64")) + " vs "
                + us(value("c", "rtt:64")) + " µs); gips client with C server " + ratio("gips-client", "rtt:64", "c")
                .text() + " ×, C client with gips server " + ratio("gips-server", "rtt:64", "c").text()
                + " ×; a C server that waits in `epoll_wait` before each message, as the Listener must, "
                + ratio("c-epoll", "rtt:64", "c").text() + " ×; a bare FFM server (the floor) "
                + ratio("ffm-server", "rtt:64", "c").text() + " ×", rtt.median() <= 1.10);
        Ratio jdk = ratio("gips", "rtt:64", "jdk");
        Ratio jx = ratio("gips", "rtt:64", "junixsocket");
        row(b, "64 B round trip faster than JDK and junixsocket", jdk.spread() + " × JDK, " + jx.spread()
                + " × junixsocket. For scale: C over SOCK_SEQPACKET is " + ratio("c", "rtt:64", "jdk").spread()
                + " × JDK, C over SOCK_STREAM " + ratio("c-stream", "rtt:64", "jdk").text() + " × JDK",
                jdk.median() < 1 && jx.median() < 1);
        Ratio fd = ratio("gips", "fd:64", "c");
        row(b, "round trip with one fd ≤ 1.15 × C", fd.spread() + " × C (" + us(value("gips", "fd:64")) + " vs "
                + us(value("c", "fd:64")) + " µs)", fd.median() <= 1.15);
        for (String dir : List.of("up", "down")) {
            Ratio t = ratio("gips", dir + ":64", "c");
            row(b, "throughput ≥ 0.90 × C, " + (dir.equals("up") ? "client → server (Endpoint.send → "
                    + "Listener.accept)" : "server → client (Connection.reply → Endpoint.recv)"),
                    t.spread() + " × C (" + rate(value("gips", dir + ":64")) + " vs " + rate(value("c", dir + ":64"))
                    + " msg/s); gips client with C server " + ratio("gips-client", dir + ":64", "c").text()
                    + " ×, C client with gips server " + ratio("gips-server", dir + ":64", "c").text()
                    + " ×, C client with a bare FFM server (the floor of any FFM library) "
                    + ratio("ffm-server", dir + ":64", "c").text() + " ×",
                    t.median() >= 0.90);
        }
        double send = allocation.getOrDefault("send", Double.NaN);
        double receive = allocation.getOrDefault("roundTrip", Double.NaN) - send;
        row(b, "steady-state send allocates 0 B/message", String.format(Locale.ROOT, "%.2f B", send), send < 0.5);
        row(b, "receive allocates only the payload array and the Message (" + RECEIVE_EXPECTED + " B for 64 B)",
                String.format(Locale.ROOT, "%.2f B", receive), receive <= RECEIVE_EXPECTED + 0.5);
        Ratio pd = pollRatio("gips-drain", "jdk");
        Ratio pg = pollRatio("gips", "jdk");
        row(b, "poll-driven server (1,000 clients) ≥ JDK Selector", "draining each event " + pd.spread()
                + " × JDK, one message per event " + pg.spread() + " × JDK (" + rate(pollValue("gips-drain")) + ", "
                + rate(pollValue("gips")) + " vs " + rate(pollValue("jdk")) + " msg/s); draining each event "
                + pollRatio("gips-drain", "c").text() + " × C epoll (SOCK_SEQPACKET), which is "
                + pollRatio("c", "jdk").text() + " × JDK; C with the calls gips makes (`recvmsg`/`sendmsg`) is "
                + pollRatio("c-msg", "c").text() + " × C; the JDK Selector is " + pollRatio("jdk", "c-stream").text()
                + " × C epoll over its socket type",
                Math.max(pg.median(), pd.median()) >= 1);
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
        Ratio cold = coldRatio("gips", "jdk");
        Ratio coldAot = coldRatio("gips-aot", "jdk-aot");
        row(b, "cold start ≤ 1.5 × JDK", cold.spread() + " × JDK (" + ms(coldValue("gips")) + " vs "
                + ms(coldValue("jdk")) + " ms); both from an AOT cache " + coldAot.text() + " × ("
                + ms(coldValue("gips-aot")) + " vs " + ms(coldValue("jdk-aot")) + " ms). Linking the 12 call shapes "
                + "gips needs, and nothing else, is already " + coldRatio("ffm-shapes", "jdk").text() + " × JDK ("
                + coldRatio("ffm-shapes-aot", "jdk-aot").text() + " × with AOT, which does not keep the JDK's call "
                + "stubs)", cold.median() <= 1.5);
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
                cell(b, p.name(), "rtt:" + size);
            }
            if (p.fds()) {
                cell(b, p.name(), "fd:64");
            } else {
                b.append(" cannot pass descriptors |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private void cell(StringBuilder b, String peer, String task) {
        b.append(' ').append(us(value(peer, task))).append(" (").append(ratio(peer, task, "c").text()).append(") |");
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
                    .append(ratio(p.name(), "up:64", "c").text()).append(" | ").append(rate(down)).append(" | ")
                    .append(ratio(p.name(), "down:64", "c").text()).append(" |\n");
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
                .append("event (stream sockets); C: level-triggered epoll, one `recv` per event, over SOCK_SEQPACKET ")
                .append("like gips and over SOCK_STREAM like the JDK. The clients bind an autobind address, as gips ")
                .append("endpoints do.\n\n")
                .append("| server | messages/s | × C | × JDK Selector |\n| --- | ---: | ---: | ---: |\n");
        Map<String, String> labels = Map.of("c", "C epoll (SOCK_SEQPACKET)", "c-msg", "C epoll (SOCK_SEQPACKET) "
                + "with `recvmsg`/`sendmsg`, room for an address and descriptors (the calls gips makes)", "c-stream",
                "C epoll (SOCK_STREAM)",
                "gips", "gips Poller, one message per "
                + "event", "gips-drain", "gips Poller, draining each event", "jdk", "JDK Selector (SOCK_STREAM)");
        for (String k : List.of("c", "c-msg", "c-stream", "gips", "gips-drain", "jdk")) {
            b.append("| ").append(labels.get(k)).append(" | ").append(rate(pollValue(k))).append(" | ")
                    .append(pollRatio(k, "c").text()).append(" | ").append(pollRatio(k, "jdk").spread())
                    .append(" |\n");
        }
        b.append('\n');
    }

    private double pollValue(String server) {
        return Compare.median(List.copyOf(poll.getOrDefault(server, Map.of()).values()));
    }

    private Ratio pollRatio(String server, String base) {
        return Ratio.of(poll.getOrDefault(server, Map.of()), poll.getOrDefault(base, Map.of()));
    }

    private void shm(StringBuilder b) {
        b.append("## Shared memory, 1 MiB blocks (JMH)\n\n| operation | GB/s | × `MemorySegment.copy` |\n")
                .append("| --- | ---: | ---: |\n");
        Map<String, String> labels = Map.of("shmWrite", "`Shm.write(byte[], 0)`", "shmRead",
                "`Shm.read(0, 1 MiB)` (returns a new array)", "shmReadInto",
                "`Shm.read(0, array)` into a reused array", "shmSegmentRead",
                "`MemorySegment.copy` from `Shm.segment()` into a reused array", "shmSegmentCopy",
                "`MemorySegment.copy` off-heap into `Shm.segment()`", "shmSegmentWrite",
                "`MemorySegment.copy` from a `byte[]` into `Shm.segment()` (what `Shm.write` does, without the API)",
                "arrayToSegment", "baseline: `MemorySegment.copy` from a `byte[]` into an off-heap segment "
                + "(the JDK's floor for `Shm.write`)", "segmentCopy",
                "baseline: `MemorySegment.copy` between two off-heap segments", "segmentToArray",
                "baseline: `MemorySegment.toArray` of an off-heap segment (a new array, like `Shm.read`)");
        double copy = shm.getOrDefault("segmentCopy", Double.NaN);
        for (var e : shm.entrySet()) {
            b.append("| ").append(labels.getOrDefault(e.getKey(), e.getKey())).append(" | ").append(gb(e.getValue()))
                    .append(" | ").append(ratio(e.getValue(), copy)).append(" |\n");
        }
        b.append('\n');
    }

    private double coldValue(String kind) {
        return Compare.median(List.copyOf(cold.getOrDefault(kind, Map.of()).values()));
    }

    private Ratio coldRatio(String kind, String base) {
        return Ratio.of(cold.getOrDefault(kind, Map.of()), cold.getOrDefault(base, Map.of()));
    }

    private void cold(StringBuilder b) {
        b.append("## Cold start\n\nA fresh JVM that binds a service, connects, sends one message and answers it, ")
                .append("timed from process start to exit; ").append(settings.coldRuns()).append(" runs of each ")
                .append("program, interleaved; the ratio is taken run by run. The AOT rows start from a cache made ")
                .append("by one training run (`-XX:AOTCacheOutput`, JDK 25), as a deployment can ship it.\n\n")
                .append("| program | ms | × JDK |\n| --- | ---: | ---: |\n");
        Map<String, String> labels = Map.of("none", "an empty `main` (the JVM itself)", "ffm",
                "link and call `getpid` through FFM, nothing else (any FFM library's floor)", "ffm-shapes",
                "`ffm`, then link one function of each of the 12 call shapes gips links (the JDK's floor for them)",
                "jdk", "JDK `SocketChannel`", "gips", "gips `Listener` + `Endpoint`", "ffm-shapes-aot",
                "`ffm-shapes`, AOT cache", "jdk-aot", "JDK `SocketChannel`, AOT cache", "gips-aot",
                "gips `Listener` + `Endpoint`, AOT cache");
        for (String kind : cold.keySet()) {
            String base = kind.endsWith("-aot") ? "jdk-aot" : "jdk";
            b.append("| ").append(labels.getOrDefault(kind, kind)).append(" | ").append(ms(coldValue(kind)))
                    .append(" | ").append(coldRatio(kind, base).spread()).append(kind.endsWith("-aot")
                            ? " × JDK with AOT" : "").append(" |\n");
        }
        b.append('\n');
    }

    private void method(StringBuilder b) {
        b.append("## Method\n\n")
                .append("- Every peer runs as a server process and a client process on one AF_UNIX socket, started ")
                .append("fresh for each round. A round runs every peer once, starting at a different peer each ")
                .append("round; a figure is the median over rounds, a ratio the median over rounds of the ratio ")
                .append("within the round, so that a slow minute on the shared VM moves both sides of a ratio.\n")
                .append("- Each client runs its first task twice and drops the first result (the JIT's warm-up), ")
                .append("then each task has its own warm-up before it is measured: a full second, because two JVMs on ")
                .append("two cores need about that long to settle at a new payload size (with 300 ms, a 64 KiB round ")
                .append("trip between two JVMs measured 8 × slower than after 1 s). The client times each round trip ")
                .append("(`clock_gettime` in C, `System.nanoTime` in Java) and reports the median.\n")
                .append("- One protocol for all (`seqpacket_peer.c`): the first payload byte says echo, drop, ")
                .append("acknowledge or stream. The server echoes a received descriptor with one of its own.\n")
                .append("- C and gips send one SOCK_SEQPACKET datagram per message; the stream peers (JDK, ")
                .append("junixsocket and `stream_peer.c`) a 4-byte length prefix and the payload in one `write`, and ")
                .append("read ahead into a buffer. Every Java peer hands the receiver a new `byte[]`, as gips does. ")
                .append("The row \"C over SOCK_STREAM\" is what the JDK peer would be without a JVM: it separates ")
                .append("what the socket type costs from what a library costs.\n")
                .append("- gips tells an empty message from end-of-stream by the sender's address: its endpoints ")
                .append("bind an abstract autobind name before they connect, and only for a client without an ")
                .append("address (a C or Python client that never binds) does the listener set `SO_PASSCRED`, which ")
                .append("makes the kernel attach credentials to every message. The row \"C with SO_PASSCRED\" is ")
                .append("the C baseline with that option on both sides, to show what it costs by itself.\n")
                .append("- The mixed pairs (a gips client with the C server, the C client with a gips server, the ")
                .append("C client with a C server that waits in `epoll_wait` before each `recvmsg`, the C client ")
                .append("with a bare FFM server) run the 64 B tasks only: they show on which side a gap to C arises, ")
                .append("what a server that waits for many clients at once pays for that by itself, and what any ")
                .append("JVM server pays that calls `recvmsg` through FFM and hands out a new `byte[]` (`FfmFloorPeer`: ")
                .append("no locks, no multiplexing, no message objects).\n")
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
