package dev.gips.windows;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;

/** The one way receivers wait: on a Java condition the pump signals, so a virtual thread never holds a carrier. */
final class Waits {
    private Waits() {}

    /**
     * Waits on {@code changed} (whose lock the caller holds) for the rest of a receive's timeout.
     *
     * @param timeoutNanos as the SPI gives it: {@code < 0} forever, {@code 0} never
     * @param deadline     {@code System.nanoTime()} at the start plus {@code timeoutNanos}
     * @param where        the receiving channel, for the message of an interrupt
     * @return {@code false} if the time is up (the caller returns {@code null}), {@code true} to look again
     * @throws InterruptedIOException if the thread is interrupted (its interrupt status is kept)
     */
    static boolean await(Condition changed, long timeoutNanos, long deadline, Where where)
            throws InterruptedIOException {
        long left = deadline - System.nanoTime();
        if (timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0)) {
            return false;
        }
        try {
            if (timeoutNanos < 0) {
                changed.await();
            } else {
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(where.message("receive", "interrupted"));
        }
    }
}
