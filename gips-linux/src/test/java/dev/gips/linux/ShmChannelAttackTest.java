package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A hostile client takes the shared-memory channel a listener offers and breaks its rules (a Python peer that maps
 * the memfd and writes the rings itself, see {@code ring_attack.py}). Only its own connection suffers: a record that
 * lies or a datagram the ring did not announce gets it dropped; an announcement it never keeps stalls only itself;
 * a flood of bells delays nobody. A gips-java client of the same listener is served throughout, and the listener
 * receives nothing from the attacker but what it sent by the rules.
 */
@ExtendWith(LeakCheck.class)
class ShmChannelAttackTest {
    @ParameterizedTest
    @CsvSource({"garbage, EOF, first", "unannounced, EOF, first", "silent, ALIVE, first", "bells, ALIVE, first|ping"})
    void aClientThatBreaksTheRingsRulesHurtsOnlyItself(String mode, String outcome, String delivered)
            throws Exception {
        String name = Peers.uniqueName("ring-attack");
        List<String> received = new CopyOnWriteArrayList<>();
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withSharedMemoryChannel(true));
                Endpoint good = Endpoint.connect(name)) {
            Thread server = Thread.ofPlatform().daemon().start(() -> serve(listener, received));
            try {
                roundTrip(good, "before");
                Process attacker = Peers.python("ring_attack.py", mode, "/tmp/" + name).redirectErrorStream(true)
                        .start();
                for (int i = 0; i < 20 && attacker.isAlive(); i++) {
                    roundTrip(good, "during " + i); // served while the attacker does its worst
                    Thread.sleep(50);
                }
                assertTrue(attacker.waitFor(30, TimeUnit.SECONDS), "the attacker finished");
                String out = new String(attacker.getInputStream().readAllBytes(), UTF_8).strip();
                assertEquals(outcome, out, mode);
                roundTrip(good, "after");
            } finally {
                server.interrupt();
                listener.close();
                server.join(5_000);
            }
        }
        List<String> fromAttacker = received.stream().filter(r -> !r.startsWith("before") && !r.startsWith("during")
                && !r.startsWith("after")).toList();
        assertEquals(List.of(delivered.split("\\|")), fromAttacker, "what the listener took from the attacker");
    }

    private static void roundTrip(Endpoint good, String text) throws IOException {
        good.send(text.getBytes(UTF_8));
        try (Message m = good.recv(Duration.ofSeconds(10)).orElseThrow()) {
            assertArrayEquals(text.getBytes(UTF_8), m.payload());
        }
    }

    private static void serve(Listener listener, List<String> received) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Optional<Pod> pod = listener.accept(Duration.ofMillis(100));
                if (pod.isPresent()) {
                    try (Message m = pod.get().message()) {
                        received.add(new String(m.payload(), UTF_8));
                        pod.get().reply(m.payload());
                    }
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // closed by the test: done
        } catch (IOException e) {
            received.add("SERVER FAILED: " + e); // shows in the assertion on what was received
        }
    }
}
