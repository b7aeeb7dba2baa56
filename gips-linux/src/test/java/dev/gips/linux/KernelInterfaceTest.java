package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The structs and system settings the backend reads match what the kernel writes. */
class KernelInterfaceTest {

    @Test
    void statxStructHasTheKernelsSizeAndOffsets() {
        // include/uapi/linux/stat.h: statx writes all 256 bytes; a shorter layout overflows its buffer
        assertEquals(256, SysStat.STATX.byteSize());
        assertEquals(0x1c, SysStat.STX_MODE);
        assertEquals(0x20, SysStat.STX_INO);
        assertEquals(0x28, SysStat.STX_SIZE);
        assertEquals(0x88, SysStat.STX_DEV_MAJOR);
        assertEquals(0x8c, SysStat.STX_DEV_MINOR);
    }

    @Test
    void statxReadsTheSameInodeAndDeviceAsTheJdk(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "0123456789");
        long ino = (Long) Files.getAttribute(file, "unix:ino");
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        try (Arena arena = Arena.ofConfined()) {
            // a guard after the struct: statx must not write past it
            MemorySegment both = arena.allocate(SysStat.STATX.byteSize() + 64, 8);
            both.fill((byte) 0x5a);
            MemorySegment st = both.asSlice(0, SysStat.STATX);
            int r = SysStat.statx(Native.allocateCapture(arena), SysStat.AT_FDCWD, arena.allocateFrom(file.toString()),
                    0, SysStat.STATX_INO | SysStat.STATX_SIZE, st);
            assertEquals(0, r);
            assertEquals(ino, st.get(ValueLayout.JAVA_LONG, SysStat.STX_INO));
            assertEquals(10, st.get(ValueLayout.JAVA_LONG, SysStat.STX_SIZE));
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            assertEquals(major, Integer.toUnsignedLong(st.get(ValueLayout.JAVA_INT, SysStat.STX_DEV_MAJOR)));
            assertEquals(minor, Integer.toUnsignedLong(st.get(ValueLayout.JAVA_INT, SysStat.STX_DEV_MINOR)));
            for (long i = SysStat.STATX.byteSize(); i < both.byteSize(); i++) {
                assertEquals((byte) 0x5a, both.get(ValueLayout.JAVA_BYTE, i), "statx wrote past the struct");
            }
        }
    }

    @Test
    void inlineLimitIsTheDefaultSendBufferLessTheKernelsReserve() throws IOException {
        int wmemDefault = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/wmem_default")).get(0).strip());
        assertEquals(wmemDefault - 32, Sockets.INLINE_MAX);
        assertEquals(253, new LinuxBackend().maxHandles(Sockets.INLINE_MAX));
        assertEquals(252, new LinuxBackend().maxHandles(Sockets.INLINE_MAX + 1));
    }
}
