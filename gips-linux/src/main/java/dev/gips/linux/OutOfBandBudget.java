package dev.gips.linux;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's budget for out-of-band payloads in flight: the most bytes of them that its threads read from their
 * memfds into new arrays at once, from a payload's check to the moment {@code receive} hands it to core. A thread whose
 * payload would go over waits, outside the receive lock (other threads go on serving other clients), until reads under
 * way finish: a permit per byte. The system property {@code gips.linux.outOfBandInFlight} (bytes) sets it for
 * listeners bound afterwards: default {@value #DEFAULT} bytes, at least the 16 MiB of one payload, at most 1 GiB. What
 * the application keeps of payloads it was given is its own.
 */
final class OutOfBandBudget {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketListener.class);
    /** The default budget: 64 MiB. */
    static final int DEFAULT = 64 << 20;

    private final Where where;
    private final Semaphore permits = new Semaphore(configured(), true);
    /** The most bytes of out-of-band payloads that were in flight at once, for tests. */
    final AtomicLong peak = new AtomicLong();
    private final AtomicLong now = new AtomicLong();

    OutOfBandBudget(Where where) {
        this.where = where;
    }

    private static int configured() {
        long v = DEFAULT;
        String p = System.getProperty("gips.linux.outOfBandInFlight");
        if (p != null) {
            try {
                v = Long.parseLong(p.strip());
            } catch (NumberFormatException e) {
                LOG.warn("gips.linux.outOfBandInFlight=\"{}\" is not a number of bytes; using {}", p, v);
            }
        }
        return (int) Math.clamp(v, Limits.MAX_PAYLOAD, 1L << 30);
    }

    /**
     * Reads client {@code c}'s out-of-band payload of {@code length} bytes within the budget, outside the receive
     * lock; meanwhile the client is out of the epoll interest (so no other thread reads its next message before this
     * one is delivered), and it is watched again afterwards. Closes the memfd.
     *
     * @return the payload, or {@code null} if the client was closed meanwhile or its memfd could not be read (the
     *         client is closed then)
     */
    byte[] read(SeqpacketClient c, int memfd, long length) {
        int bytes = (int) length;
        permits.acquireUninterruptibly(bytes);
        peak.accumulateAndGet(now.addAndGet(bytes), Math::max);
        try {
            byte[] payload = OutOfBand.read(memfd, length, Native.threadCapture(), where);
            return c.isOpen() ? payload : null;
        } catch (IOException e) {
            c.dropForBadPayload(e);
            return null;
        } finally {
            now.addAndGet(-bytes);
            permits.release(bytes);
            Fds.closeQuietly(memfd);
            c.resumeAfterCopy();
        }
    }
}
