package dev.gips.benchmarks;

import dev.gips.shm.Shm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collection;
import java.util.Random;
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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Bulk shared memory throughput: {@link Shm#write(byte[], long)} and {@link Shm#read(long, long)} of 1 MiB blocks,
 * copies out of and into {@link Shm#segment()}, and, as the baseline, a plain {@link MemorySegment#copy} between two
 * off-heap segments, all in one JMH run. {@link #main} runs it and prints each result in GB/s (10^9 bytes per
 * second). {@code shmRead} allocates a new 1 MiB array per call, as its API must; {@code shmSegmentRead} shows the
 * same copy into an array that is reused.
 *
 * <pre>
 * mvn -q compile exec:exec@shm-throughput                    # from the repository root
 * </pre>
 * Pass JMH options after the class to run it differently, e.g. {@code -f 2 -wi 5 -i 10}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-Xms1g", "-Xmx1g"})
public class ShmThroughput {
    /** The block moved by each operation. */
    public static final int BLOCK = 1 << 20;

    private Shm shm;
    private byte[] heap;
    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;

    /** Creates the region and the buffers, all touched once so no page fault is measured. */
    @Setup
    public void setUp() throws IOException {
        heap = new byte[BLOCK];
        new Random(42).nextBytes(heap);
        shm = Shm.create(null, BLOCK);
        shm.write(heap, 0);
        arena = Arena.ofShared();
        source = arena.allocate(BLOCK, 64);
        target = arena.allocate(BLOCK, 64);
        MemorySegment.copy(MemorySegment.ofArray(heap), 0, source, 0, BLOCK);
        target.fill((byte) 1);
    }

    /** Releases the region and the buffers. */
    @TearDown
    public void tearDown() {
        shm.close();
        arena.close();
    }

    /** {@code Shm.write} of a 1 MiB {@code byte[]}. */
    @Benchmark
    public long shmWrite() {
        return shm.write(heap, 0);
    }

    /** {@code Shm.read} of 1 MiB into a new {@code byte[]}. */
    @Benchmark
    public byte[] shmRead() {
        return shm.read(0, BLOCK);
    }

    /** {@code Shm.read} of 1 MiB into an existing {@code byte[]}: a read without allocation. */
    @Benchmark
    public byte[] shmReadInto() {
        shm.read(0, heap);
        return heap;
    }

    /** 1 MiB from {@code Shm.segment()} into an existing {@code byte[]}: a read without allocation. */
    @Benchmark
    public byte[] shmSegmentRead() {
        MemorySegment.copy(shm.segment(), ValueLayout.JAVA_BYTE, 0, heap, 0, BLOCK);
        return heap;
    }

    /** 1 MiB from an off-heap segment into {@code Shm.segment()}: the zero-copy path. */
    @Benchmark
    public MemorySegment shmSegmentCopy() {
        MemorySegment data = shm.segment();
        MemorySegment.copy(source, 0, data, 0, BLOCK);
        return data;
    }

    /** 1 MiB from a {@code byte[]} into {@code Shm.segment()}: what {@code shmWrite} does, without the API. */
    @Benchmark
    public MemorySegment shmSegmentWrite() {
        MemorySegment data = shm.segment();
        MemorySegment.copy(heap, 0, data, ValueLayout.JAVA_BYTE, 0, BLOCK);
        return data;
    }

    /** The JDK's floor for {@code shmWrite}: 1 MiB from a {@code byte[]} into an off-heap segment. */
    @Benchmark
    public MemorySegment arrayToSegment() {
        MemorySegment.copy(heap, 0, target, ValueLayout.JAVA_BYTE, 0, BLOCK);
        return target;
    }

    /** The baseline: 1 MiB between two off-heap segments. */
    @Benchmark
    public MemorySegment segmentCopy() {
        MemorySegment.copy(source, 0, target, 0, BLOCK);
        return target;
    }

    /** The baseline for {@code shmRead}: 1 MiB from an off-heap segment into a new {@code byte[]}. */
    @Benchmark
    public byte[] segmentToArray() {
        return source.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Runs the benchmarks (JMH options may be given as arguments) and prints GB/s. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        var cli = new CommandLineOptions(args);
        var options = new OptionsBuilder().parent(cli).include(ShmThroughput.class.getName() + "\\.").build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.printf("%-16s %12s %10s%n", "benchmark", "ops/s", "GB/s");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            double opsPerSecond = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            System.out.printf("%-16s %12.1f %10.2f  (± %.2f)%n", name.substring(name.lastIndexOf('.') + 1),
                    opsPerSecond, opsPerSecond * BLOCK / 1e9, error * BLOCK / 1e9);
        }
    }
}
