package dev.gips.poll;

import java.io.IOException;
import java.time.Duration;

/**
 * Waits for readiness on many {@link Source}s with one thread: epoll on Linux, kqueue on macOS, IOCP on Windows.
 * Readiness is level-triggered: a source stays reported while it has something to receive.
 *
 * <p>Not implemented yet: every method throws {@link UnsupportedOperationException} until the polling issue lands.
 */
public final class Poller implements AutoCloseable {
    private Poller() {}

    /**
     * A new poller with its waker.
     *
     * @throws IOException if the OS refused
     */
    public static Poller create() throws IOException {
        throw notYet();
    }

    /** Registers {@code source}; returns its token (from 1 upward). */
    public Token register(Source source, Interest interest) throws IOException {
        throw notYet();
    }

    /** Changes the interest of a registration. */
    public void reregister(Source source, Token token, Interest interest) throws IOException {
        throw notYet();
    }

    /** Removes a registration; no events for it follow. */
    public void deregister(Source source, Token token) throws IOException {
        throw notYet();
    }

    /** Clears {@code events}, then waits at most {@code timeout} ({@code null}: forever) for events. */
    public void poll(Events events, Duration timeout) throws IOException {
        throw notYet();
    }

    /** Makes a blocked {@link #poll} return with a {@link Event#fromWaker()} event; from any thread. */
    public void wake() throws IOException {
        throw notYet();
    }

    /** Closes the poller; idempotent. */
    @Override
    public void close() {}

    private static UnsupportedOperationException notYet() {
        return new UnsupportedOperationException("Poller is not implemented yet (issue 3)");
    }
}
