package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load and soak: 100 client processes (Python stdlib, {@code soak_client.py}) each send 10,000 messages of random
 * size with 0 to 3 random descriptors to one echo server thread, and check every byte and every descriptor (by
 * inode) of every reply. The server samples its open descriptors and resident memory as it goes; both must stay
 * flat: descriptors back to the baseline at the end and never above it by more than what 100 clients can have in
 * flight, RSS from a quarter of the run on (the heap has grown to its working size by then) growing
 * by less than 64 MiB. The figures are printed. {@code -Dgips.soak.messages=N}
 * changes the messages per client.
 */
@ExtendWith(LeakCheck.class)
class SoakTest {
    private static final int CLIENTS = 100;
    private static final int MESSAGES = Integer.getInteger("gips.soak.messages", 10_000);

    @Test
    void hundredClientsTimesTenThousandMessagesEveryByteAndDescriptorCheckedAndNothingGrows() throws Exception {
        String name = Peers.uniqueName("soak");
        long total = (long) CLIENTS * MESSAGES;
        try (Listener listener = Listener.bind(name)) {
            long baselineFds = Peers.openFds();
            List<Process> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(Peers.python("soak_client.py", "/tmp/" + name, String.valueOf(MESSAGES),
                            String.valueOf(i)).redirectErrorStream(true).start());
                }
                long served = 0;
                long peakFds = 0;
                long peakRss = 0;
                long rssAfterWarmUp = -1;
                long start = System.nanoTime();
                System.out.printf("soak: %d clients x %d messages%n", CLIENTS, MESSAGES);
                while (served < total) {
                    Optional<Pod> next = listener.accept(Duration.ofSeconds(60));
                    assertTrue(next.isPresent(), "no message for 60 s after " + served);
                    Pod pod = next.get();
                    try (Message m = pod.message()) {
                        pod.reply(m.payload(), m.handles().toArray(Handle[]::new));
                    }
                    served++;
                    if (served % (total / 20) == 0) {
                        long fds = Peers.openFds();
                        long rss = rssKib();
                        peakFds = Math.max(peakFds, fds);
                        peakRss = Math.max(peakRss, rss);
                        if (served == total / 4) {
                            rssAfterWarmUp = rss;
                        }
                        System.out.printf("soak: %,d messages, %d fds (baseline %d), RSS %,d KiB, %.1f s%n",
                                served, fds, baselineFds, rss, (System.nanoTime() - start) / 1e9);
                        // at most: per client its connection and the 3 pipes of its Process, plus this message's 3
                        assertTrue(fds <= baselineFds + 4L * CLIENTS + 3, "descriptors grow: " + fds);
                    }
                }
                for (Process p : clients) {
                    String out = Peers.finish(p, Peers.WAIT).strip();
                    assertTrue(out.startsWith("OK " + MESSAGES + " "), "a client failed: " + out);
                }
                Peers.awaitFdsAtMost(baselineFds, Peers.WAIT, () -> listener.accept(Duration.ofMillis(20)));
                long growth = peakRss - rssAfterWarmUp;
                System.out.printf("soak: %,d messages checked in %.1f s; peak %d fds (baseline %d, end %d); "
                        + "peak RSS %,d KiB, growth after warm-up %,d KiB%n", served,
                        (System.nanoTime() - start) / 1e9, peakFds, baselineFds, Peers.openFds(), peakRss, growth);
                assertEquals(total, served);
                assertTrue(growth < 64 * 1024, "RSS grew by " + growth + " KiB after warm-up");
            } finally {
                clients.forEach(Process::destroyForcibly);
            }
        }
    }

    private static long rssKib() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }
}
