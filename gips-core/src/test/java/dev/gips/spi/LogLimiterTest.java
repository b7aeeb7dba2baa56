package dev.gips.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.SubstituteLogger;

/** Issue 16, item 8: the first few WARN lines of an interval one by one, then one summary line with the count. */
class LogLimiterTest {
    private final Queue<SubstituteLoggingEvent> lines = new ArrayDeque<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private final LogLimiter limiter = new LogLimiter(
            new EventRecordingLogger(new SubstituteLogger("test", lines, false), lines),
            "{} more refused in {} s", 3, 10_000_000_000L, now::get);

    @Test
    void theFirstEventsOfAnIntervalAreLoggedAndTheRestSummedUpWhenTheNextIntervalStarts() {
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.permit(), "event " + i);
        }
        for (int i = 0; i < 100_000; i++) {
            assertFalse(limiter.permit());
        }
        assertTrue(lines.isEmpty(), "the limiter logs only summaries itself");
        now.addAndGet(10_000_000_000L);
        assertTrue(limiter.permit(), "a new interval");
        assertEquals(1, lines.size());
        SubstituteLoggingEvent summary = lines.poll();
        assertEquals(Level.WARN, summary.getLevel());
        assertEquals("{} more refused in {} s", summary.getMessage());
        assertArrayEquals(new Object[] {100_000L, 10L}, summary.getArgumentArray());
    }

    @Test
    void flushLogsWhatWasCountedOnceAndNothingWhenNothingWas() {
        limiter.flush();
        assertTrue(lines.isEmpty());
        for (int i = 0; i < 5; i++) {
            limiter.permit();
        }
        limiter.flush();
        limiter.flush();
        assertEquals(1, lines.size());
        assertArrayEquals(new Object[] {2L, 10L}, lines.poll().getArgumentArray());
        now.addAndGet(20_000_000_000L);
        assertTrue(limiter.permit());
        assertTrue(lines.isEmpty(), "nothing left to sum up");
    }
}
