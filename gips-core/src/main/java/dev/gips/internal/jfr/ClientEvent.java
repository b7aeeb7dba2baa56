package dev.gips.internal.jfr;

import dev.gips.ipc.Credentials;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * What every event about one client of a service records: the service and who the kernel says the client is. JFR
 * records a superclass's fields with each subclass's; an abstract event class is never registered itself.
 */
@Category("gips")
@Enabled(false)
@StackTrace(false)
abstract class ClientEvent extends Event {
    @Label("Service")
    String service;

    @Label("Client PID")
    @Description("The client's process id, as the kernel reports it")
    long pid;

    @Label("Client UID")
    @Description("The client's user id (a SID on Windows)")
    String uid;

    /** Fills in the fields above. */
    final void client(String service, Credentials c) {
        this.service = service;
        this.pid = c.pid();
        this.uid = c.uid();
    }
}
