package dev.gips.spi;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The server's channel to one client. {@link #send} is thread-safe. */
public interface ClientChannel {
    /** The client's credentials, taken from the kernel when it connected. */
    Credentials credentials();

    /**
     * Sends one message, whole. The payload is sent from position to limit; the buffer's position is not changed.
     * The handles are not consumed.
     */
    void send(ByteBuffer payload, long[] handles) throws IOException;

    /**
     * Sends all of {@code payload} as one message, like {@link #send(ByteBuffer, long[])}; a backend overrides this
     * to send an array without wrapping it, so that a steady-state send allocates nothing.
     */
    default void send(byte[] payload, long[] handles) throws IOException {
        send(ByteBuffer.wrap(payload), handles);
    }

    /**
     * Sends one message whole if that can be done without waiting for the client to read, else sends nothing.
     * Like {@link #send}, the buffer's position is not changed and the handles are not consumed.
     *
     * @return {@code false} if the client's socket or pipe is full and nothing was sent
     */
    boolean trySend(ByteBuffer payload, long[] handles) throws IOException;

    /** {@link #trySend(ByteBuffer, long[])} of a whole array; backends override it as they do {@code send(byte[])}. */
    default boolean trySend(byte[] payload, long[] handles) throws IOException {
        return trySend(ByteBuffer.wrap(payload), handles);
    }

    /** {@code false} once either side closed the channel. */
    boolean isOpen();

    /** Disconnects the client; idempotent. */
    void close();

    /** The object core attached with {@link #attach}. */
    Object attachment();

    /** Attaches core's state (its {@code Connection}) to this channel. */
    void attach(Object attachment);
}
