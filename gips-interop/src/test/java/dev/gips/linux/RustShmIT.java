package dev.gips.linux;

import static dev.gips.linux.RustEchoIT.accept;
import static dev.gips.linux.RustEchoIT.ascii;
import static dev.gips.linux.RustPeer.expectLine;
import static dev.gips.linux.RustPeer.expectLineStartingWith;
import static dev.gips.linux.RustPeer.fnv;
import static dev.gips.linux.RustPeer.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.shm.Header;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Shared memory between Java and the real Rust gips 0.2.0, anonymous (a descriptor in a message) and named (opened by
 * name), created on each side: the 24-byte header and the data are read alike, each side's writes are seen by the
 * other, and a region grown by one is remapped by the other. Also the size of the OS object each side creates: gips
 * makes it {@code total} bytes (no room for the header), Java {@code 24 + total}; Java grows a gips object by those 24
 * bytes when it maps a region whose capacity needs them.
 *
 * <p>Each case runs with a full-capacity region (capacity = total = one page) and with a region that grows (1000
 * bytes, may grow to 8192, grown to 8192 by the peer).
 */
@ExtendWith({LeakCheck.class, RustPeer.Required.class})
class RustShmIT {
    private static final String CASES = """
            4096, 4096, 4096
            1000, 8192, 8192
            """;

    /**
     * The Java side of a region Rust made: checks its header and the data gips wrote, writes at 100, grows it to
     * {@code resize}, writes at its end.
     */
    private static void useRustRegion(Shm shm, long mapped, long total, long resize) throws IOException {
        assertEquals(mapped, shm.capacity(), "capacity in the header gips wrote");
        assertEquals(total, shm.total(), "total in the header gips wrote");
        assertEquals(0, shm.header().extension());
        assertFalse(shm.header().isDamaged());
        assertArrayEquals(pattern(256), shm.read(0, 256), "the data gips wrote");
        shm.write(ascii("java@100"), 100);
        assertEquals(resize, shm.resize(resize));
        shm.write(ascii("java-tail"), resize - 16);
    }

    /** What the Rust client prints once the Java server has used its region (see {@code shm_step} in main.rs). */
    private static String rustSeesJavasChanges(long resize, long total) {
        return "shm-seen capacity=" + resize + " total=" + total + " mapped=" + (Header.SIZE + resize) + " object="
                + (Header.SIZE + total) + " at100=java@100 tail=java-tail";
    }

    @ParameterizedTest(name = "mapped {0}, total {1}, grown to {2}")
    @CsvSource(textBlock = CASES)
    void anonymousRegionMadeByRustIsUsedAndGrownByJava(long mapped, long total, long resize) throws Exception {
        String name = Peers.uniqueName("rs-shm-anon");
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, "shm-anon=" + mapped + "," + total + "," + resize)) {
            expectLine(rust, "connected");
            // gips sizes the object `total` bytes and maps `mapped` bytes at first
            expectLine(rust, "shm-created capacity=" + mapped + " total=" + total + " mapped=" + mapped + " object="
                    + total);
            Pod pod = accept(listener, rust);
            try (Message m = pod.message(); Shm shm = Shm.from(m.handles().get(0))) {
                assertArrayEquals(ascii("anon " + resize), m.payload());
                useRustRegion(shm, mapped, total, resize);
                pod.reply(ascii("ok"));
            }
            expectLine(rust, "sent len=" + ("anon " + resize).length() + " fds=1");
            expectLine(rust, "shm-reply text=ok");
            // Java grew the object by the 24 bytes gips left out, so gips can map and read the region's last bytes
            expectLine(rust, rustSeesJavasChanges(resize, total));
            expectLine(rust, "shm-closed");
            expectLine(rust, "done");
        }
    }

    @ParameterizedTest(name = "mapped {0}, total {1}, grown to {2}")
    @CsvSource(textBlock = CASES)
    void anonymousRegionMadeByJavaIsUsedAndGrownByRust(long mapped, long total, long resize) throws Exception {
        String name = Peers.uniqueName("rs-shm-anon-server");
        try (Peers.Running rust = RustPeer.serve(name, "shm", "--count", "1");
                Endpoint endpoint = Endpoint.connect(name);
                Shm shm = Shm.create(null, new Size(mapped, total))) {
            shm.write(pattern(256), 0);
            try (Handle h = Handle.of(shm)) {
                endpoint.send(ascii("anon " + resize), h);
            }
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("ok"), reply.payload());
            }
            expectLineStartingWith(rust, "pod ");
            // Java's object is 24 + total bytes; gips maps the header's capacity plus the header
            expectLine(rust, "shm capacity=" + mapped + " total=" + total + " mapped=" + (Header.SIZE + mapped)
                    + " object=" + (Header.SIZE + total) + " head=" + fnv(pattern(256)));
            expectLine(rust, "shm-resized capacity=" + resize);
            expectLine(rust, "shm-after capacity=" + resize + " total=" + total + " mapped=" + (Header.SIZE + resize)
                    + " object=" + (Header.SIZE + total));
            expectLine(rust, "replied ok");
            expectLine(rust, "shm-closed");
            expectLine(rust, "done");
            assertEquals(resize, shm.header().capacity(), "gips raised the capacity in the shared header");
            shm.remap();
            assertEquals(resize, shm.capacity());
            assertArrayEquals(ascii("rust@100"), shm.read(100, 8));
            assertArrayEquals(ascii("rust-tail"), shm.read(resize - 16, 9));
        }
    }

    @ParameterizedTest(name = "mapped {0}, total {1}, grown to {2}")
    @CsvSource(textBlock = CASES)
    void namedRegionMadeByRustIsOpenedAndGrownByJava(long mapped, long total, long resize) throws Exception {
        String name = Peers.uniqueName("rs-shm-named");
        String region = Peers.uniqueName("rs-region");
        Path file = Path.of("/dev/shm", region);
        try (Listener listener = Listener.bind(name);
                Peers.Running rust = RustPeer.client(name, "shm-named=" + region + "," + mapped + "," + total + ","
                        + resize)) {
            expectLine(rust, "connected");
            expectLine(rust, "shm-created capacity=" + mapped + " total=" + total + " mapped=" + mapped + " object="
                    + total);
            Pod pod = accept(listener, rust);
            assertEquals(total, Files.size(file), "gips' named object is total bytes");
            // gips creates named regions mode 0755 (Java: 0600)
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            try (Message m = pod.message()) {
                assertArrayEquals(ascii("named " + region + " " + resize), m.payload());
                try (Shm shm = Shm.open(region)) {
                    useRustRegion(shm, mapped, total, resize);
                    assertEquals(Header.SIZE + total, Files.size(file), "Java grew the object by the header's 24"
                            + " bytes");
                }
                assertTrue(Files.exists(file), "Java's close() leaves a name it did not create");
                pod.reply(ascii("ok"));
            }
            expectLine(rust, "sent len=" + ("named " + region + " " + resize).length() + " fds=0");
            expectLine(rust, "shm-reply text=ok");
            expectLine(rust, rustSeesJavasChanges(resize, total));
            expectLine(rust, "shm-closed");
            expectLine(rust, "done");
            assertFalse(Files.exists(file), "gips' close() removes the name its creator gave");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * gips' {@code close()} unlinks a named region's name even in a process that only opened it: after a Rust peer
     * is done with a region Java created, the name is gone (Java's mapping stays valid; its {@code close()} then has
     * no name to remove).
     */
    @ParameterizedTest(name = "mapped {0}, total {1}, grown to {2}")
    @CsvSource(textBlock = CASES)
    void namedRegionMadeByJavaIsOpenedAndGrownByRustWhichRemovesItsName(long mapped, long total, long resize)
            throws Exception {
        String name = Peers.uniqueName("rs-shm-named-server");
        String region = Peers.uniqueName("rs-region");
        Path file = Path.of("/dev/shm", region);
        try (Peers.Running rust = RustPeer.serve(name, "shm", "--count", "1");
                Endpoint endpoint = Endpoint.connect(name);
                Shm shm = Shm.create(region, new Size(mapped, total))) {
            assertEquals(Header.SIZE + total, Files.size(file), "Java's named object is 24 + total bytes");
            shm.write(pattern(256), 0);
            endpoint.send(ascii("named " + region + " " + resize));
            try (Message reply = Peers.recvOne(endpoint)) {
                assertArrayEquals(ascii("ok"), reply.payload());
            }
            expectLineStartingWith(rust, "pod ");
            expectLine(rust, "shm capacity=" + mapped + " total=" + total + " mapped=" + (Header.SIZE + mapped)
                    + " object=" + (Header.SIZE + total) + " head=" + fnv(pattern(256)));
            expectLine(rust, "shm-resized capacity=" + resize);
            expectLine(rust, "shm-after capacity=" + resize + " total=" + total + " mapped=" + (Header.SIZE + resize)
                    + " object=" + (Header.SIZE + total));
            expectLine(rust, "replied ok");
            expectLine(rust, "shm-closed");
            expectLine(rust, "done");
            assertFalse(Files.exists(file), "gips' close() in the opener removed the name");
            shm.remap();
            assertEquals(resize, shm.capacity());
            assertArrayEquals(ascii("rust@100"), shm.read(100, 8));
            assertArrayEquals(ascii("rust-tail"), shm.read(resize - 16, 9));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
