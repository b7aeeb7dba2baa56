package dev.gips.spi;

import java.util.List;

/**
 * A received message as a backend hands it to core. The handles are owned by the message: core adopts them into
 * {@link dev.gips.ipc.Handle}s at once.
 *
 * @param payload the payload, never {@code null}
 * @param handles the received OS objects, in the order they were sent
 */
public record RawMessage(byte[] payload, List<RawHandle> handles) {
    public RawMessage {
        handles = List.copyOf(handles);
    }
}
