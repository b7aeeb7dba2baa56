package dev.gips.spi;

import java.io.IOException;

/** The server side of a bound service. Thread-safe. */
public interface ListenerChannel extends SourceChannel {
    /**
     * Returns the next arrival from any client. Any number of threads may call this at once; a client's messages are
     * reported only once core has admitted it ({@link ClientChannel#admit}).
     *
     * @param timeoutNanos {@code < 0}: wait forever; {@code 0}: never block; otherwise the longest wait
     * @return the arrival, or {@code null} when the timeout passed first
     * @throws java.nio.channels.AsynchronousCloseException if the channel was closed while waiting
     * @throws IOException if the service itself failed (never because of what a client did)
     */
    Arrival receive(long timeoutNanos) throws IOException;

    /** Where the service lives, for messages (e.g. {@code /tmp/com.example.echo}). */
    String address();

    /** Closes the service and every client channel; idempotent; wakes threads in {@link #receive}. */
    void close();
}
