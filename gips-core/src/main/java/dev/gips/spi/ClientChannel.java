package dev.gips.spi;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The server's channel to one client. {@link #send} is thread-safe. */
public interface ClientChannel extends SourceChannel {
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

    /** The object core gave {@link #admit}; {@code null} before. */
    Object attachment();

    /**
     * Admits the client, which the listener reported {@code CONNECTED} and core's policy accepted, and attaches
     * core's state (its {@code Connection}) to it. Only from now on does the listener report the client's messages
     * and departure, each with {@link #attachment()} already set: a backend must not read a client, or report anything
     * of it, before this call (so no other thread in {@link ListenerChannel#receive} can take a message core has not
     * admitted yet). A client core refuses is closed instead, never admitted; whatever it sent is discarded unread.
     *
     * @return {@code false} if the client cannot be served (it or its listener was closed meanwhile, or the OS
     *         refused to watch it); the channel is then closed and nothing of it is ever reported
     */
    boolean admit(Object attachment);
}
