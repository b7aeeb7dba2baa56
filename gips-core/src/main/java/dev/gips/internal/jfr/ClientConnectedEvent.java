package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A service admitted a client: its policy accepted the kernel-vouched credentials. */
@Name("dev.gips.ClientConnected")
@Label("IPC Client Connected")
@Category("gips")
@Description("A Listener admitted a client after checking its credentials against the service's policy")
@Enabled(false)
@StackTrace(false)
public final class ClientConnectedEvent extends Event {
    @Label("Service")
    String service;

    @Label("Client PID")
    @Description("The client's process id, as the kernel reports it")
    long pid;

    @Label("Client UID")
    @Description("The client's user id (a SID on Windows)")
    String uid;
}
