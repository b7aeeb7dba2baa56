package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16, item 1: any number of threads may accept at once. 500 connections of five client processes (child
 * JVMs, {@link PeerMain}'s {@code crowd}), each sending three messages and waiting for each echo, against 1, 4 and
 * 16 threads that mix {@code accept()}, {@code accept(Duration)} and {@code tryAccept()}, on platform and virtual
 * threads, with and without a validator that takes 2 ms: every message of every allowed client is delivered exactly
 * once and answered, and no client is dropped. Refused clients (another user, {@link OsHook#javaChildAsOtherUser})
 * get nothing through while that happens.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ConcurrentAcceptContract {
    /** Client processes per crowd of allowed (and of refused) clients. */
    public static final int PROCESSES = 5;
    /** Clients each process runs. */
    public static final int CLIENTS_PER_PROCESS = 100;
    /** Messages each client sends, one at a time. */
    public static final int MESSAGES = 3;
    private static final Duration RUN = Duration.ofSeconds(180);

    /** Accepting threads (1, 4, 16), virtual or not, with a 2 ms validator or none: every combination. */
    public static Stream<Arguments> configurations() {
        List<Arguments> all = new ArrayList<>();
        for (int threads : new int[] {1, 4, 16}) {
            for (boolean virtual : new boolean[] {false, true}) {
                for (boolean slowValidator : new boolean[] {false, true}) {
                    all.add(Arguments.of(threads, virtual, slowValidator));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} accepting threads, virtual {1}, 2 ms validator {2}")
    @MethodSource("configurations")
    void everyMessageOfEveryAllowedClientIsDeliveredExactlyOnce(int threads, boolean virtual, boolean slowValidator)
            throws Exception {
        serveCrowds(threads, virtual, slowValidator, ConcurrentAcceptContract::javaCrowd, null);
    }

    @Test
    void refusedClientsGetNothingThroughWhileAllowedOnesAreServedBySixteenThreads() throws Exception {
        serveCrowds(16, true, true, ConcurrentAcceptContract::javaCrowd,
                (name, tag, expect) -> Kit.hook().javaChildAsOtherUser(PeerMain.class, crowdArgs(name, tag, expect)));
    }

    /** Makes the process of one crowd: {@link #CLIENTS_PER_PROCESS} clients, as {@link PeerMain}'s {@code crowd}. */
    @FunctionalInterface
    public interface Crowd {
        /**
         * A process whose clients connect to {@code name} and send {@code TAG/<client>/<seq>}, expecting each echo
         * ({@code expect} "echo") or a hang-up ({@code "refused"}), and print {@code DONE <ok> <failed>} last.
         */
        ProcessBuilder of(String name, String tag, String expect);
    }

    /**
     * Serves a new service with {@code threads} accepting threads (platform or {@code virtual}) that mix the three
     * ways to accept, while {@link #PROCESSES} processes of {@code allowed} clients run, and as many of
     * {@code refused} ones (another user) if not {@code null}; checks that every message of every allowed client was
     * delivered exactly once and answered, and none of a refused one. With refused clients the policy admits this
     * process's user only, through a validator that takes 2 ms; without, there is a validator (that takes 2 ms and
     * admits all) only if {@code slowValidator}.
     */
    public static void serveCrowds(int threads, boolean virtual, boolean slowValidator, Crowd allowed, Crowd refused)
            throws Exception {
        String name = Peers.uniqueName(refused == null ? "crowd" : "crowd-policy");
        List<ProcessBuilder> crowds = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            crowds.add(allowed.of(name, "c" + p, "echo"));
            if (refused != null) { // made before anything starts: the hook may skip the test here
                crowds.add(refused.of(name, "intruder" + p, "refused"));
            }
        }
        ServiceDescriptor descriptor = new ServiceDescriptor(name);
        if (refused != null) {
            String me = Credentials.currentProcess().uid();
            descriptor = descriptor.withCredentialValidator(c -> {
                pause(Duration.ofMillis(2));
                if (!c.uid().equals(me)) {
                    throw new PermissionDeniedException("not " + me);
                }
            });
        } else if (slowValidator) {
            descriptor = descriptor.withCredentialValidator(c -> pause(Duration.ofMillis(2)));
        }
        try (Listener listener = Listener.bind(descriptor); Server server = new Server(listener, threads, virtual)) {
            List<Peers.Running> running = new ArrayList<>();
            try {
                for (ProcessBuilder crowd : crowds) {
                    running.add(Peers.start(crowd));
                }
                for (Peers.Running crowd : running) {
                    String out = crowd.finish(RUN);
                    assertTrue(out.endsWith("DONE " + CLIENTS_PER_PROCESS + " 0\n"), out);
                }
            } finally {
                running.forEach(Peers.Running::close);
            }
            server.assertEveryMessageOnce(PROCESSES, "c");
        }
    }

    private static ProcessBuilder javaCrowd(String name, String tag, String expect) {
        return Peers.javaChild(PeerMain.class, crowdArgs(name, tag, expect));
    }

    private static String[] crowdArgs(String name, String tag, String expect) {
        return new String[] {"crowd", name, Integer.toString(CLIENTS_PER_PROCESS), Integer.toString(MESSAGES), tag,
                expect};
    }

    private static void pause(Duration d) {
        LockSupport.parkNanos(d.toNanos()); // like a validator that asks another service
    }

    /** Threads that accept in turns of the three ways and echo every message; counts what they were given. */
    private static final class Server implements AutoCloseable {
        private final Listener listener;
        private final List<Thread> threads = new ArrayList<>();
        private final Map<String, Integer> seen = new ConcurrentHashMap<>();
        private final Queue<String> problems = new ConcurrentLinkedQueue<>();
        private final String uid; // this process's: only its clients are allowed

        Server(Listener listener, int count, boolean virtual) throws IOException {
            this.listener = listener;
            this.uid = Credentials.currentProcess().uid();
            for (int i = 0; i < count; i++) {
                int mode = i % 3;
                Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
                threads.add(builder.name("acceptor-" + i).start(() -> serve(mode)));
            }
        }

        private void serve(int mode) {
            try {
                for (;;) {
                    Optional<Pod> next = switch (mode) {
                        case 0 -> Optional.of(listener.accept());
                        case 1 -> listener.accept(Duration.ofMillis(20));
                        default -> listener.tryAccept();
                    };
                    if (next.isEmpty()) {
                        if (mode == 2) {
                            LockSupport.parkNanos(200_000);
                        }
                        continue;
                    }
                    Pod pod = next.get();
                    try (Message m = pod.message()) {
                        String text = new String(m.payload(), UTF_8);
                        seen.merge(text, 1, Integer::sum);
                        if (!pod.credentials().uid().equals(uid)) {
                            problems.add("delivered a message of uid " + pod.credentials().uid() + ": " + text);
                        }
                        pod.reply(m.payload());
                    } catch (IOException e) {
                        problems.add("reply failed: " + e);
                    }
                }
            } catch (ClosedChannelException e) {
                // the listener closed: the test is over
            } catch (IOException | RuntimeException e) {
                problems.add(Thread.currentThread().getName() + ": accept threw " + e);
            }
        }

        void assertEveryMessageOnce(int processes, String tag) {
            assertEquals(List.of(), List.copyOf(problems));
            int expected = 0;
            for (int p = 0; p < processes; p++) {
                for (int c = 0; c < CLIENTS_PER_PROCESS; c++) {
                    for (int s = 0; s < MESSAGES; s++) {
                        String key = tag + p + "/" + c + "/" + s;
                        assertEquals(1, seen.getOrDefault(key, 0), key);
                        expected++;
                    }
                }
            }
            assertEquals(expected, seen.size(), "messages nobody sent");
        }

        @Override
        public void close() throws InterruptedException {
            listener.close();
            for (Thread t : threads) {
                assertTrue(t.join(Duration.ofSeconds(20)), t.getName() + " did not end when the listener closed");
            }
            assertEquals(List.of(), List.copyOf(problems));
        }
    }
}
