package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A service dropped a client that broke the protocol (also logged at WARN, rate-limited). */
@Name("dev.gips.ClientDropped")
@Label("IPC Client Dropped")
@Category("gips")
@Description("A Listener disconnected a client that broke the protocol; the log shows only the first few per interval")
@Enabled(false)
@StackTrace(false)
public final class ClientDroppedEvent extends Event {
    @Label("Service")
    String service;

    @Label("Client PID")
    long pid;

    @Label("Client UID")
    String uid;

    @Label("Reason")
    @Description("What the client did")
    String reason;
}
