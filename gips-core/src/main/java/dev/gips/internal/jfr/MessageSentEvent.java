package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One message sent, by a client ({@code Endpoint.send}) or a server ({@code Connection.reply}). */
@Name("dev.gips.MessageSent")
@Label("IPC Message Sent")
@Category("gips")
@Description("A message sent by Endpoint.send or Connection.reply; the duration includes waiting for the peer to"
        + " make room")
@Enabled(false)
@StackTrace(false)
public final class MessageSentEvent extends Event {
    @Label("Service")
    String service;

    @Label("Role")
    @Description("\"client\" for Endpoint.send, \"server\" for Connection.reply")
    String role;

    @Label("Peer PID")
    @Description("The client's process id for a server's reply; 0 on the client side")
    long peerPid;

    @Label("Size")
    @Description("Payload size")
    @DataAmount
    long size;

    @Label("Handles")
    @Description("OS handles (file descriptors, ports, handles) carried by the message")
    int handles;
}
