package dev.gips.ipc;

import java.util.Arrays;
import java.util.List;

/**
 * One message: a payload and the handles that travelled with it. The message owns the received handles until they
 * are taken; {@link #close()} closes every handle still open.
 *
 * {@snippet :
 * try (Message m = endpoint.recv()) {
 *     process(m.payload());
 *     if (!m.handles().isEmpty()) {
 *         Shm shm = Shm.from(m.handles().get(0));   // takes that handle; close() closes the others
 *     }
 * }
 * }
 *
 * @param payload the bytes sent, never {@code null} (empty for an empty message)
 * @param handles the handles sent, in order; an unmodifiable list
 */
public record Message(byte[] payload, List<Handle> handles) implements AutoCloseable {

    /** Copies {@code handles} into an unmodifiable list; {@code payload} is kept as given. */
    public Message {
        if (payload == null) {
            throw new NullPointerException("payload");
        }
        handles = List.copyOf(handles);
    }

    /** A message with no handles. */
    public Message(byte[] payload) {
        this(payload, List.of());
    }

    /** Closes every handle nobody took; idempotent. */
    @Override
    public void close() {
        for (Handle h : handles) {
            h.close();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && Arrays.equals(payload, m.payload) && handles.equals(m.handles);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(payload) + handles.hashCode();
    }

    @Override
    public String toString() {
        return "Message[" + payload.length + " bytes, " + handles.size() + " handles]";
    }
}
