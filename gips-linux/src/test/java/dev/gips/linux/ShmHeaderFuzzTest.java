package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gips.ipc.Handle;
import dev.gips.shm.Shm;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the shared-memory header check: a peer hands over a memfd whose 24-byte header and size
 * it chose freely ({@link Shm#from}). The library must either refuse it with an {@link IOException} or map a region
 * whose every byte up to its capacity can be read and written without a fault (a SIGBUS would kill the JVM). No
 * descriptor or mapping may outlive the attempt.
 *
 * <p>Without {@code JAZZER_FUZZ=1} this replays the seeds under {@code src/test/resources/dev/gips/linux/
 * ShmHeaderFuzzTestInputs/} (each a finding turned regression); with it Jazzer fuzzes for {@code maxDuration}.
 *
 * <p>Not under {@link LeakCheck}: Jazzer attaches its agent when the first fuzz test starts, which opens two jars
 * and the JVM's attach socket for good. Instead each input checks that the descriptor count is back where it was.
 */
class ShmHeaderFuzzTest {
    @BeforeAll
    static void warmUp() throws IOException {
        int fd = Peers.memfd("warm");
        try (Handle h = Handle.ofFileDescriptor(fd)) {
            Unistd.ftruncate(Native.threadCapture(), fd, 4096);
            try (Shm shm = Shm.from(h)) {
                shm.write(new byte[1], 0);
            } catch (IOException expected) {
                // a zeroed header may be refused; the classes are loaded either way
            }
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** The CI budget (with {@code JAZZER_FUZZ=1}; see .ci/run). */
    @FuzzTest(maxDuration = "20s")
    void anyHeaderAndObjectSizeIsRefusedOrMapsSafely(FuzzedDataProvider data) throws IOException {
        fuzzOne(data);
    }

    /** The same target for a long run by hand: {@code JAZZER_FUZZ=1 mvn ... -Dtest=ShmHeaderFuzzTest#longRun}. */
    @FuzzTest(maxDuration = "1h")
    void longRun(FuzzedDataProvider data) throws IOException {
        fuzzOne(data);
    }

    private static void fuzzOne(FuzzedDataProvider data) throws IOException {
        boolean structured = data.consumeBoolean();
        long objectSize = data.consumeLong(0, 1 << 20);
        byte[] header = new byte[(int) Math.min(objectSize, 24)];
        if (structured) {
            // plausible headers reach the size checks sooner: capacity, total, extension chosen near the object size
            ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(data.consumeLong(-2, objectSize + 64));
            b.putLong(data.consumeLong(-2, objectSize + 64));
            b.putLong(data.consumeLong());
            System.arraycopy(b.array(), 0, header, 0, header.length);
        } else {
            byte[] raw = data.consumeBytes(24);
            System.arraycopy(raw, 0, header, 0, Math.min(raw.length, header.length));
        }
        // counted per input: Jazzer itself opens jars once fuzzing starts
        long baseline = Peers.openFds();
        int fd = Peers.memfd("fuzz");
        try {
            write(fd, objectSize, header);
            Handle handle = Handle.ofFileDescriptor(fd);
            try (Shm shm = Shm.from(handle)) {
                touchEveryPage(shm);
            } catch (IOException refused) {
                assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty());
            } finally {
                handle.close();
            }
        } finally {
            Fds.closeQuietly(fd);
        }
        assertEquals(baseline, Peers.openFds(), "a descriptor leaked: " + Peers.describeFds());
    }

    private static void write(int fd, long size, byte[] header) throws IOException {
        if (Unistd.ftruncate(Native.threadCapture(), fd, size) < 0) {
            throw new IOException("ftruncate");
        }
        if (header.length > 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(header.length);
                MemorySegment.copy(header, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, header.length);
                assertEquals(header.length, Unistd.write(Native.threadCapture(), fd, buf, header.length));
            }
        }
    }

    /** Reads and writes one byte per page up to the capacity, and the last byte: a short object would fault here. */
    private static void touchEveryPage(Shm shm) {
        long capacity = shm.capacity();
        byte[] one = new byte[1];
        for (long off = 0; off < capacity; off += 4096) {
            assertEquals(1, shm.read(off, 1).length);
            assertEquals(1, shm.write(one, off));
        }
        if (capacity > 0) {
            assertEquals(1, shm.read(capacity - 1, 1).length);
        }
        assertEquals(0, shm.read(capacity, 1).length);
    }
}
