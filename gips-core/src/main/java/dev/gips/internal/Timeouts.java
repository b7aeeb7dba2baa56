package dev.gips.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The one conversion of a public {@link Duration} timeout into the SPI's {@code timeoutNanos}: {@value #FOREVER}
 * waits forever, {@value #NOW} never waits, anything else is the longest wait in nanoseconds.
 */
public final class Timeouts {
    private Timeouts() {}

    /** The SPI's "wait as long as it takes". */
    public static final long FOREVER = -1;
    /** The SPI's "don't wait". */
    public static final long NOW = 0;

    /**
     * {@code timeout} in nanoseconds: {@link #NOW} if it is zero or negative, saturated at {@link Long#MAX_VALUE}
     * (about 292 years) rather than overflowing.
     *
     * @throws NullPointerException if {@code timeout} is {@code null}: the calls that take one have a twin without
     *         it for waiting forever
     */
    public static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            return NOW;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** {@link #nanos}, with {@code null} for {@link #FOREVER}, as {@code Poller.poll} documents. */
    public static long nanosOrForever(Duration timeout) {
        return timeout == null ? FOREVER : nanos(timeout);
    }
}
