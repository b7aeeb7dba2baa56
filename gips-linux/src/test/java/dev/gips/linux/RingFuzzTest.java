package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Coverage-guided fuzzing of a shared-memory channel's consumer: the peer writes the ring's control block and data
 * area freely (it can write all of it at any time). Every take must end in a payload no longer than a record may be,
 * a mark, nothing, or a {@link Ring.ProtocolException}; never another exception, and never a read outside the ring
 * (the memory is a segment of exactly the ring's size, so a stray read would throw).
 *
 * <p>Without {@code JAZZER_FUZZ=1} this replays the seeds under {@code src/test/resources/dev/gips/linux/
 * RingFuzzTestInputs/}; with it Jazzer fuzzes for {@code maxDuration} (see .ci/run).
 */
class RingFuzzTest {
    private static final long SIZE = 4096;

    /** The CI budget (with {@code JAZZER_FUZZ=1}; see .ci/run). */
    @FuzzTest(maxDuration = "20s")
    void whateverThePeerWritesIsTakenWholeOrRefused(FuzzedDataProvider data) {
        fuzzOne(data);
    }

    /** The same target for a long run by hand: {@code JAZZER_FUZZ=1 mvn ... -Dtest=RingFuzzTest#longRun}. */
    @FuzzTest(maxDuration = "1h")
    void longRun(FuzzedDataProvider data) {
        fuzzOne(data);
    }

    private static void fuzzOne(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(Ring.footprint(SIZE), 8);
            // the consumer may already have read some: start it anywhere, as after a long life
            long start = data.consumeLong(0, 1L << 40) & ~7L;
            region.set(JAVA_LONG, 64, start);
            Ring consumer = new Ring(region, 0, SIZE);
            consumer.startAt(start);
            boolean structured = data.consumeBoolean();
            if (structured) {
                region.set(JAVA_LONG, 0, start + data.consumeLong(-64, SIZE + 64));
            } else {
                region.set(JAVA_LONG, 0, data.consumeLong());
            }
            byte[] bytes = data.consumeBytes((int) SIZE);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, region, Ring.CONTROL_SIZE, bytes.length);
            for (int i = 0; i < 64; i++) {
                try {
                    if (data.consumeBoolean()) {
                        consumer.peekKind();
                    }
                    byte[] m = consumer.poll();
                    if (m == null) {
                        break;
                    }
                    assertTrue(m.length <= consumer.maxPayload(), "a payload longer than a record may be");
                } catch (Ring.ProtocolException e) {
                    break; // refused: the channel would be closed
                }
            }
        }
    }
}
