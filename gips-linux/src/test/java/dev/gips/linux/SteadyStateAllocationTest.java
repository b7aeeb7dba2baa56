package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.spi.ClientChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backend's hot paths stay allocation-free once the JIT has compiled them: a send allocates nothing, a receive
 * only the payload's array (the {@code RawMessage} and {@code Arrival} that carry it to core are made where the JIT
 * removes them: see {@link Handoff}). Each test starts a child JVM ({@link Child}:
 * a JVM of its own, whose JIT profiles no other test has shaped) that streams 64-byte messages one way between a
 * {@link SeqpacketEndpoint} and a {@link SeqpacketListener}, one platform thread on each side, and measures each
 * thread's own allocation ({@code ThreadMXBean.getCurrentThreadAllocatedBytes}) per message over rounds of
 * {@value #ROUND} messages. A path passes once one round stays within its bound; until then rounds go on (the JIT
 * compiles and inlines in the background, slower on a busy machine), for at most {@link #LIMIT_NANOS}. A path that
 * allocates an object more per message (16 bytes or more) never gets there, and the failure lists every round.
 *
 * <p>Measured at the SPI, where what is allocated is the backend's: whether escape analysis also removes the objects
 * that core builds on top ({@code Pod}, {@code Message}) varies from one JVM run to the next (the listener's path
 * allocated 128 bytes per message in some runs and 152 in others), so a bound there would either fail by chance or
 * miss an object the backend added. {@code AllocationBench} (gips-benchmarks) measures the API.
 */
@ExtendWith(LeakCheck.class)
class SteadyStateAllocationTest {
    private static final int PAYLOAD = 64;
    private static final long[] NO_HANDLES = {};
    /** A {@code byte[PAYLOAD]}: 16 bytes of header and length, then the bytes (already 8-byte aligned). */
    private static final long PAYLOAD_ARRAY = 16 + PAYLOAD;
    /** Below the smallest object (16 bytes): room for rare allocations of the JVM, never one object per message. */
    private static final double SLACK = 8;
    /**
     * What the SPI's {@code Arrival} and {@code RawMessage} take (24 bytes each) when the JIT does not inline the
     * channel's {@code receive} into its caller, so that they escape. Seen on the shared-memory channel's paths only
     * (listener and endpoint), where C2 compiles {@code receive} on its own first and then finds it "already compiled
     * into a big method" (-XX:+PrintInlining); the payload is still the only allocation of the backend itself.
     */
    private static final double SPI_ARRIVAL = 48;
    private static final int ROUND = 5_000;
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final Duration CHILD_WAIT = Duration.ofSeconds(180);

    /**
     * An endpoint's send of a byte[] allocates nothing; the listener's receive only the payload. On the socket and
     * through the shared-memory channel.
     */
    @ParameterizedTest
    @ValueSource(strings = {"socket", "channel"})
    void endpointSendAllocatesNothingAndListenerReceiveOnlyThePayload(String path) throws Exception {
        assertPathsMet(Peers.run(Peers.javaChild(Child.class, "up", Peers.uniqueName("alloc-up"), path), CHILD_WAIT));
    }

    /** A reply (a client channel's send) of a byte[] allocates nothing; an endpoint's receive only the payload. */
    @ParameterizedTest
    @ValueSource(strings = {"socket", "channel"})
    void replyAllocatesNothingAndEndpointReceiveOnlyThePayload(String path) throws Exception {
        assertPathsMet(Peers.run(Peers.javaChild(Child.class, "down", Peers.uniqueName("alloc-down"), path),
                CHILD_WAIT));
    }

    /** Asserts each {@code path <TAB> bound <TAB> met <TAB> rounds} line the child printed. */
    private static void assertPathsMet(String childOutput) {
        List<String> lines = childOutput.lines().filter(l -> l.startsWith("path\t")).toList();
        assertEquals(2, lines.size(), childOutput);
        for (String line : lines) {
            String[] f = line.split("\t");
            assertTrue(Boolean.parseBoolean(f[3]), f[1] + " allocated more than " + f[2] + " bytes per " + PAYLOAD
                    + "-byte message (its array takes " + PAYLOAD_ARRAY + ") in every round of " + ROUND + " within "
                    + TimeUnit.NANOSECONDS.toSeconds(LIMIT_NANOS) + " s: " + f[4]);
        }
    }

    /** The child JVM: {@code up <service>} or {@code down <service>}; prints one line per path measured. */
    static final class Child {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        public static void main(String[] args) throws Exception {
            String name = args[1];
            byte[] payload = new byte[PAYLOAD];
            boolean channel = args[2].equals("channel");
            SeqpacketListener listener = SeqpacketListener.bind(name, true);
            SeqpacketEndpoint endpoint = SeqpacketEndpoint.connect(name, -1, channel);
            try {
                ClientChannel client = listener.receive(-1).client();
                client.admit("admitted");
                for (int i = 0; i < ShmChannel.DEFAULT_OFFER_AFTER + 3; i++) { // the offer, accept and switch go by
                    endpoint.send(payload, NO_HANDLES);
                    listener.receive(-1).message();
                    client.send(payload, NO_HANDLES);
                    endpoint.receive(-1);
                }
                if (endpoint.usesShmChannel() != channel) {
                    throw new AssertionError("the channel is " + (channel ? "not " : "") + "in use");
                }
                if (args[0].equals("up")) {
                    new Stream().run(
                            "SeqpacketEndpoint.send(byte[], long[])", SLACK,
                            () -> endpoint.send(payload, NO_HANDLES),
                            () -> endpoint.send(new byte[1], NO_HANDLES),
                            "SeqpacketListener.receive(long)", PAYLOAD_ARRAY + (channel ? SPI_ARRIVAL : 0) + SLACK,
                            () -> listener.receive(-1).message().payload().length);
                } else {
                    new Stream().run(
                            "SeqpacketClient.send(byte[], long[])", SLACK,
                            () -> client.send(payload, NO_HANDLES),
                            () -> client.send(new byte[1], NO_HANDLES),
                            "SeqpacketEndpoint.receive(long)", PAYLOAD_ARRAY + (channel ? SPI_ARRIVAL : 0) + SLACK,
                            () -> endpoint.receive(-1).payload().length);
                }
            } finally {
                endpoint.close();
                listener.close();
            }
        }
    }

    @FunctionalInterface
    private interface Send {
        void send() throws IOException;
    }

    @FunctionalInterface
    private interface Receive {
        /** Receives one message; its payload's length. */
        int receive() throws IOException;
    }

    /** One stream of messages, each side measured by its own thread until both met their bounds. */
    private static final class Stream {
        private final long start = System.nanoTime();
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile boolean senderMet;
        private volatile boolean receiverMet;

        void run(String sendPath, double sendBound, Send send, Send sendLast, String receivePath, double receiveBound,
                Receive receive) throws Exception {
            CompletableFuture<List<Double>> sender = CompletableFuture.supplyAsync(() -> {
                try {
                    List<Double> rounds = new ArrayList<>();
                    while (!stop.get()) {
                        long before = Child.THREADS.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < ROUND; i++) {
                            send.send();
                        }
                        rounds.add(perMessage(before));
                        senderMet |= rounds.getLast() <= sendBound;
                        decide();
                    }
                    sendLast.send(); // a 1-byte message: the receiver stops there
                    return rounds;
                } catch (IOException e) {
                    stop.set(true);
                    throw new UncheckedIOException(e);
                }
            }, runnable -> Thread.ofPlatform().name("sender").start(runnable));
            List<Double> received = new ArrayList<>();
            boolean last = false;
            while (!last) {
                long before = Child.THREADS.getCurrentThreadAllocatedBytes();
                int n = 0;
                for (; n < ROUND; n++) {
                    if (receive.receive() != PAYLOAD) {
                        last = true;
                        break;
                    }
                }
                if (n == ROUND) {
                    received.add(perMessage(before));
                    receiverMet |= received.getLast() <= receiveBound;
                    decide();
                }
            }
            List<Double> sent = sender.get(CHILD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            System.out.println("path\t" + sendPath + "\t" + sendBound + "\t" + senderMet + "\t" + sent);
            System.out.println("path\t" + receivePath + "\t" + receiveBound + "\t" + receiverMet + "\t" + received);
        }

        private void decide() {
            if (senderMet && receiverMet || System.nanoTime() - start > LIMIT_NANOS) {
                stop.set(true);
            }
        }

        private static double perMessage(long before) {
            return (double) (Child.THREADS.getCurrentThreadAllocatedBytes() - before) / ROUND;
        }
    }
}
