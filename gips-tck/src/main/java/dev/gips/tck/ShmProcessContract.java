package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import dev.gips.shm.Size;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Regions shared with another JVM: received over gips IPC and grown there, or opened there by name. */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ShmProcessContract {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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

    @Test
    void writesAndAResizeByAnotherJvmArePickedUpByRemap() throws Exception {
        String service = Peers.uniqueName("shm-jvm");
        long grown = 1 << 19;
        try (Listener listener = Listener.bind(service); Shm shm = Shm.create(null, new Size(4096, 1 << 20))) {
            shm.write(bytes("parent's data"), 0);
            Process child = Peers.javaChild(ShmPeer.class, "resize", service, Long.toString(grown)).start();
            Pod hello = accept(listener, child);
            hello.message().close();
            try (Handle h = Handle.of(shm)) {
                hello.reply(bytes("region"), h);
            }
            MemorySegment old = shm.segment();
            Pod resized = accept(listener, child);
            assertArrayEquals(bytes("resized"), resized.message().payload());
            assertArrayEquals(bytes("child was here"), shm.read(200, 14), "the child's write is visible");
            assertEquals(grown, shm.header().capacity());
            assertEquals(4096, shm.capacity());

            shm.remap();
            assertEquals(grown, shm.capacity());
            assertArrayEquals(bytes("end"), shm.read(grown - 3));
            assertThrows(IllegalStateException.class, () -> old.get(ValueLayout.JAVA_BYTE, 0));
            shm.write(bytes("parent reply"), grown - 100);
            resized.reply(bytes("check"));
            assertEquals("ok capacity " + grown, Peers.finish(child, WAIT).strip());
        }
    }

    @Test
    void namedRegionIsSharedWithAnotherJvmWhichCannotCreateItAgain() throws Exception {
        String name = ShmNames.name("jvm");
        try (Shm shm = Shm.create(name, 256)) {
            String out = Peers.run(Peers.javaChild(ShmPeer.class, "open", name), WAIT);
            assertTrue(out.startsWith("refused: "), out);
            assertArrayEquals(bytes("child wrote"), shm.read(0, 11));
            Shm.open(name).close(); // the child's close left the name
        }
        assertThrows(NoSuchFileException.class, () -> Shm.open(name), "the creator's close removes the name");
    }
}
