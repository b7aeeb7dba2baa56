package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Message;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16, item 3: a server at its {@code RLIMIT_NOFILE}. A child JVM serves with a soft and hard limit of
 * {@value #LIMIT} descriptors ({@code prlimit}); a Python peer hoards {@value #HOARDED} connections, more than the
 * server can hold. Connected clients keep being served without the 10 ms back-off per poll round the listener took
 * before; new clients are accepted and closed at once (end-of-stream, not a wait without end); the server warns, with
 * its open count against the limit, a few times rather than per attempt; a message whose descriptor the kernel could
 * not install in the server is reported as the server's shortage (its client is dropped, so it does not wait
 * forever), not as the client breaking the protocol; and once the hoarder leaves, new clients are served again.
 */
@ExtendWith(LeakCheck.class)
class DescriptorExhaustionTest {
    private static final int LIMIT = 300;
    private static final int HOARDED = 600;
    private static final int ROUND_TRIPS = 2000;

    @Test
    void aServerOutOfDescriptorsKeepsServingShedsNewClientsAndBlamesItself() throws Exception {
        String name = Peers.uniqueName("emfile");
        List<String> command = new ArrayList<>(List.of("prlimit", "--nofile=" + LIMIT + ":" + LIMIT));
        command.addAll(Peers.javaChild(ChildPeer.class, "serve", name).command());
        Process server = new ProcessBuilder(command).start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, task -> Thread.ofPlatform().daemon().start(task));
        Peers.Running hoarder = null;
        try {
            assertEquals("READY", Peers.readLine(server, Duration.ofSeconds(60)));
            try (Endpoint good = Endpoint.connect(name)) {
                // first, the server's paths once each (a message, one with a descriptor, a hang-up): its classes come
                // from directories here, and loading a class from a directory takes a descriptor (from a jar, as in
                // production, it does not), which the server will not have
                echo(good, "before");
                int warmUp = Peers.memfd("warm-up");
                try (Handle handle = Handle.ofFileDescriptor(warmUp)) {
                    good.send("a descriptor".getBytes(UTF_8), handle);
                    Peers.recvOne(good).close();
                } finally {
                    Fds.closeQuietly(warmUp);
                }
                try (Endpoint leaving = Endpoint.connect(name)) {
                    echo(leaving, "leaving");
                }
                hoarder = Peers.start(Peers.python("hoard.py", "/tmp/" + name, Integer.toString(HOARDED)));
                assertEquals("HOLDING " + HOARDED, hoarder.nextLine(Duration.ofSeconds(60)));

                // the server is at its limit with connections queued behind it: a connected client is still served
                // at the speed of a round trip, not of a back-off per poll round (10 ms before: 20 s for these)
                long start = System.nanoTime();
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    echo(good, "during " + i);
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println("at the descriptor limit: " + ROUND_TRIPS + " round trips in " + millis + " ms");
                assertTrue(millis < 10_000, ROUND_TRIPS + " round trips took " + millis + " ms");

                // a new client is accepted and closed at once: it learns it is not served (its send meets the closed
                // connection, or its receive the end of stream) instead of waiting in the backlog
                try (Endpoint late = Endpoint.connect(name)) {
                    try {
                        late.send("anyone?".getBytes(UTF_8));
                    } catch (IOException e) {
                        assertTrue(e.getMessage().contains("EPIPE"), e.toString());
                    }
                    assertThrows(EOFException.class, () -> late.recv(Peers.WAIT));
                }

                // a descriptor the server has no room for: the server drops the client (its message cannot be
                // delivered whole) and says it is its own shortage
                int memfd = Peers.memfd("emfile");
                try (Handle handle = Handle.ofFileDescriptor(memfd)) {
                    good.send("with a descriptor".getBytes(UTF_8), handle);
                } finally {
                    Fds.closeQuietly(memfd);
                }
                assertThrows(EOFException.class, () -> good.recv(Peers.WAIT));
            }

            hoarder.close(); // its connections close: the server has descriptors again
            assertTrue(server.isAlive(), () -> "the server exited: " + server.exitValue());
            long deadline = System.nanoTime() + Peers.WAIT.toNanos();
            for (;;) {
                try (Endpoint after = Endpoint.connect(name)) {
                    after.send("after".getBytes(UTF_8));
                    if (after.recv(Peers.WAIT).isPresent()) {
                        break;
                    }
                } catch (EOFException stillShedding) {
                    assertTrue(System.nanoTime() < deadline, "new clients are not served after the hoarder left");
                }
            }
        } finally {
            if (hoarder != null) {
                hoarder.close();
            }
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            System.out.println("server's stderr: " + stderr.get(60, TimeUnit.SECONDS));
            // a server killed before it closed its listener leaves its socket file
            java.nio.file.Files.deleteIfExists(java.nio.file.Path.of("/tmp/" + name));
        }
        String log = stderr.get(60, TimeUnit.SECONDS);
        List<String> exhausted = log.lines().filter(l -> l.contains("is out of file descriptors (EMFILE")).toList();
        System.out.println("server log: " + exhausted);
        assertFalse(exhausted.isEmpty(), log);
        // one warning per 10 s: a few over the test's run, not one per connection shed
        assertTrue(exhausted.size() <= 5, exhausted.size() + " warnings: " + exhausted);
        Matcher usage = Pattern.compile("(\\d+) open, soft limit (\\d+)").matcher(exhausted.get(0));
        assertTrue(usage.find(), exhausted.get(0));
        assertEquals(Integer.toString(LIMIT), usage.group(2));
        assertTrue(Integer.parseInt(usage.group(1)) >= LIMIT - 2, exhausted.get(0));
        assertTrue(log.contains("could not be received whole (the server's fault, not the client's)"), log);
        assertFalse(log.contains("MSG_CTRUNC"), log);
    }

    private static void echo(Endpoint endpoint, String text) throws IOException {
        endpoint.send(text.getBytes(UTF_8));
        try (Message m = Peers.recvOne(endpoint)) {
            assertArrayEquals(text.getBytes(UTF_8), m.payload());
        }
    }
}
