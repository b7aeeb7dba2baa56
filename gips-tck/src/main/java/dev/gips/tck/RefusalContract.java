package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.spi.LogLimiter;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16, item 8: what refusing a client costs the server. A validator that throws an {@link Error} refuses that
 * client like any other and never makes {@code accept} throw; a client refused in a loop leaves a few WARN lines per
 * interval and one line with the count, not one line per attempt.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class RefusalContract {
    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    @Test
    void aValidatorThatThrowsAnErrorRefusesTheClientAndAcceptKeepsServing() throws Exception {
        String name = Peers.uniqueName("validator-error");
        AtomicInteger checked = new AtomicInteger();
        ServiceDescriptor descriptor = new ServiceDescriptor(name).withCredentialValidator(c -> {
            switch (checked.incrementAndGet()) {
                case 1 -> recurse(0);                                // StackOverflowError
                case 2 -> throw new AssertionError("a broken rule"); // any other Error
                default -> { }
            }
        });
        try (Listener listener = Listener.bind(descriptor)) {
            for (int i = 0; i < 2; i++) {
                try (Endpoint refused = Endpoint.connect(name)) {
                    refused.send("let me in".getBytes(UTF_8));
                    assertTrue(listener.accept(Duration.ofMillis(200)).isEmpty(), "refused client " + i);
                    assertThrows(EOFException.class, () -> refused.recv(Peers.WAIT));
                }
            }
            try (Endpoint welcome = Endpoint.connect(name)) {
                welcome.send("hello".getBytes(UTF_8));
                Pod pod = Peers.acceptOne(listener);
                try (Message m = pod.message()) {
                    assertArrayEquals("hello".getBytes(UTF_8), m.payload());
                }
            }
            assertEquals(3, checked.get());
        }
    }

    @Test
    void aClientRefusedInALoopLogsTheFirstFewRefusalsAndThenOneCount() throws Exception {
        String name = Peers.uniqueName("refused-loop");
        int attempts = 2000;
        Process server = Peers.javaChild(PeerMain.class, "refuse", name).start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, task -> Thread.ofPlatform().daemon().start(task));
        try {
            assertEquals("READY", Peers.readLine(server, Duration.ofSeconds(60)));
            for (int i = 0; i < attempts; i++) {
                try (Endpoint e = Endpoint.connect(name)) {
                    e.send("again".getBytes(UTF_8));
                } catch (IOException refusedAlready) {
                    // EPIPE or EOF: the server was quicker; a refusal all the same
                }
            }
            // the last one's end-of-stream says every connection before it was accepted and refused (FIFO backlog)
            try (Endpoint last = Endpoint.connect(name)) {
                try {
                    last.send("last".getBytes(UTF_8));
                } catch (IOException refusedAlready) {
                    // EPIPE: refused before it sent
                }
                assertThrows(EOFException.class, () -> last.recv(Peers.WAIT));
            }
            server.getOutputStream().close(); // the child closes its listener, which logs the count left
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
            String log = stderr.get(60, TimeUnit.SECONDS);
            List<String> lines = log.lines().filter(l -> l.contains(" refused ")).toList();
            long oneByOne = lines.stream().filter(l -> l.contains("refused client pid")).count();
            long counted = 0;
            Matcher m = Pattern.compile("refused (\\d+) more clients").matcher(log);
            while (m.find()) {
                counted += Long.parseLong(m.group(1));
            }
            System.out.println("refused loop: " + (attempts + 1) + " refusals, " + lines.size() + " log lines ("
                    + oneByOne + " one by one, " + counted + " counted)");
            assertEquals(attempts + 1, oneByOne + counted, log);
            // one interval of 10 s normally; a slow machine may need a few
            assertTrue(oneByOne <= 3L * LogLimiter.BURST, lines.size() + " lines: " + lines.stream().limit(20).toList());
            assertTrue(lines.size() <= 3L * (LogLimiter.BURST + 1), lines.size() + " lines");
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            Peers.deleteServiceFile(name); // a server killed before it closed its listener leaves its socket file
        }
    }
}
