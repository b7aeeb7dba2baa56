package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sealing an out-of-band payload's memfd survives a transient EBUSY. The kernel refuses {@code F_SEAL_WRITE} with
 * EBUSY while the memfd is mapped shared and writable, which a test can hold and release at will: it stands for the
 * transient page references that made a C peer's seal fail under load.
 */
@ExtendWith(LeakCheck.class)
class OutOfBandSealTest {
    private static final long SIZE = 4096;
    private static final Where WHERE = new Where("seal-test", "memfd");

    @Test
    void sealingIsRetriedWhileTheKernelAnswersEbusy() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int memfd = sealableMemfd(arena);
            try {
                MemorySegment mapping = mapWritable(memfd);
                AtomicInteger retries = new AtomicInteger();
                // the first attempt meets the writable mapping; it is gone before the second
                OutOfBand.seal(memfd, Native.threadCapture(), WHERE, () -> {
                    if (retries.incrementAndGet() == 1) {
                        unmap(mapping);
                    }
                });
                assertEquals(1, retries.get(), "one retry after the first EBUSY");
                int seals = Fcntl.fcntl(Native.threadCapture(), memfd, Fcntl.F_GET_SEALS, 0);
                int all = Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_GROW | Fcntl.F_SEAL_WRITE | Fcntl.F_SEAL_SEAL;
                assertEquals(all, seals & all, "seals: " + Integer.toHexString(seals));
            } finally {
                Fds.closeQuietly(memfd);
            }
        }
    }

    @Test
    void sealingGivesUpOnAnEbusyThatLastsAndSaysSo() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int memfd = sealableMemfd(arena);
            MemorySegment mapping = mapWritable(memfd);
            try {
                AtomicInteger retries = new AtomicInteger();
                IOException e = assertThrows(IOException.class,
                        () -> OutOfBand.seal(memfd, Native.threadCapture(), WHERE, retries::incrementAndGet));
                assertEquals(OutOfBand.SEAL_ATTEMPTS - 1, retries.get());
                assertTrue(e.getMessage().contains("fcntl(F_ADD_SEALS) of a payload memfd (" + OutOfBand.SEAL_ATTEMPTS
                        + " attempts)") && e.getMessage().contains("EBUSY"), e.getMessage());
            } finally {
                unmap(mapping);
                Fds.closeQuietly(memfd);
            }
        }
    }

    /** A memfd that allows sealing, {@link #SIZE} bytes long. */
    private static int sealableMemfd(Arena arena) throws IOException {
        MemorySegment errno = Native.threadCapture();
        int memfd = SysMman.memfd_create(errno, arena.allocateFrom("seal-test"),
                SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING);
        if (memfd < 0) {
            throw WHERE.error("memfd_create", Native.errno(errno));
        }
        if (Unistd.ftruncate(errno, memfd, SIZE) < 0) {
            Fds.closeQuietly(memfd);
            throw WHERE.error("ftruncate", Native.errno(errno));
        }
        return memfd;
    }

    private static MemorySegment mapWritable(int memfd) throws IOException {
        MemorySegment errno = Native.threadCapture();
        MemorySegment address = SysMman.mmap(errno, MemorySegment.NULL, SIZE, SysMman.PROT_READ | SysMman.PROT_WRITE,
                SysMman.MAP_SHARED, memfd, 0);
        if (address.address() == SysMman.MAP_FAILED) {
            throw WHERE.error("mmap", Native.errno(errno));
        }
        return address;
    }

    private static void unmap(MemorySegment mapping) {
        SysMman.munmap(Native.threadCapture(), mapping, SIZE);
    }
}
