package dev.gips.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A service admitted a client: its policy accepted the kernel-vouched credentials. */
@Name("dev.gips.ClientConnected")
@Label("IPC Client Connected")
@Description("A Listener admitted a client after checking its credentials against the service's policy")
public final class ClientConnectedEvent extends ClientEvent {
}
