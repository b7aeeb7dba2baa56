package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gips.ipc.Handle;
import dev.gips.ipc.Message;
import dev.gips.shm.Shm;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Handles to send, on any backend: each is a new anonymous shared memory region holding a tag of its own, so that a
 * received handle can be told apart and matched to the one sent (on Linux a memfd, on macOS a memory entry, on
 * Windows a section).
 */
public final class Handles {
    private Handles() {}

    private static final AtomicLong TAGS = new AtomicLong(System.nanoTime());

    /** {@code n} handles, each of its own region with its own tag; the caller closes them. */
    public static List<Handle> tagged(int n) throws IOException {
        List<Handle> handles = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                try (Shm shm = Shm.create(null, Long.BYTES)) {
                    shm.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, TAGS.incrementAndGet());
                    handles.add(Handle.of(shm));
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(handles);
            throw e;
        }
        return handles;
    }

    /** The tag of the region behind {@code handle}, read through a duplicate: the handle stays the caller's. */
    public static long tagOf(Handle handle) throws IOException {
        try (Shm shm = Shm.from(handle.duplicate())) {
            return shm.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }
    }

    /** The handles of {@code m} are copies of {@code sent}, in order: same regions, same tags. */
    public static void assertSameObjects(List<Handle> sent, Message m) throws IOException {
        assertEquals(sent.size(), m.handles().size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(tagOf(sent.get(i)), tagOf(m.handles().get(i)), "handle " + i + " is another object");
        }
    }

    /** Closes every handle of {@code handles}. */
    public static void closeAll(List<Handle> handles) {
        handles.forEach(Handle::close);
    }
}
