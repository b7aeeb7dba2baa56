package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regions shared with Python stdlib peers ({@code os.memfd_create} + {@code mmap}, header written by the peer) over
 * gips IPC, and an anonymous region (a memfd) that leaves nothing when its process is killed; regions shared with
 * child JVMs are the kit's {@code ShmProcessContract}.
 */
@ExtendWith(ShmTesting.class)
@ExtendWith(LeakCheck.class)
class ShmProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static Pod accept(Listener listener, Process peer) throws Exception {
        var pod = listener.accept(WAIT);
        if (pod.isEmpty()) {
            peer.destroyForcibly();
            String err = new String(peer.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            throw new AssertionError("no message from the peer within " + WAIT + "; its stderr: " + err);
        }
        return pod.get();
    }

    /** {@code good}: a memfd that cannot be sealed; {@code sealable}: one that can, which Java seals on receipt. */
    @ParameterizedTest
    @ValueSource(strings = {"good", "sealable"})
    void regionCreatedByPythonIsMappedThroughAReceivedHandle(String kind) throws Exception {
        String service = Peers.uniqueName("shm-py");
        try (Listener listener = Listener.bind(service)) {
            Process python = Peers.python("shm_peer.py", "offer", "/tmp/" + service, kind).start();
            Pod pod = accept(listener, python);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes(kind), m.payload());
                try (Shm shm = Shm.from(m.handles().get(0))) {
                    assertEquals(4000, shm.capacity());
                    assertEquals(8000, shm.total());
                    assertArrayEquals(pattern(1000, 42), shm.read(0, 1000), "the peer's data");
                    assertEquals(14, shm.write(bytes("java was here!"), 100));
                    pod.reply(bytes("written"));
                    assertTrue(Peers.finish(python, WAIT).startsWith("saw java write"));
                }
            }
        }
    }

    @Test
    void regionCreatedByJavaIsMappedByPythonWhichGrowsIt() throws Exception {
        String service = Peers.uniqueName("shm-py");
        try (Listener listener = Listener.bind(service); Shm shm = Shm.create(null, new Size(4096, 65536))) {
            shm.write(pattern(1000, 7), 0);
            Process python = Peers.python("shm_peer.py", "accept", "/tmp/" + service, "32768").start();
            Pod want = accept(listener, python);
            want.message().close();
            try (Handle h = Handle.of(shm)) {
                want.reply(bytes("region"), h);
            }
            Pod written = accept(listener, python);
            assertArrayEquals(bytes("written"), written.message().payload());
            assertArrayEquals(bytes("python was here!"), shm.read(100, 16), "Python's write is visible");

            MemorySegment before = shm.segment();
            written.reply(bytes("grow"));
            Pod resized = accept(listener, python);
            assertArrayEquals(bytes("resized"), resized.message().payload());
            assertEquals(32768, shm.header().capacity(), "the peer published the new capacity");
            assertEquals(4096, shm.capacity(), "not mapped here until remap()");
            assertEquals(0, shm.read(4096, 10).length);

            shm.remap();
            assertEquals(32768, shm.capacity());
            assertEquals(24 + 32768, shm.mapped());
            assertArrayEquals(bytes("tail!!"), shm.read(32768 - 6));
            assertArrayEquals(java.util.Arrays.copyOf(pattern(1000, 7), 100), shm.read(0, 100),
                    "the data survives the remap");
            assertArrayEquals(bytes("python was here!"), shm.read(100, 16));
            IllegalStateException stale = assertThrows(IllegalStateException.class,
                    () -> before.get(ValueLayout.JAVA_BYTE, 0));
            assertTrue(stale.getMessage().contains("closed"), stale.getMessage());
            assertEquals(32768, shm.segment().byteSize());

            resized.reply(bytes("bye"));
            String out = Peers.finish(python, WAIT);
            assertEquals("header 4096/65536, object 65560 bytes, grew to 32768", out.strip());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "oversized, 'claims 1048576 data bytes (1048600 with the header) but the object holds only 4096'",
        "damaged, 'damaged header'",
        "tiny, 'holds 10 bytes, less than the 24-byte header'",
        "pipe, 'not a memfd or shm object'",
    })
    void hostileRegionsAreRefusedWithIOException(String kind, String expected) throws Exception {
        String service = Peers.uniqueName("shm-py");
        try (Listener listener = Listener.bind(service)) {
            Process python = Peers.python("shm_peer.py", "offer", "/tmp/" + service, kind).start();
            Pod pod = accept(listener, python);
            long fds = Peers.openFds();
            try (Message m = pod.message()) {
                Handle handle = m.handles().get(0);
                IOException e = assertThrows(IOException.class, () -> Shm.from(handle));
                assertTrue(e.getMessage().contains(expected), e.getMessage());
                assertFalse(handle.isOpen(), "Shm.from took the handle even though it failed");
            }
            assertEquals(fds - 1, Peers.openFds(), "the refused descriptor was closed, and nothing else leaked");
            pod.reply(bytes("refused"));
            assertEquals(kind + " refused", Peers.finish(python, WAIT).strip());
        }
    }

    @Test
    void regionSizedAsRustGipsDoesIsGrownByTheHeaderAndAccepted() throws Exception {
        String service = Peers.uniqueName("shm-py");
        try (Listener listener = Listener.bind(service)) {
            Process python = Peers.python("shm_peer.py", "offer", "/tmp/" + service, "rust").start();
            Pod pod = accept(listener, python);
            try (Message m = pod.message(); Shm shm = Shm.from(m.handles().get(0))) {
                assertEquals(4096, shm.capacity());
                assertArrayEquals(pattern(100, 43), shm.read(0, 100));
                shm.write(bytes("java was here!"), 100);
                assertEquals(24, shm.write(new byte[24], 4096 - 24), "the last 24 bytes are backed");
                pod.reply(bytes("written"));
                assertEquals("saw java write; object 4120 bytes", Peers.finish(python, WAIT).strip());
            }
        }
    }

    @Test
    void anonymousRegionIsAMemfdAndLeavesNothingWhenItsProcessIsKilled() throws Exception {
        Process child = Peers.javaChild(ShmChild.class, "anonymous").start();
        try {
            var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String link = out.readLine();
            assertEquals("ready", out.readLine());
            assertTrue(link.startsWith("/memfd:gips-shm"), link);
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no Cleaner, no shutdown hook
            assertTrue(child.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        String pid = Long.toString(child.pid());
        try (var s = Files.list(Path.of("/dev/shm"))) {
            // gips 0.2.0 would leave nothing either, but only after a shm_unlink racing the kill; a memfd never has a name
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains(pid)).toList());
        }
    }
}
