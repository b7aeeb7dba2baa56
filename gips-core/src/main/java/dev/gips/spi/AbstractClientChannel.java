package dev.gips.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * What every backend's {@link ClientChannel} does alike, written once: it keeps the object core attaches when it
 * admits the client, funnels the four sends into one method, and, for a backend that reads a client before core has
 * decided about it (macOS and Windows do; Linux leaves an unadmitted client's socket unread), holds back that
 * client's arrivals until core admits it.
 *
 * <p>A backend provides {@link #transmit(ByteBuffer, long[], boolean)} (and, to send an array without wrapping it,
 * {@link #transmit(byte[], long[], boolean)}), {@link #startReporting()}, and {@code credentials}, {@code isOpen}
 * and {@code close}, which differ per OS.
 *
 * <p>Held arrivals: the backend's listener calls {@link #isAdmitted()}, {@link #hold}, {@link #admitInto} and
 * {@link #discardHeld} under one lock of its own, the same for all of a listener's clients; core never calls them.
 */
public abstract class AbstractClientChannel implements ClientChannel {
    private volatile Object attachment;
    private boolean admitted;            // guarded by the listener's lock
    private ArrayDeque<Arrival> held;    // guarded by the listener's lock; made by the first hold

    /** For subclasses. */
    protected AbstractClientChannel() {}

    @Override
    public final void send(ByteBuffer payload, long[] handles) throws IOException {
        transmit(payload, handles, true);
    }

    @Override
    public final void send(byte[] payload, long[] handles) throws IOException {
        transmit(payload, handles, true);
    }

    @Override
    public final boolean trySend(ByteBuffer payload, long[] handles) throws IOException {
        return transmit(payload, handles, false);
    }

    @Override
    public final boolean trySend(byte[] payload, long[] handles) throws IOException {
        return transmit(payload, handles, false);
    }

    /**
     * Sends one message whole, as {@link ClientChannel#send} ({@code wait}) or {@link ClientChannel#trySend} (not
     * {@code wait}) say: the buffer's position is not changed and the handles are not consumed.
     *
     * @return {@code false} if {@code wait} is false and the message could not be sent without waiting (nothing was
     *         sent); else {@code true}
     */
    protected abstract boolean transmit(ByteBuffer payload, long[] handles, boolean wait) throws IOException;

    /**
     * {@link #transmit(ByteBuffer, long[], boolean)} of a whole array. This one wraps it; a backend overrides it so
     * that a steady-state send allocates nothing.
     */
    protected boolean transmit(byte[] payload, long[] handles, boolean wait) throws IOException {
        return transmit(ByteBuffer.wrap(payload), handles, wait);
    }

    @Override
    public final Object attachment() {
        return attachment;
    }

    /**
     * Sets the attachment (a volatile write, before anything of the client can be reported), then
     * {@link #startReporting()}.
     */
    @Override
    public final boolean admit(Object attachment) {
        this.attachment = attachment;
        return startReporting();
    }

    /**
     * Core admitted the client and its attachment is set: from now on the listener reports the client's messages and
     * departure, those held back first.
     *
     * @return {@code false} if the client cannot be served (it or its listener was closed meanwhile, or the OS refused
     *         to watch it); the channel is then closed and nothing of it is ever reported
     */
    protected abstract boolean startReporting();

    /** Whether {@link #admitInto} ran. Under the listener's lock. */
    public final boolean isAdmitted() {
        return admitted;
    }

    /**
     * Holds back an arrival (a message, or the departure) of a client core has not admitted yet. Under the listener's
     * lock.
     */
    public final void hold(Arrival arrival) {
        if (held == null) {
            held = new ArrayDeque<>();
        }
        held.add(arrival);
    }

    /**
     * Marks the client admitted and moves what was held for it to the end of {@code ready}, in order. Under the
     * listener's lock.
     *
     * @return whether anything was moved (a receiver may have to be woken)
     */
    public final boolean admitInto(Collection<? super Arrival> ready) {
        admitted = true;
        if (held == null || held.isEmpty()) {
            return false;
        }
        ready.addAll(held);
        held.clear();
        return true;
    }

    /**
     * Forgets what was held for a client that will never be admitted (refused, or gone with its listener), giving
     * each held message to {@code release}, which frees the OS handles it carries. Under the listener's lock.
     */
    public final void discardHeld(Consumer<RawMessage> release) {
        if (held == null) {
            return;
        }
        for (Arrival a : held) {
            if (a.message() != null) {
                release.accept(a.message());
            }
        }
        held.clear();
    }
}
