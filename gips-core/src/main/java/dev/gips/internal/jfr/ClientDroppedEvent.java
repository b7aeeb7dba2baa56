package dev.gips.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A service dropped a client that broke the protocol (also logged at WARN, rate-limited). */
@Name("dev.gips.ClientDropped")
@Label("IPC Client Dropped")
@Description("A Listener disconnected a client that broke the protocol; the log shows only the first few per interval")
public final class ClientDroppedEvent extends ClientEvent {
    @Label("Reason")
    @Description("What the client did")
    String reason;
}
