package dev.gips.macos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The one native buffer a {@link Sender} sends from or a {@link Mailbox} receives into, in a shared arena of its
 * own: replaced by a larger one for a large message, and by a small one again after it, so that one large message
 * does not pin memory; freed at close. Not thread-safe: its owner guards it with the lock that serialises its sends
 * or receives.
 */
final class MessageBuffer {
    /** What a buffer starts with and shrinks back to: enough for most messages. */
    static final int INITIAL = 16 * 1024;
    /** Larger buffers are given back once their message is done. */
    private static final long KEEP = 1024 * 1024;

    private Arena arena = Arena.ofShared();
    private MemorySegment segment = arena.allocate(INITIAL, 8);

    /** The buffer, 8-aligned, valid until the next {@link #resize}; {@code null} once closed. */
    MemorySegment segment() {
        return segment;
    }

    /** Replaces the buffer with one of {@code size} bytes; what the old one held is not kept. */
    void resize(long size) {
        Arena next = Arena.ofShared();
        MemorySegment grown = next.allocate(size, 8);
        arena.close();
        arena = next;
        segment = grown;
    }

    /** Gives back an enlarged buffer, once its message was handled. */
    void shrink() {
        if (segment != null && segment.byteSize() > KEEP) {
            resize(INITIAL);
        }
    }

    /** Frees the buffer; idempotent. */
    void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            segment = null;
        }
    }
}
