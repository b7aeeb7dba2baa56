package dev.gips.spi;

import java.io.IOException;

/**
 * A backend's readiness poller. Sources ({@link SourceChannel}) are the SPI channels behind the public
 * {@code Listener} ({@link ListenerChannel}), {@code Endpoint} ({@link EndpointChannel}) and {@code Connection}
 * ({@link ClientChannel}); a poller is only ever given its own backend's channels.
 * Readiness is level-triggered: a source stays reported while it has something to receive. Token 0 is the waker's.
 */
public interface PollerChannel {
    /** Interest and readiness bit: something to receive. */
    int READABLE = 1;
    /** Interest and readiness bit: a send would not block. */
    int WRITABLE = 2;

    /** Starts watching {@code source} for {@code interest} under {@code token}. */
    void register(SourceChannel source, long token, int interest) throws IOException;

    /** Changes what {@code source} is watched for. */
    void reregister(SourceChannel source, long token, int interest) throws IOException;

    /** Stops watching {@code source}; nothing is reported for it afterwards. */
    void deregister(SourceChannel source) throws IOException;

    /**
     * Waits for readiness and stores up to {@code tokens.length} events.
     *
     * @param timeoutNanos {@code < 0}: forever; {@code 0}: never block
     * @return the number of events stored in {@code tokens} and {@code readiness}
     * @throws java.nio.channels.AsynchronousCloseException if the poller was closed while waiting
     */
    int poll(long[] tokens, int[] readiness, long timeoutNanos) throws IOException;

    /** Makes a current or the next {@link #poll} return with the waker's event (token 0). */
    void wake() throws IOException;

    /** Closes the poller; idempotent; wakes a thread in {@link #poll}. */
    void close();
}
