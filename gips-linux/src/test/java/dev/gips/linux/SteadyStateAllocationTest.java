package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hot paths stay allocation-free once the JIT has compiled them: a send allocates nothing, a receive only the
 * payload's array. Each test streams 64-byte messages one way between an {@link Endpoint} and a {@link Listener} in
 * this JVM, one platform thread on each side, and measures each thread's own allocation
 * ({@code ThreadMXBean.getCurrentThreadAllocatedBytes}) per message over rounds of {@value #ROUND} messages. A path
 * passes once one round stays within its bound; until then rounds go on (the JIT compiles and inlines in the
 * background, slower on a busy machine), for at most {@link #LIMIT_NANOS}. A path that allocates an object per
 * message (16 bytes or more) never gets there, and the failure lists every round.
 */
@ExtendWith(LeakCheck.class)
class SteadyStateAllocationTest {
    private static final int PAYLOAD = 64;
    /** A {@code byte[PAYLOAD]}: 16 bytes of header and length, then the bytes (already 8-byte aligned). */
    private static final long PAYLOAD_ARRAY = 16 + PAYLOAD;
    /**
     * What the listener's receive allocates today besides the payload: the SPI's {@code Arrival} and {@code RawMessage}
     * (24 bytes each), which escape analysis does not remove there.
     */
    private static final long ARRIVAL_AND_RAW_MESSAGE = 48;
    /** Below the smallest object (16 bytes): room for rare allocations of the JVM, never one object per message. */
    private static final double SLACK = 8;
    private static final int ROUND = 5_000;
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * {@code Endpoint.send} of a byte[] allocates nothing; {@code Listener.accept} the payload, and the two SPI objects
     * that carry it to core.
     */
    @Test
    void endpointSendAllocatesNothingAndListenerReceiveOnlyThePayload() throws Exception {
        String name = Peers.uniqueName("alloc-up");
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name)) {
            byte[] payload = new byte[PAYLOAD];
            Stream stream = new Stream();
            stream.run(
                    "Endpoint.send(byte[])", SLACK,
                    () -> endpoint.send(payload),
                    () -> endpoint.send(new byte[1]),
                    "Listener.accept()", PAYLOAD_ARRAY + ARRIVAL_AND_RAW_MESSAGE + SLACK,
                    () -> {
                        Pod pod = listener.accept();
                        try (Message m = pod.message()) {
                            return m.payload().length;
                        }
                    });
        }
    }

    /** {@code Connection.reply} of a byte[] allocates nothing; {@code Endpoint.recv} only the payload. */
    @Test
    void replyAllocatesNothingAndEndpointReceiveOnlyThePayload() throws Exception {
        String name = Peers.uniqueName("alloc-down");
        try (Listener listener = Listener.bind(name); Endpoint endpoint = Endpoint.connect(name)) {
            endpoint.send(new byte[] {1});
            Connection connection = Peers.acceptOne(listener).connection();
            byte[] payload = new byte[PAYLOAD];
            Stream stream = new Stream();
            stream.run(
                    "Connection.reply(byte[])", SLACK,
                    () -> connection.reply(payload),
                    () -> connection.reply(new byte[1]),
                    "Endpoint.recv()", PAYLOAD_ARRAY + SLACK,
                    () -> {
                        try (Message m = endpoint.recv()) {
                            return m.payload().length;
                        }
                    });
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
                        long before = THREADS.getCurrentThreadAllocatedBytes();
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
                    throw new java.io.UncheckedIOException(e);
                }
            }, runnable -> Thread.ofPlatform().name("sender").start(runnable));
            List<Double> received = new ArrayList<>();
            boolean last = false;
            while (!last) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
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
            List<Double> sent;
            try {
                sent = sender.get(Peers.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("the sender failed", e);
            }
            System.out.println(sendPath + ", bytes per message by round: " + sent);
            System.out.println(receivePath + ", bytes per message by round: " + received);
            assertTrue(senderMet, sendPath + " allocated more than " + sendBound + " bytes per message in every round"
                    + " of " + ROUND + " within " + TimeUnit.NANOSECONDS.toSeconds(LIMIT_NANOS) + " s: " + sent);
            assertTrue(receiverMet, receivePath + " allocated more than " + receiveBound + " bytes per "
                    + PAYLOAD + "-byte message (its array takes " + PAYLOAD_ARRAY + ") in every round of " + ROUND
                    + " within " + TimeUnit.NANOSECONDS.toSeconds(LIMIT_NANOS) + " s: " + received);
        }

        private void decide() {
            if (senderMet && receiverMet || System.nanoTime() - start > LIMIT_NANOS) {
                stop.set(true);
            }
        }

        private static double perMessage(long before) {
            return (double) (THREADS.getCurrentThreadAllocatedBytes() - before) / ROUND;
        }
    }
}
