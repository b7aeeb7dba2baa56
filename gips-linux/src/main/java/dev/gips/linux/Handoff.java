package dev.gips.linux;

import dev.gips.spi.Arrival;

/**
 * What a listener's receive took under its lock, on its way to the caller as an {@link Arrival}: the kind of
 * arrival, the client, and for a message its payload and descriptors (or the memfd of an out-of-band payload still to
 * read). Each receiving thread has its own (see {@code SeqpacketListener.receive}), reused for every arrival, so that
 * nothing is allocated to carry an arrival out of the locked part; the {@code Arrival} and its {@code RawMessage} are
 * made last, by {@link #arrival()}, in a frame small enough for the JIT to inline into the caller
 * ({@code Listener.accept}), where escape analysis can then remove them.
 */
final class Handoff {
    private Arrival.Kind kind;
    private SeqpacketClient client;
    private byte[] payload;
    private int[] fds;
    private int memfd = -1;
    private long outOfBandLength;

    void connected(SeqpacketClient c) {
        set(Arrival.Kind.CONNECTED, c);
    }

    void disconnected(SeqpacketClient c) {
        set(Arrival.Kind.DISCONNECTED, c);
    }

    private void set(Arrival.Kind k, SeqpacketClient c) {
        kind = k;
        client = c;
        payload = null;
        fds = null;
        memfd = -1;
    }

    /**
     * A message of {@code c}: {@code payload}, and what the receive left in {@code b}: the descriptors and, for an
     * out-of-band payload, the memfd to read it from (then {@code payload} is the marker).
     */
    void message(SeqpacketClient c, byte[] payload, MsgBuffers b) {
        kind = Arrival.Kind.MESSAGE;
        client = c;
        this.payload = payload;
        fds = b.takeFds();
        memfd = b.takeOutOfBandFd();
        outOfBandLength = b.outOfBandLength();
    }

    /**
     * Reads the payload of an out-of-band message, if it is one, within {@code budget}; outside the receive lock. If
     * it cannot be read, or the client closed meanwhile, the arrival becomes the client's departure.
     */
    void readOutOfBand(OutOfBandBudget budget) {
        if (memfd < 0) {
            return;
        }
        int fd = memfd;
        memfd = -1;
        payload = budget.read(client, fd, outOfBandLength);
        if (payload == null) {
            Fds.closeAll(fds);
            kind = Arrival.Kind.DISCONNECTED;
        }
    }

    /** The arrival, handed out once: this handoff holds nothing of it afterwards. */
    Arrival arrival() {
        Arrival.Kind k = kind;
        SeqpacketClient c = client;
        byte[] p = payload;
        int[] f = fds;
        client = null;
        payload = null;
        fds = null;
        return new Arrival(k, c, k == Arrival.Kind.MESSAGE ? Wire.message(p, f) : null);
    }
}
