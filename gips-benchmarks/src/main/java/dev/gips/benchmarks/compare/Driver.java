package dev.gips.benchmarks.compare;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * The client side of every Java peer, the same loops as the C baseline's client: round trips timed one by one
 * (median and 90th percentile), and one-way messages per second in both directions. Prints one line per task, in the
 * C client's format.
 */
final class Driver {
    private Driver() {}

    private static final int MAX_SAMPLES = 4_000_000;

    /** Runs {@code tasks} ({@code rtt:SIZE}, {@code fd:SIZE}, {@code up:SIZE}, {@code down:SIZE}) on {@code link}. */
    static void run(Link link, long warmupMs, long measureMs, String[] tasks) throws IOException {
        long[] samples = new long[MAX_SAMPLES];
        for (String task : tasks) {
            String[] kv = task.split(":");
            String kind = kv[0];
            int size = Integer.parseInt(kv[1]);
            byte[] payload = new byte[size];
            Arrays.fill(payload, (byte) 'x');
            String line = switch (kind) {
                case "rtt", "fd" -> {
                    payload[0] = 'E';
                    boolean withFd = kind.equals("fd");
                    roundTrips(link, payload, withFd, warmupMs, samples);
                    int n = roundTrips(link, payload, withFd, measureMs, samples);
                    Arrays.sort(samples, 0, n);
                    yield kind + " " + size + " " + samples[n / 2] + " " + samples[(int) (n * 9L / 10)] + " " + n;
                }
                case "up" -> {
                    payload[0] = 'D';
                    up(link, payload, warmupMs);
                    yield String.format(Locale.ROOT, "up %d %.0f", size, up(link, payload, measureMs));
                }
                case "down" -> {
                    double guess = down(link, size, warmupMs, 100_000);
                    yield String.format(Locale.ROOT, "down %d %.0f", size, down(link, size, measureMs, guess));
                }
                default -> throw new IllegalArgumentException("unknown task " + task);
            };
            System.out.println(line);
            System.out.flush();
        }
    }

    private static int roundTrips(Link link, byte[] payload, boolean withFd, long ms, long[] samples)
            throws IOException {
        int count = 0;
        long end = System.nanoTime() + ms * 1_000_000;
        while (count < samples.length) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                break;
            }
            link.send(payload, withFd);
            if (link.receive() != payload.length) {
                throw new IOException("echo of the wrong length");
            }
            samples[count++] = System.nanoTime() - t0;
        }
        return count;
    }

    private static double up(Link link, byte[] payload, long ms) throws IOException {
        long start = System.nanoTime();
        long end = start + ms * 1_000_000;
        long count = 0;
        do {
            for (int i = 0; i < 256; i++) {
                link.send(payload, false);
            }
            count += 256;
        } while (System.nanoTime() < end);
        link.send(ACK, false);
        if (link.receive() != 1) {
            throw new IOException("expected the ack");
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static double down(Link link, int size, long ms, double guess) throws IOException {
        long count = Math.max(1000, (long) (guess * ms / 1000.0));
        byte[] request = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'S').putLong(count)
                .putInt(size).array();
        long start = System.nanoTime();
        link.send(request, false);
        for (long i = 0; i < count; i++) {
            if (link.receive() != size) {
                throw new IOException("streamed message of the wrong length");
            }
        }
        if (link.receive() != 1) {
            throw new IOException("expected the ack");
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    static final byte[] ACK = {'A'};

    /** What a server does with a message whose payload starts with {@code first}: see {@link Link}. */
    interface Server {
        void echo(byte[] payload, boolean withFd) throws IOException;

        void send(byte[] payload) throws IOException;
    }

    /** Handles one received message on the server side. */
    static void serve(byte[] payload, boolean hadFd, Server server) throws IOException {
        if (payload.length == 0) {
            return;
        }
        switch (payload[0]) {
            case 'E' -> server.echo(payload, hadFd);
            case 'A' -> server.send(ACK);
            case 'S' -> {
                ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
                long count = b.getLong(1);
                byte[] data = new byte[b.getInt(9)];
                Arrays.fill(data, (byte) 'D');
                for (long i = 0; i < count; i++) {
                    server.send(data);
                }
                server.send(ACK);
            }
            default -> { }
        }
    }
}
