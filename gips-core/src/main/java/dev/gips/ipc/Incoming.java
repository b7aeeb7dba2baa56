package dev.gips.ipc;

import dev.gips.spi.Backends;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.util.ArrayList;
import java.util.List;

/** Turns what a backend received into a {@link Message} that owns its handles. */
final class Incoming {
    private Incoming() {}

    static Message adopt(RawMessage raw) {
        if (raw.handles().isEmpty()) {
            return new Message(raw.payload(), List.of());
        }
        List<Handle> handles = new ArrayList<>(raw.handles().size());
        for (RawHandle h : raw.handles()) {
            handles.add(Handle.adopt(h.kind(), h.value()));
        }
        return new Message(raw.payload(), handles);
    }

    /** Closes the OS objects of a message nobody will see. */
    static void discard(RawMessage raw) {
        for (RawHandle h : raw.handles()) {
            Backends.get().closeHandle(h.kind(), h.value());
        }
    }
}
