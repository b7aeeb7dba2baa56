package dev.gips.ipc;

import dev.gips.spi.Backend;
import dev.gips.spi.Backends;
import dev.gips.spi.Limits;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The argument rules of every send: the same on every OS, so checked here once. */
final class Outgoing {
    private Outgoing() {}

    /** What the sends without handles pass: a varargs call with none would allocate an empty array each time. */
    static final Handle[] NO_HANDLES = {};

    /**
     * Checks the payload and the handles; returns the handles' raw values. Without handles this allocates nothing:
     * the steady-state send of a {@code byte[]} is garbage-free.
     */
    static long[] check(byte[] payload, Handle[] handles) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(handles, "handles");
        return check(payload.length, handles.length == 0 ? List.of() : Arrays.asList(handles));
    }

    /** Checks the payload (from its position to its limit) and the handles; returns the handles' raw values. */
    static long[] check(ByteBuffer payload, List<Handle> handles) {
        Objects.requireNonNull(payload, "payload");
        return check(payload.remaining(), handles);
    }

    private static long[] check(int payloadLength, List<Handle> handles) {
        Objects.requireNonNull(handles, "handles");
        checkLength(payloadLength);
        if (handles.isEmpty()) {
            return EMPTY;
        }
        Backend backend = Backends.get();
        int max = backend.maxHandles(payloadLength);
        if (handles.size() > max) {
            throw new IllegalArgumentException(handles.size() + " handles exceed the limit of " + max
                    + " per message" + (max < Limits.MAX_HANDLES ? " for a payload of " + payloadLength + " bytes" : ""));
        }
        long[] raw = new long[handles.size()];
        for (int i = 0; i < raw.length; i++) {
            Handle h = handles.get(i);
            if (h == null) {
                throw new NullPointerException("handle " + i + " is null");
            }
            if (!backend.handleKinds().contains(h.kind())) {
                throw new IllegalArgumentException("handle " + i + " is a " + h.kind() + ", which cannot travel on "
                        + backend.name());
            }
            try {
                raw[i] = h.raw();
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("handle " + i + " is closed", e);
            }
        }
        return raw;
    }

    private static void checkLength(int payloadLength) {
        if (payloadLength > Limits.MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payloadLength + " bytes exceeds the limit of "
                    + Limits.MAX_PAYLOAD + " bytes (16 MiB); send bulk data through shared memory (dev.gips.shm)");
        }
    }

    static final long[] EMPTY = new long[0];
}
