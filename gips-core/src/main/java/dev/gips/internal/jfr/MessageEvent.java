package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/** What a sent and a received message both record (see {@link ClientEvent} on inherited fields). */
@Category("gips")
@Enabled(false)
@StackTrace(false)
abstract class MessageEvent extends Event {
    @Label("Service")
    String service;

    @Label("Role")
    @Description("\"client\" for an Endpoint, \"server\" for a Listener and its Connections")
    String role;

    @Label("Peer PID")
    @Description("The client's process id on the server side; 0 on the client side")
    long peerPid;

    @Label("Size")
    @Description("Payload size")
    @DataAmount
    long size;

    @Label("Handles")
    @Description("OS handles (file descriptors, ports, handles) carried by the message")
    int handles;

    /** Fills in the fields above. */
    final void message(String service, String role, long peerPid, long size, int handles) {
        this.service = service;
        this.role = role;
        this.peerPid = peerPid;
        this.size = size;
        this.handles = handles;
    }
}
