package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Load and soak: 100 client processes (Python stdlib, {@code soak_client.py}) each send 10,000 messages of random
 * size with 0 to 3 random descriptors to one echo server thread, and check every byte and every descriptor (by
 * inode) of every reply. The server is a JVM of its own ({@code ChildPeer soak}) with a fixed, pre-touched heap, so
 * that its resident memory says something: the test samples its open descriptors and RSS as it goes; both must stay
 * flat: descriptors back to the baseline at the end and never above it by more than what 100 clients can have in
 * flight, RSS from a quarter of the run on growing by less than 64 MiB. The figures are printed.
 * {@code -Dgips.soak.messages=N} changes the messages per client.
 */
class SoakTest {
    private static final int CLIENTS = 100;
    private static final int MESSAGES = Integer.getInteger("gips.soak.messages", 10_000);

    @Test
    void hundredClientsTimesTenThousandMessagesEveryByteAndDescriptorCheckedAndNothingGrows() throws Exception {
        String name = Peers.uniqueName("soak");
        long total = (long) CLIENTS * MESSAGES;
        ProcessBuilder pb = Peers.javaChild(ChildPeer.class, "soak", name, String.valueOf(total));
        // a heap that is all resident from the start: RSS then grows only if something else does
        pb.command().addAll(1, List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"));
        List<Process> clients = new ArrayList<>();
        try (Peers.Running server = Peers.start(pb)) {
            assertEquals("READY", server.nextLine(Peers.WAIT));
            long pid = server.process.pid();
            // the fewest over a moment: a JVM that just started may still hold a file it reads (seen once: 23, then 22)
            long baselineFds = openFds(pid);
            for (int i = 0; i < 5; i++) {
                Thread.sleep(50);
                baselineFds = Math.min(baselineFds, openFds(pid));
            }
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Peers.python("soak_client.py", "/tmp/" + name, String.valueOf(MESSAGES),
                        String.valueOf(i)).redirectErrorStream(true).start());
            }
            long peakFds = 0;
            long peakRss = 0;
            long rssAfterWarmUp = -1;
            long start = System.nanoTime();
            System.out.printf("soak: %d clients x %d messages%n", CLIENTS, MESSAGES);
            for (long step = 1; step <= 20; step++) {
                long served = step * (total / 20);
                assertEquals("SERVED " + served, server.nextLine(java.time.Duration.ofSeconds(60)));
                long fds = openFds(pid);
                long rss = rssKib(pid);
                peakFds = Math.max(peakFds, fds);
                peakRss = Math.max(peakRss, rss);
                if (step == 5) {
                    rssAfterWarmUp = rss;
                }
                System.out.printf("soak: %,d messages, %d fds (baseline %d), RSS %,d KiB, %.1f s%n", served, fds,
                        baselineFds, rss, (System.nanoTime() - start) / 1e9);
                // at most: per client its connection, plus the 3 descriptors of the message being echoed
                assertTrue(fds <= baselineFds + CLIENTS + 3, "descriptors grow: " + fds);
            }
            for (Process p : clients) {
                String out = Peers.finish(p, Peers.WAIT).strip();
                assertTrue(out.startsWith("OK " + MESSAGES + " "), "a client failed: " + out);
            }
            // every client has hung up: the server closes their sockets as it notices
            long deadline = System.nanoTime() + Peers.WAIT.toNanos();
            while (openFds(pid) > baselineFds && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            long growth = peakRss - rssAfterWarmUp;
            System.out.printf("soak: %,d messages checked in %.1f s; peak %d fds (baseline %d, end %d); "
                    + "peak RSS %,d KiB, growth after warm-up %,d KiB%n", total, (System.nanoTime() - start) / 1e9,
                    peakFds, baselineFds, openFds(pid), peakRss, growth);
            assertEquals(baselineFds, openFds(pid), "descriptors left open after every client hung up");
            assertTrue(growth < 64 * 1024, "RSS grew by " + growth + " KiB after warm-up");
        } finally {
            clients.forEach(Process::destroyForcibly);
        }
    }

    private static long openFds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return s.count();
        }
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS in /proc/" + pid + "/status");
    }
}
