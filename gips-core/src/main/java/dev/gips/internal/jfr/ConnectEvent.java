package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A client connected to a service; the duration is that of the connect call. */
@Name("dev.gips.Connect")
@Label("IPC Connect")
@Category("gips")
@Description("An Endpoint connected to a service")
@Enabled(false)
@StackTrace(true)
public final class ConnectEvent extends Event {
    @Label("Service")
    @Description("The service name as the application gave it")
    String service;

    @Label("Address")
    @Description("Where the service lives on this OS (socket path, @abstract name, pipe or bootstrap name)")
    String address;
}
