package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gips.ipc.Handle;
import dev.gips.shm.Header;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What shared memory regions are on Linux (the contract is the kit's {@code ShmContract}): named regions are files
 * in {@code /dev/shm}, mode 0600, that another process can shrink; anonymous ones are memfds sealed against
 * shrinking; the errors say the errno.
 */
@ExtendWith(ShmTesting.class)
@ExtendWith(LeakCheck.class)
class ShmFilesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void namedRegionsAreOwnerOnly() throws Exception {
        String name = ShmTesting.name("mode");
        try (Shm shm = Shm.create(name, 64)) {
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(Path.of("/dev/shm", name))));
            assertTrue(shm.capacity() > 0);
        }
    }

    @Test
    void aNamedCreateOfAnExistingNameSaysEexist() throws Exception {
        String name = ShmTesting.name("exists");
        try (Shm first = Shm.create(name, 64)) {
            assertTrue(Files.exists(Path.of("/dev/shm", name)));
            var e = assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> Shm.create("/" + name, 64));
            assertTrue(e.getMessage().contains("EEXIST"), e.getMessage());
        }
    }

    @Test
    void anonymousRegionsAreMemfdsSealedAgainstShrinking() throws Exception {
        try (Shm shm = Shm.create(null, 4096); Handle h = Handle.of(shm)) {
            String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + h.fileDescriptor())).toString();
            assertTrue(link.startsWith("/memfd:gips-shm"), link);
            int seals = Fcntl.fcntl(Native.threadCapture(), h.fileDescriptor(), Fcntl.F_GET_SEALS, 0);
            assertEquals(Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_SEAL, seals, "never shrinks; growing allowed");
        }
    }

    @Test
    void remapRefusesAHeaderThatClaimsMoreThanTheObjectHolds() throws Exception {
        String name = ShmTesting.name("claims");
        try (Shm shm = Shm.create(name, new Size(100, 100_000))) {
            shm.write(utf8("kept"), 0);
            MemorySegment segment = shm.segment();
            // another process shrinks the (unsealable) named object and claims the whole total
            try (var ch = java.nio.channels.FileChannel.open(Path.of("/dev/shm", name),
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(Header.SIZE + 100);
            }
            shm.header().setCapacity(100_000);
            java.io.IOException e = assertThrows(java.io.IOException.class, shm::remap);
            assertTrue(e.getMessage().contains("claims 100000 data bytes (100024 with the header) but the object"
                    + " holds only 124"), e.getMessage());
            assertEquals(100, shm.capacity(), "the old mapping stays in use");
            assertArrayEquals(utf8("kept"), shm.read(0, 4));
            assertEquals('k', segment.get(ValueLayout.JAVA_BYTE, 0));
            try (Shm opened = Shm.open(name)) {
                fail("opened a region whose header claims more than its object holds: " + opened);
            } catch (java.io.IOException expected) {
                assertTrue(expected.getMessage().contains("but the object holds only 124"), expected.getMessage());
            }
        }
    }
}
