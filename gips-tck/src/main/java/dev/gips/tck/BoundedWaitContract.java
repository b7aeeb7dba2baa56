package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16, item 2: {@code tryAccept()} does a bounded amount of work and {@code accept(timeout)} and
 * {@code Poller.poll(timeout)} return by their deadline (plus a small slack), whatever clients do. Child JVMs
 * ({@link PeerMain}'s {@code flood}) connect and hang up in a loop, faster than one server thread handles
 * connections, so the listener always has another connection or hang-up to handle; before the fix a single
 * {@code tryAccept()} stayed inside for as long as the flood lasted. The bounds asserted are loose (a second for
 * calls that take microseconds to milliseconds): the point is that a call returns at all while the flood goes on.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class BoundedWaitContract {
    private static final int FLOODERS = 3;
    private static final long LOOSE_MILLIS = 1000;

    @Test
    void tryAcceptAcceptWithTimeoutAndPollReturnDuringAConnectHangUpFlood() throws Exception {
        floodAndAssertBounded((name, mode) -> Peers.javaChild(PeerMain.class, "flood", name, mode), false);
    }

    @Test
    void tryAcceptAcceptWithTimeoutAndPollReturnDuringAFloodOfARefusedUser() throws Exception {
        floodAndAssertBounded((name, mode) -> Kit.hook().javaChildAsOtherUser(PeerMain.class, "flood", name, mode),
                true);
    }

    /** Makes the process of one flooder, as {@link PeerMain}'s {@code flood}. */
    @FunctionalInterface
    public interface Flooder {
        /**
         * A process that connects to {@code name} in a loop until killed, each connection sending one message
         * ({@code mode} "send") or nothing ({@code "silent"}), and prints {@code FLOODING} after its first.
         */
        ProcessBuilder of(String name, String mode);
    }

    /**
     * Binds a new service with a client connected before the flood, starts three {@code flooder}s (silent ones, or,
     * if {@code refused}, sending ones that the policy refuses: it admits this process's user only), and checks that
     * {@code tryAccept()}, {@code accept(20 ms)} and {@code poll(20 ms)} return within a second each while they
     * flood, and that the early client is served meanwhile.
     */
    public static void floodAndAssertBounded(Flooder flooder, boolean refused) throws Exception {
        String name = Peers.uniqueName(refused ? "refused-flood-bounds" : "flood-bounds");
        List<ProcessBuilder> processes = new ArrayList<>();
        for (int i = 0; i < FLOODERS; i++) { // made before anything starts: the hook may skip the test here
            processes.add(flooder.of(name, refused ? "send" : "silent"));
        }
        ServiceDescriptor descriptor = new ServiceDescriptor(name);
        if (refused) {
            String me = Credentials.currentProcess().uid();
            descriptor = descriptor.withCredentialValidator(c -> {
                if (!c.uid().equals(me)) {
                    throw new PermissionDeniedException("not " + me);
                }
            });
        }
        try (Listener listener = Listener.bind(descriptor); Endpoint good = Endpoint.connect(name)) {
            List<Peers.Running> flooders = new ArrayList<>();
            try {
                for (ProcessBuilder p : processes) {
                    flooders.add(Peers.start(p));
                }
                assertBounded(listener, good, flooders);
            } finally {
                flooders.forEach(Peers.Running::close);
            }
            drain(listener);
        }
    }

    /** Runs the three kinds of call during the flood, each on a worker so that one that never returns fails. */
    private static void assertBounded(Listener listener, Endpoint good, List<Peers.Running> flooders)
            throws Exception {
        // each flooder says so once it connected; meanwhile the listener must accept, or a flooder that starts
        // late waits in connect for room in a backlog the others filled
        long deadline = System.nanoTime() + Peers.WAIT.toNanos();
        for (Peers.Running f : flooders) {
            String line;
            while ((line = f.pollLine(Duration.ofMillis(10))) == null) {
                assertTrue(System.nanoTime() < deadline, "a flooder did not start: " + f.report());
                listener.accept(Duration.ofMillis(10)).ifPresent(BoundedWaitContract::close);
            }
            assertEquals("FLOODING", line);
        }
        long[] tryAccept = timed("tryAccept", 200, () -> listener.tryAccept().ifPresent(BoundedWaitContract::close));
        long[] timedAccept = timed("accept(20 ms)", 20,
                () -> listener.accept(Duration.ofMillis(20)).ifPresent(BoundedWaitContract::close));
        long[] poll;
        try (Poller poller = Poller.create()) {
            poller.register(listener, Interest.READABLE);
            Events events = Events.withCapacity(16);
            poll = timed("poll(20 ms) + tryAccept", 20, () -> {
                poller.poll(events, Duration.ofMillis(20));
                listener.tryAccept().ifPresent(BoundedWaitContract::close);
            });
        }
        System.out.println("during the flood, longest: tryAccept " + millis(tryAccept) + " ms, accept(20 ms) "
                + millis(timedAccept) + " ms, poll(20 ms) + tryAccept " + millis(poll) + " ms");
        for (long[] calls : List.of(tryAccept, timedAccept, poll)) {
            assertTrue(Arrays.stream(calls).max().orElseThrow() < TimeUnit.MILLISECONDS.toNanos(LOOSE_MILLIS + 20),
                    Arrays.toString(calls));
        }
        // and a client that connected before the flood (a connect now would wait for room in the full backlog) is
        // still served in the middle of it all
        good.send("still here".getBytes(UTF_8));
        deadline = System.nanoTime() + Peers.WAIT.toNanos();
        for (;;) {
            assertTrue(System.nanoTime() < deadline, "the good client was not served during the flood");
            Optional<Pod> next = listener.tryAccept();
            if (next.isPresent() && next.get().credentials().pid() == ProcessHandle.current().pid()) {
                try (Message m = next.get().message()) {
                    assertArrayEquals("still here".getBytes(UTF_8), m.payload());
                }
                break;
            }
            next.ifPresent(BoundedWaitContract::close);
        }
        for (Peers.Running f : flooders) {
            assertTrue(f.isAlive(), "a flooder stopped early: " + f.report());
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    /** Makes {@code count} calls on a worker thread; their durations, or a failure if one does not return. */
    private static long[] timed(String what, int count, Call call) throws Exception {
        long[] durations = new long[count];
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    long start = System.nanoTime();
                    call.run();
                    durations[i] = System.nanoTime() - start;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofPlatform().daemon().name("bounded-" + what).start(task));
        try {
            done.get(Peers.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not return during the flood (" + count + " calls)");
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed", e.getCause());
        }
        return durations;
    }

    private static long millis(long[] nanos) {
        return TimeUnit.NANOSECONDS.toMillis(Arrays.stream(nanos).max().orElseThrow());
    }

    private static void close(Pod pod) {
        pod.message().close();
    }

    /** Lets the listener notice the flooders' last hang-ups, so that nothing is left open. */
    private static void drain(Listener listener) throws Exception {
        long deadline = System.nanoTime() + Peers.WAIT.toNanos();
        while (listener.accept(Duration.ofMillis(100)).isPresent() && System.nanoTime() < deadline) {
            // messages of the flood
        }
    }
}
