package dev.gips.benchmarks.compare;

import dev.gips.benchmarks.compare.Compare.Placement;
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
import java.util.function.DoublePredicate;
import java.util.function.Function;

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
    /** The placements that ran, and the CPU of the pinned one. */
    List<Placement> placements = List.of();
    String pinCpu;
    List<Compare.Peer> peers;
    Map<Placement, Map<String, Map<String, Map<Integer, Double>>>> results;
    /** The C ping-pong's 64-byte round trip (ns) at the start of the run, by placement and run. */
    Map<Placement, Map<Integer, Double>> regime;
    Map<Placement, Map<String, Double>> idle = Map.of();
    Map<Placement, Map<String, Map<Integer, Double>>> poll;
    Map<String, Double> allocation;
    Map<String, Double> shm;
    Map<Placement, Map<String, Map<Integer, Double>>> cold;
    final List<String> failures = new java.util.ArrayList<>();

    Report(Path out, Compare.Settings settings) {
        this.out = out;
        this.settings = settings;
    }

    private Map<Integer, Double> rounds(Placement at, String peer, String task) {
        return results.getOrDefault(at, Map.of()).getOrDefault(peer, Map.of()).getOrDefault(task, Map.of());
    }

    /** The median over rounds of a peer's figure. */
    double value(Placement at, String peer, String task) {
        return median(rounds(at, peer, task));
    }

    /** A peer's figure over {@code base}'s, taken round by round (the two ran minutes apart at most). */
    private Ratio ratio(Placement at, String peer, String task, String base) {
        return Ratio.of(rounds(at, peer, task), rounds(at, base, task));
    }

    private static double median(Map<Integer, Double> byRound) {
        return Compare.median(List.copyOf(byRound.values()));
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
                .append(settings.rounds() == 1 ? " round" : " rounds").append(" of every process pair in each ")
                .append("placement, each task ").append(settings.warmupMs())
                .append(" ms warm-up where a JVM takes part (").append(settings.cWarmupMs())
                .append(" ms between C programs) + ").append(settings.measureMs()).append(" ms measured |\n");
        b.append("| regime | ").append(regime()).append(" |\n\n");
        b.append("Every process pair runs in two placements. **Pinned**: both processes, and every thread they start ")
                .append("(the JVMs' JIT compiler and GC threads too), on one CPU (`taskset -c ").append(cpu())
                .append("`), so a round trip costs the work of both sides and two context switches: a ratio there ")
                .append("is the CPU cost per message, and it holds from one machine to another. **Unpinned**: ")
                .append("wherever the scheduler puts them, so a message also waits for the other CPU to wake up, ")
                .append("on a VM through the hypervisor, which can cost more than the message itself: the latency ")
                .append("an application sees on this machine. The targets are judged pinned (cold start unpinned).\n\n");
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
        List<Chart.Panel> panels = new java.util.ArrayList<>();
        for (Placement at : placements) {
            panels.add(new Chart.Panel(at == Placement.PINNED ? "pinned: both on one CPU (CPU cost)"
                    : "unpinned (with the wake-up of a CPU)", (peer, task) -> value(at, peer, task)));
        }
        Files.writeString(out.resolve(CHART), Chart.svg(peers, panels), StandardCharsets.UTF_8);
    }

    /** The CPU of pinned processes, for the text. */
    private String cpu() {
        return pinCpu == null ? "N" : pinCpu;
    }

    /** The C ping-pong pinned and unpinned, and which of CPU work and wake-up dominates a round trip. */
    private String regime() {
        double pinned = median(regime.getOrDefault(Placement.PINNED, Map.of()));
        double unpinned = median(regime.getOrDefault(Placement.UNPINNED, Map.of()));
        if (Double.isNaN(pinned) || Double.isNaN(unpinned)) {
            return "unknown (a C ping-pong in " + (Double.isNaN(pinned) ? "the pinned" : "the unpinned")
                    + " placement did not run)";
        }
        double q = unpinned / pinned;
        String what = String.format(Locale.ROOT, "C ping-pong, 64 B round trip, before the run (median of %d "
                + "each): pinned %s µs, unpinned %s µs (%.2f ×). ", regime.get(Placement.PINNED).size(), us(pinned),
                us(unpinned), q);
        if (q >= 2) {
            return what + "Waking the idle CPU dominates: an unpinned round trip is mostly the wait for the other "
                    + "CPU (the machine's cost, not a library's), so unpinned ratios to C understate a library's "
                    + "cost; read the pinned ones for that.";
        }
        if (q >= 1.25) {
            return what + String.format(Locale.ROOT, "Both matter: waking the other CPU adds about %s µs to each "
                    + "round trip's %s µs of CPU work.", us(unpinned - pinned), us(pinned));
        }
        return what + "CPU work dominates: waking the other CPU costs little here, so the two placements tell "
                + "much the same story.";
    }

    // ------------------------------------------------------------------------------------------------ targets

    private void targets(StringBuilder b) {
        b.append("## Targets\n\n### Per message, between two processes\n\n")
                .append("Judged on the pinned figure (CPU cost per message), except cold start, judged unpinned as ")
                .append("the target says. Each ratio is taken round by round (the peers of one placement in one ")
                .append("round run within two minutes of each other) and the median of those is compared with the ")
                .append("target; the range over rounds is in parentheses.\n\n")
                .append("| target | pinned | unpinned | met |\n| --- | --- | --- | --- |\n");
        Placement pinned = Placement.PINNED;
        row(b, "64 B round trip ≤ 1.15 × C", at -> rtt(at, "gips", "rtt:64", "c", "C"),
                ratio(pinned, "gips", "rtt:64", "c").median(), r -> r <= 1.15);
        row(b, "64 B round trip, gips client (`Endpoint`) with the C server ≤ 1.05 × C",
                at -> rtt(at, "gips-client", "rtt:64", "c", "C"),
                ratio(pinned, "gips-client", "rtt:64", "c").median(), r -> r <= 1.05);
        row(b, "64 B round trip, C client with the gips server (`Listener`) ≤ 1.10 × the C server that waits in "
                + "`epoll_wait` (the fair floor for a server of many clients)",
                at -> rtt(at, "gips-server", "rtt:64", "c-epoll", "that server") + "; that server is "
                        + ratio(at, "c-epoll", "rtt:64", "c").text() + " × C, the gips server "
                        + ratio(at, "gips-server", "rtt:64", "c").text() + " × C, a bare FFM server (blocking "
                        + "`recvmsg`, no multiplexing) " + ratio(at, "ffm-server", "rtt:64", "c").text() + " × C",
                ratio(pinned, "gips-server", "rtt:64", "c-epoll").median(), r -> r <= 1.10);
        row(b, "4 KiB round trip ≤ 1.3 × C", at -> rtt(at, "gips", "rtt:4096", "c", "C"),
                ratio(pinned, "gips", "rtt:4096", "c").median(), r -> r <= 1.3);
        row(b, "64 KiB round trip ≤ 1.6 × C", at -> rtt(at, "gips", "rtt:65536", "c", "C"),
                ratio(pinned, "gips", "rtt:65536", "c").median(), r -> r <= 1.6);
        row(b, "round trip with one fd each way ≤ 1.15 × C", at -> rtt(at, "gips", "fd:64", "c", "C"),
                ratio(pinned, "gips", "fd:64", "c").median(), r -> r <= 1.15);
        row(b, "64 B round trip faster than JDK and junixsocket", at -> ratio(at, "gips", "rtt:64", "jdk").spread()
                + " × JDK, " + ratio(at, "gips", "rtt:64", "junixsocket").spread() + " × junixsocket. For scale: "
                + "C over SOCK_SEQPACKET is " + ratio(at, "c", "rtt:64", "jdk").text() + " × JDK, C over "
                + "SOCK_STREAM " + ratio(at, "c-stream", "rtt:64", "jdk").text() + " × JDK",
                Math.max(ratio(pinned, "gips", "rtt:64", "jdk").median(),
                        ratio(pinned, "gips", "rtt:64", "junixsocket").median()), r -> r < 1);
        for (String dir : List.of("up", "down")) {
            String task = dir + ":64";
            row(b, "throughput ≥ 0.90 × C, " + (dir.equals("up") ? "client → server (`Endpoint.send` → "
                    + "`Listener.accept`)" : "server → client (`Connection.reply` → `Endpoint.recv`)"),
                    at -> ratio(at, "gips", task, "c").spread() + " × C (" + rate(value(at, "gips", task)) + " vs "
                            + rate(value(at, "c", task)) + " msg/s); gips client with C server "
                            + ratio(at, "gips-client", task, "c").text() + " ×, C client with gips server "
                            + ratio(at, "gips-server", task, "c").text() + " ×, C client with a bare FFM server (the "
                            + "floor of any FFM library) " + ratio(at, "ffm-server", task, "c").text() + " ×",
                    ratio(pinned, "gips", task, "c").median(), r -> r >= 0.90);
        }
        row(b, "batch receive: the gips server draining a streaming plain client (C), up to 8 datagrams per "
                + "`recvmmsg`, ≥ 0.90 × the C server that does the same",
                at -> ratio(at, "gips-server", "up:64", "c-mmsg").spread() + " × that server ("
                        + rate(value(at, "gips-server", "up:64")) + " vs " + rate(value(at, "c-mmsg", "up:64"))
                        + " msg/s); that server is " + ratio(at, "c-mmsg", "up:64", "c").text() + " × C taking one "
                        + "datagram per `recvmsg`",
                ratio(pinned, "gips-server", "up:64", "c-mmsg").median(), r -> r >= 0.90);
        row(b, "poll-driven server, 1,000 clients, one message per event ≥ 1.0 × JDK `Selector` (no longer the "
                + "README's pattern: it pays a `Poller.poll` per message)",
                at -> pollRatio(at, "gips", "jdk").spread() + " × JDK (" + rate(pollValue(at, "gips"))
                        + " vs " + rate(pollValue(at, "jdk")) + " msg/s)",
                pollRatio(pinned, "gips", "jdk").median(), r -> r >= 1);
        row(b, "poll-driven server, 1,000 clients, a batch per event (`tryAccept` until empty or 64, the README's "
                + "pattern) ≥ 1.0 × JDK `Selector`",
                at -> pollRatio(at, "gips-drain", "jdk").spread() + " × JDK (" + rate(pollValue(at, "gips-drain"))
                        + " vs " + rate(pollValue(at, "jdk")) + " msg/s); C epoll (SOCK_SEQPACKET) is "
                        + pollRatio(at, "c", "jdk").text() + " × JDK, C with the calls gips makes "
                        + "(`recvmsg`/`sendmsg`) " + pollRatio(at, "c-msg", "c").text() + " × C, the JDK Selector "
                        + pollRatio(at, "jdk", "c-stream").text() + " × C epoll over its socket type",
                pollRatio(pinned, "gips-drain", "jdk").median(), r -> r >= 1);
        row(b, "virtual threads: 64 B round trip ≤ 1.0 × JDK `SocketChannel` on virtual threads",
                at -> rtt(at, "gips-virtual", "rtt:64", "jdk-virtual", "JDK"),
                ratio(pinned, "gips-virtual", "rtt:64", "jdk-virtual").median(), r -> r <= 1);
        row(b, "cold start (bind, connect, one message, exit) ≤ 1.8 × JDK, unpinned", at -> coldRatio(at, "gips",
                "jdk").spread() + " × JDK (" + ms(coldValue(at, "gips")) + " vs " + ms(coldValue(at, "jdk"))
                + " ms); both from an AOT cache " + coldRatio(at, "gips-aot", "jdk-aot").text() + " ×. Linking the "
                + ColdStart.GIPS_SHAPES + " call shapes gips needs, and nothing else, is already "
                + coldRatio(at, "ffm-shapes", "jdk").text() + " × JDK (" + coldRatio(at, "ffm-shapes-aot", "jdk-aot")
                .text() + " × with AOT, which does not keep the JDK's call stubs)",
                coldRatio(Placement.UNPINNED, "gips", "jdk").median(), r -> r <= 1.8);
        b.append('\n');

        channelTargets(b);

        b.append("### In one process\n\n| target | measured | met |\n| --- | --- | --- |\n");
        double send = allocation.getOrDefault("send", Double.NaN);
        double receive = allocation.getOrDefault("roundTrip", Double.NaN) - send;
        row(b, "steady-state send allocates 0 B/message", String.format(Locale.ROOT, "%.2f B", send), send,
                v -> v < 0.5);
        row(b, "receive allocates only the payload array and the Message (" + RECEIVE_EXPECTED + " B for 64 B)",
                String.format(Locale.ROOT, "%.2f B", receive), receive, v -> v <= RECEIVE_EXPECTED + 0.5);
        double copy = shm.getOrDefault("segmentCopy", Double.NaN);
        for (String op : List.of("shmWrite", "shmReadInto")) {
            double v = shm.getOrDefault(op, Double.NaN);
            String what = op.equals("shmWrite") ? "`write(byte[], long)`" : "`read(long, byte[])` into a reused "
                    + "array";
            row(b, "shared memory " + what + " of 1 MiB ≥ 0.90 × `MemorySegment.copy`", ratio(v, copy) + " × ("
                    + gb(v) + " vs " + gb(copy) + " GB/s)", v / copy, r -> r >= 0.90);
        }
        // a new array must be allocated and zeroed before the copy: no Java code can reach a copy into a reused one
        double read = shm.getOrDefault("shmRead", Double.NaN);
        double toArray = shm.getOrDefault("segmentToArray", Double.NaN);
        row(b, "shared memory `read(long, long)` of 1 MiB, a new array each time, ≥ 0.90 × `MemorySegment.toArray` "
                + "(the JDK's own way to a new array, the floor)", ratio(read, toArray) + " × (" + gb(read) + " vs "
                + gb(toArray) + " GB/s; `toArray` is " + ratio(toArray, copy) + " × `MemorySegment.copy` into a "
                + "reused segment)", read / toArray, r -> r >= 0.90);
        b.append('\n');
    }

    /** The shared-memory channel's targets (issue 21): against C over SOCK_SEQPACKET, in the same rounds. */
    private void channelTargets(StringBuilder b) {
        b.append("### Shared-memory channel (both ends gips for Java)\n\n")
                .append("| target | pinned | unpinned | met |\n| --- | --- | --- | --- |\n");
        Placement pinned = Placement.PINNED;
        Placement unpinned = Placement.UNPINNED;
        row(b, "64 B round trip between two JVMs ≤ 1 µs unpinned", at -> us(value(at, "gips-shm", "rtt:64"))
                + " µs; " + rtt(at, "gips-shm", "rtt:64", "c", "C"), value(unpinned, "gips-shm", "rtt:64"),
                v -> v <= 1000);
        row(b, "64 B round trip ≤ 0.8 × C over SOCK_SEQPACKET, pinned", at -> rtt(at, "gips-shm", "rtt:64", "c", "C"),
                ratio(pinned, "gips-shm", "rtt:64", "c").median(), r -> r <= 0.8);
        for (String dir : List.of("up", "down")) {
            String task = dir + ":64";
            row(b, "one-way 64 B throughput ≥ 5 × C, " + (dir.equals("up") ? "client → server" : "server → client"),
                    at -> ratio(at, "gips-shm", task, "c").spread() + " × C (" + rate(value(at, "gips-shm", task))
                            + " vs " + rate(value(at, "c", task)) + " msg/s)",
                    Math.min(ratio(pinned, "gips-shm", task, "c").median(), ratio(unpinned, "gips-shm", task, "c")
                            .median()), r -> r >= 5);
        }
        row(b, "other sizes, for the record (the channel carries up to 16 KiB; larger payloads and handles go on the "
                + "socket)", at -> "4 KiB " + ratio(at, "gips-shm", "rtt:4096", "c").text() + " × C, 64 KiB "
                + ratio(at, "gips-shm", "rtt:65536", "c").text() + " × C, one fd "
                + ratio(at, "gips-shm", "fd:64", "c").text() + " × C", Double.NaN, r -> true); // not a target
        Map<String, Double> idleP = idle.getOrDefault(pinned, Map.of());
        Map<String, Double> idleU = idle.getOrDefault(unpinned, Map.of());
        double worst = Math.max(Math.max(idleP.getOrDefault("client", Double.NaN), idleP.getOrDefault("server",
                Double.NaN)), Math.max(idleU.getOrDefault("client", Double.NaN), idleU.getOrDefault("server",
                Double.NaN)));
        row(b, "no CPU while idle: CPU time of each process of a connected pair over " + Compare.IDLE_SECONDS + " s ≤ 1 % "
                + "of a CPU (a side that kept spinning would use " + Compare.IDLE_SECONDS * 1000 + " ms; a JVM's own "
                + "threads use a little)", at -> idleText(idle.getOrDefault(at, Map.of())), worst,
                v -> v <= Compare.IDLE_SECONDS * 10.0);
        row(b, "poll-driven server, 1,000 gips-for-Java clients (one `Poller` thread, `PollLoadClient`), one message "
                + "per event, at least as fast over the channel (the default) as over the socket",
                at -> pollRatio(at, "java-shm", "java-socket").spread() + " × (" + rate(pollValue(at, "java-shm"))
                        + " vs " + rate(pollValue(at, "java-socket")) + " msg/s)",
                pollRatio(pinned, "java-shm", "java-socket").median(), r -> r >= 1);
        b.append("\nThe other 1,000-client poll-driven rows use C clients, which speak plain gips: the channel is not"
                + " used there.\n\n");
    }

    private static String idleText(Map<String, Double> cpu) {
        return cpu.isEmpty() ? "–" : String.format(Locale.ROOT, "client %.1f ms, server %.1f ms", cpu.get("client"),
                cpu.get("server"));
    }

    /** A round-trip ratio with its range and the two medians: {@code 1.05 (0.98–1.12, n = 4) × C (3.1 vs 2.9 µs)}. */
    private String rtt(Placement at, String peer, String task, String base, String baseName) {
        return ratio(at, peer, task, base).spread() + " × " + baseName + " (" + us(value(at, peer, task)) + " vs "
                + us(value(at, base, task)) + " µs)";
    }

    /** A target row with a pinned and an unpinned column; {@code judged} is the figure the target is judged on. */
    private void row(StringBuilder b, String target, Function<Placement, String> measured,
            double judged, DoublePredicate met) {
        b.append("| ").append(target).append(" | ").append(measured(Placement.PINNED, measured)).append(" | ")
                .append(measured(Placement.UNPINNED, measured)).append(" | ").append(met(judged, met)).append(" |\n");
    }

    /** A target row with one column. */
    private static void row(StringBuilder b, String target, String measured, double judged,
            DoublePredicate met) {
        b.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met(judged, met))
                .append(" |\n");
    }

    private String measured(Placement at, Function<Placement, String> measured) {
        return placements.contains(at) ? measured.apply(at) : "not measured";
    }

    private static String met(double judged, DoublePredicate met) {
        return Double.isNaN(judged) ? "–" : met.test(judged) ? "yes" : "**no**";
    }

    // ---------------------------------------------------------------------------------------------- sections

    private void roundTrips(StringBuilder b) {
        b.append("## Request/reply round trip\n\nMedian time of one round trip (µs), and its ratio to C in the same ")
                .append("placement. Payloads over the socket's datagram limit (here 1 MiB) travel in a sealed memfd ")
                .append("for gips and for C alike; the stream peers copy them through the socket.\n\n");
        b.append("![round trip against payload size, pinned and unpinned](").append(CHART).append(")\n\n");
        for (Placement at : placements) {
            b.append(at == Placement.PINNED ? "### Pinned: both processes on one CPU (CPU cost per message)\n\n"
                    : "### Unpinned (with the wake-up of the other CPU)\n\n");
            b.append("| peer |");
            for (int size : Compare.SIZES) {
                b.append(' ').append(size(size)).append(" |");
            }
            b.append(" 64 B + 1 fd each way |\n| --- |");
            b.append(" ---: |".repeat(Compare.SIZES.length + 1)).append('\n');
            for (Compare.Peer p : peers) {
                b.append("| ").append(p.label()).append(" |");
                for (int size : Compare.SIZES) {
                    cell(b, at, p.name(), "rtt:" + size);
                }
                if (p.fds()) {
                    cell(b, at, p.name(), "fd:64");
                } else {
                    b.append(" cannot pass descriptors |");
                }
                b.append('\n');
            }
            b.append('\n');
        }
    }

    private void cell(StringBuilder b, Placement at, String peer, String task) {
        b.append(' ').append(us(value(at, peer, task))).append(" (").append(ratio(at, peer, task, "c").text())
                .append(") |");
    }

    private void throughput(StringBuilder b) {
        b.append("## One-way throughput, 64 B messages\n\nMessages per second, measured until the receiver has ")
                .append("taken the last one; the ratio is to C in the same placement. The stream peers read many ")
                .append("frames per `read`, which a datagram socket cannot do; their figures are above the datagram ")
                .append("limit for that reason.\n\n| peer |");
        for (Placement at : placements) {
            b.append(' ').append(at.text()).append(": client → server | × C | ").append(at.text())
                    .append(": server → client | × C |");
        }
        b.append("\n| --- |").append(" ---: |".repeat(4 * placements.size())).append('\n');
        for (Compare.Peer p : peers) {
            b.append("| ").append(p.label()).append(" |");
            for (Placement at : placements) {
                for (String task : List.of("up:64", "down:64")) {
                    b.append(' ').append(rate(value(at, p.name(), task))).append(" | ")
                            .append(ratio(at, p.name(), task, "c").text()).append(" |");
                }
            }
            b.append('\n');
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
                .append("connections of the C load generator (`poll_client.c`), each with one message in flight; ")
                .append("pinned, the server and the load generator share one CPU. ")
                .append("gips: `Poller` + `Listener.tryAccept`, a batch per event (until empty or 64, the ")
                .append("README's pattern) or one message per event; JDK: `Selector` over Unix-domain ")
                .append("`SocketChannel`s, one read per ")
                .append("event (stream sockets); C: level-triggered epoll, one `recv` per event, over SOCK_SEQPACKET ")
                .append("like gips and over SOCK_STREAM like the JDK. The clients bind an autobind address, as gips ")
                .append("endpoints do.\n\n| server |");
        for (Placement at : placements) {
            b.append(' ').append(at.text()).append(": messages/s | × C | × JDK Selector |");
        }
        b.append("\n| --- |").append(" ---: |".repeat(3 * placements.size())).append('\n');
        Map<String, String> labels = Map.of("c", "C epoll (SOCK_SEQPACKET)", "c-msg", "C epoll (SOCK_SEQPACKET) "
                + "with `recvmsg`/`sendmsg`, room for an address and descriptors (the calls gips makes)", "c-stream",
                "C epoll (SOCK_STREAM)",
                "gips", "gips Poller, one message per "
                + "event", "gips-drain", "gips Poller, a batch per event (the README's pattern)", "jdk",
                "JDK Selector (SOCK_STREAM)",
                "java-socket", "gips Poller, one message per event, with 1,000 gips-for-Java clients on one `Poller` "
                + "(`PollLoadClient`), the channel off", "java-shm", "the same over the shared-memory channel (the "
                + "default)");
        for (String k : List.of("c", "c-msg", "c-stream", "gips", "gips-drain", "jdk", "java-socket", "java-shm")) {
            b.append("| ").append(labels.get(k)).append(" |");
            for (Placement at : placements) {
                b.append(' ').append(rate(pollValue(at, k))).append(" | ").append(pollRatio(at, k, "c").text())
                        .append(" | ").append(pollRatio(at, k, "jdk").spread()).append(" |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private Map<Integer, Double> pollRounds(Placement at, String server) {
        return poll.getOrDefault(at, Map.of()).getOrDefault(server, Map.of());
    }

    private double pollValue(Placement at, String server) {
        return median(pollRounds(at, server));
    }

    private Ratio pollRatio(Placement at, String server, String base) {
        return Ratio.of(pollRounds(at, server), pollRounds(at, base));
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

    private Map<Integer, Double> coldRuns(Placement at, String kind) {
        return cold.getOrDefault(at, Map.of()).getOrDefault(kind, Map.of());
    }

    private double coldValue(Placement at, String kind) {
        return median(coldRuns(at, kind));
    }

    private Ratio coldRatio(Placement at, String kind, String base) {
        return Ratio.of(coldRuns(at, kind), coldRuns(at, base));
    }

    private void cold(StringBuilder b) {
        b.append("## Cold start\n\nA fresh JVM that binds a service, connects, sends one message and answers it, ")
                .append("timed from process start to exit; ").append(settings.coldRuns()).append(" runs of each ")
                .append("program in each placement, interleaved; the ratio is taken run by run. Pinned, the JVM and ")
                .append("all its threads share one CPU. The AOT rows start from a cache made by one training run ")
                .append("(`-XX:AOTCacheOutput`, JDK 25), as a deployment can ship it.\n\n| program |");
        for (Placement at : placements) {
            b.append(' ').append(at.text()).append(": ms | × JDK |");
        }
        b.append("\n| --- |").append(" ---: |".repeat(2 * placements.size())).append('\n');
        Map<String, String> labels = Map.of("none", "an empty `main` (the JVM itself)", "ffm",
                "link and call `getpid` through FFM, nothing else (any FFM library's floor)", "ffm-shapes",
                "`ffm`, then link one function of each of the " + ColdStart.GIPS_SHAPES
                        + " call shapes gips links (the JDK's floor for them)",
                "jdk", "JDK `SocketChannel`", "gips", "gips `Listener` + `Endpoint`", "ffm-shapes-aot",
                "`ffm-shapes`, AOT cache", "jdk-aot", "JDK `SocketChannel`, AOT cache", "gips-aot",
                "gips `Listener` + `Endpoint`, AOT cache");
        for (String kind : Compare.COLD_KINDS) {
            String base = kind.endsWith("-aot") ? "jdk-aot" : "jdk";
            b.append("| ").append(labels.getOrDefault(kind, kind)).append(" |");
            for (Placement at : placements) {
                b.append(' ').append(ms(coldValue(at, kind))).append(" | ").append(coldRatio(at, kind, base)
                        .spread()).append(kind.endsWith("-aot") ? " × JDK with AOT" : "").append(" |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private void method(StringBuilder b) {
        b.append("## Method\n\n")
                .append("- Every peer runs as a server process and a client process on one AF_UNIX socket, started ")
                .append("fresh for each round and placement. A round runs every peer once in one placement, then ")
                .append("once in the other (which placement goes first alternates), starting at a different peer ")
                .append("each round; a figure is the median over rounds, a ratio the median over rounds of the ratio ")
                .append("within the round and placement, so that a slow minute on the shared VM moves both sides of ")
                .append("a ratio.\n")
                .append("- Pinned: `taskset -c ").append(cpu()).append("` starts both processes of a pair (the ")
                .append("poll-driven server and its load generator, each cold start), so every thread they create ")
                .append("runs on that CPU, the JVMs' JIT compiler and GC threads included. A pinned JVM sees one ")
                .append("CPU and sizes itself for one (the Serial GC, one carrier thread for virtual threads), as in ")
                .append("a container limited to one CPU. The regime in the header comes from the C pair alone, ")
                .append("64 B round trips, 200 ms warm-up + 500 ms measured, in each placement in turn, before ")
                .append("anything else runs.\n")
                .append("- Where a JVM takes part, the client runs its first task twice and drops the first result ")
                .append("(the JIT's warm-up), then each task has its own warm-up before it is measured, ")
                .append(settings.warmupMs()).append(" ms: two JVMs need about a second to settle at a new payload ")
                .append("size (with 300 ms, a 64 KiB round trip between two unpinned JVMs measured 8 × slower than ")
                .append("after 1 s). Between two C programs there is nothing to compile: ")
                .append(settings.cWarmupMs()).append(" ms of warm-up, nothing dropped. The client times each ")
                .append("round trip (`clock_gettime` in C, `System.nanoTime` in Java) and reports the median.\n")
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
                .append("with a C server that takes up to 8 datagrams per `recvmmsg`, the C client with a bare FFM ")
                .append("server) run the 64 B tasks only: they show on which side a gap to C arises, what a server ")
                .append("that waits for many clients at once pays for that by itself, what batching the receives ")
                .append("of a streaming client buys C (the gips Listener batches a plain client's, see the target), ")
                .append("and what any JVM server pays that calls `recvmsg` through FFM and hands out a new `byte[]` ")
                .append("(`FfmFloorPeer`: no locks, no multiplexing, no message objects).\n")
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
