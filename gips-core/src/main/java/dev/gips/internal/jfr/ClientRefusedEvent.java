package dev.gips.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A service refused a client by policy and disconnected it (also logged at WARN). */
@Name("dev.gips.ClientRefused")
@Label("IPC Client Refused")
@Description("A Listener refused a client because its credentials do not satisfy the service's policy")
public final class ClientRefusedEvent extends ClientEvent {
    @Label("Client Groups")
    @Description("The client's primary group, then its supplementary groups")
    String groups;

    @Label("Reason")
    @Description("Why the policy refused the client")
    String reason;
}
