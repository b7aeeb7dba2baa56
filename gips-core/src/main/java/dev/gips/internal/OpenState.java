package dev.gips.internal;

import dev.gips.spi.IoErrors;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Whether one of core's public objects ({@code Listener}, {@code Endpoint}, {@code Connection}, {@code Poller}) is
 * closed: closed once, by the first {@link #close()}; afterwards {@link #ensureOpen()} throws a
 * {@link ClosedException} that names the object.
 */
public final class OpenState {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(OpenState.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    private final String service;
    private final String address;
    private volatile boolean closed;

    /**
     * The state of an open object, named in messages as {@link IoErrors#message} names it.
     *
     * @param what    the object, e.g. {@code "Listener"}
     * @param service its service, or {@code null}
     * @param address where the service lives, or {@code null}
     */
    public OpenState(String what, String service, String address) {
        this.what = what;
        this.service = service;
        this.address = address;
    }

    /** Marks the object closed; {@code true} only for the call that did, which then releases what it holds. */
    public boolean close() {
        return CLOSED.compareAndSet(this, false, true);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** @throws ClosedException if {@link #close()} was called */
    public void ensureOpen() throws ClosedException {
        if (closed) {
            throw closedException();
        }
    }

    /** What a call on the closed object throws: {@code Listener "svc" (/tmp/svc): closed}. */
    public ClosedException closedException() {
        return new ClosedException(IoErrors.message(what, service, address, "closed"));
    }

    /** {@code what[details]}, or {@code what[details, closed]}: the object's {@code toString}. */
    public String describe(String details) {
        return what + "[" + details + (closed ? ", closed]" : "]");
    }
}
