package dev.gips.benchmarks.compare;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocation on gips' steady-state paths, for JMH's {@code -prof gc} ({@code gc.alloc.rate.norm}): an
 * {@link Endpoint} sends 64-byte messages to the C peer, which drops them ({@link #send}), or echoes them
 * ({@link #roundTrip}: one send and one receive). The peer is another process, so nothing it does is counted. The
 * receive path's allocation is the difference. Needs {@code -Dgips.bench.cpeer=} the compiled
 * {@code seqpacket_peer}; {@link Compare} runs it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class AllocationBench {
    private Process server;
    private Path socket;
    private Endpoint endpoint;
    private final byte[] drop = new byte[64];
    private final byte[] echo = new byte[64];

    /** Starts the C peer and connects. */
    @Setup
    public void setUp() throws IOException {
        Arrays.fill(drop, (byte) 'D');
        Arrays.fill(echo, (byte) 'E');
        socket = Files.createTempDirectory("gips-alloc-").resolve("peer.sock");
        server = new ProcessBuilder(System.getProperty("gips.bench.cpeer"), "server", socket.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        if (!"ready".equals(out.readLine())) {
            throw new IOException("the C peer did not start");
        }
        endpoint = Endpoint.connect(socket.toString());
    }

    /** Disconnects and stops the peer. */
    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        endpoint.close();
        server.destroy();
        server.waitFor();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(socket.getParent());
    }

    /** One 64-byte message out. */
    @Benchmark
    public void send() throws IOException {
        endpoint.send(drop);
    }

    /** One 64-byte message out and its echo back. */
    @Benchmark
    public int roundTrip() throws IOException {
        endpoint.send(echo);
        try (Message m = endpoint.recv()) {
            return m.payload().length;
        }
    }
}
