package dev.gips.spi;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The client side of a connection to a service. Thread-safe; receive and send may run at once. */
public interface EndpointChannel extends SourceChannel {
    /** Sends one message, whole; see {@link ClientChannel#send}. */
    void send(ByteBuffer payload, long[] handles) throws IOException;

    /**
     * Sends all of {@code payload} as one message, like {@link #send(ByteBuffer, long[])}; a backend overrides this
     * to send an array without wrapping it, so that a steady-state send allocates nothing.
     */
    default void send(byte[] payload, long[] handles) throws IOException {
        send(ByteBuffer.wrap(payload), handles);
    }

    /**
     * Receives the next message.
     *
     * @param timeoutNanos as in {@link ListenerChannel#receive}
     * @return the message, or {@code null} when the timeout passed first
     * @throws java.io.EOFException when the service hung up
     */
    RawMessage receive(long timeoutNanos) throws IOException;

    /** The service's credentials, taken from the kernel at connect. */
    Credentials peerCredentials() throws IOException;

    /** Where the service lives, for messages. */
    String address();

    /** Closes the connection; idempotent; wakes threads in {@link #receive}. */
    void close();
}
