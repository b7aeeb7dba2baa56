package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One message received, by a client ({@code Endpoint.recv}) or a server ({@code Listener.accept}). */
@Name("dev.gips.MessageReceived")
@Label("IPC Message Received")
@Category("gips")
@Description("A message returned by Endpoint.recv or Listener.accept; the duration includes the wait for it")
@Enabled(false)
@StackTrace(false)
public final class MessageReceivedEvent extends Event {
    @Label("Service")
    String service;

    @Label("Role")
    @Description("\"client\" for Endpoint.recv, \"server\" for Listener.accept")
    String role;

    @Label("Peer PID")
    @Description("The sending client's process id on the server side; 0 on the client side")
    long peerPid;

    @Label("Size")
    @Description("Payload size")
    @DataAmount
    long size;

    @Label("Handles")
    @Description("OS handles (file descriptors, ports, handles) carried by the message")
    int handles;
}
