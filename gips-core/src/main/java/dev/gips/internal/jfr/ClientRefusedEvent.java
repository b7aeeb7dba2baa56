package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A service refused a client by policy and disconnected it (also logged at WARN). */
@Name("dev.gips.ClientRefused")
@Label("IPC Client Refused")
@Category("gips")
@Description("A Listener refused a client because its credentials do not satisfy the service's policy")
@Enabled(false)
@StackTrace(false)
public final class ClientRefusedEvent extends Event {
    @Label("Service")
    String service;

    @Label("Client PID")
    long pid;

    @Label("Client UID")
    String uid;

    @Label("Client Groups")
    @Description("The client's primary group, then its supplementary groups")
    String groups;

    @Label("Reason")
    @Description("Why the policy refused the client")
    String reason;
}
