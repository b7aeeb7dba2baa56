package dev.gips.spi;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Rate-limits one kind of WARN line of one listener (refused clients, clients dropped for breaking the protocol, the
 * process running out of descriptors), so that a local process that connects or misbehaves in a loop cannot flood
 * the log: the first {@link #BURST} events of every {@link #INTERVAL_SECONDS}-second interval are logged one by one
 * (the caller logs them when {@link #permit()} says so); the others are only counted, and the count is logged in one
 * summary line when the next event after the interval comes, or at {@link #flush()} (a listener's close). JFR events
 * still record every one. Thread-safe.
 */
public final class LogLimiter {
    /** Events logged one by one per interval. */
    public static final int BURST = 10;
    /** The interval, in seconds. */
    public static final int INTERVAL_SECONDS = 10;

    private final Logger log;
    private final String summary;
    private final int burst;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long windowStart;   // guarded by this
    private int logged;         // guarded by this: events logged in the current interval
    private long suppressed;    // guarded by this: events counted, not logged, in the current interval
    private boolean started;    // guarded by this

    /**
     * A limiter of {@link #BURST} lines per {@link #INTERVAL_SECONDS} seconds.
     *
     * @param summary the summary line, an SLF4J pattern with two arguments: the number of events not logged and the
     *                interval's length in seconds (for example {@code "service \"x\": {} more clients refused in
     *                the last {} s"})
     */
    public LogLimiter(Logger log, String summary) {
        this(log, summary, BURST, TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS), System::nanoTime);
    }

    /** A limiter with its own burst, interval and clock (nanoseconds), for tests. */
    public LogLimiter(Logger log, String summary, int burst, long intervalNanos, LongSupplier clock) {
        this.log = log;
        this.summary = summary;
        this.burst = burst;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    /**
     * Counts one event. Returns whether the caller logs it in full; if not, it is in the next summary. Logs the
     * summary of the last interval first if this event starts a new one.
     */
    public boolean permit() {
        long now = clock.getAsLong();
        synchronized (this) {
            if (!started || now - windowStart >= intervalNanos) {
                summarizeLocked();
                started = true;
                windowStart = now;
                logged = 0;
            }
            if (logged < burst) {
                logged++;
                return true;
            }
            suppressed++;
            return false;
        }
    }

    /** Logs the summary of the events not yet logged, if any. */
    public synchronized void flush() {
        summarizeLocked();
    }

    private void summarizeLocked() {
        if (suppressed > 0) {
            log.warn(summary, suppressed, TimeUnit.NANOSECONDS.toSeconds(intervalNanos));
            suppressed = 0;
        }
    }
}
