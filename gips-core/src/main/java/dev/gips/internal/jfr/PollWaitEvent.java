package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One {@code Poller.poll} call: how long it waited and how many sources were ready. */
@Name("dev.gips.PollWait")
@Label("IPC Poll Wait")
@Category("gips")
@Description("A Poller.poll call; the duration is the time spent waiting for readiness")
@Enabled(false)
@StackTrace(false)
public final class PollWaitEvent extends Event {
    @Label("Ready")
    @Description("Events returned, the waker's included")
    int ready;

    @Label("Timeout")
    @Description("The timeout asked for; Long.MAX_VALUE when waiting forever")
    @Timespan(Timespan.NANOSECONDS)
    long timeout;

    @Label("Registrations")
    @Description("Sources registered with the poller when the wait began")
    int registrations;
}
