package dev.gips.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The serving process ran out of file descriptors: a new client was shed, or a message's descriptors were lost. */
@Name("dev.gips.DescriptorsExhausted")
@Label("IPC Descriptors Exhausted")
@Category("gips")
@Description("This process was out of file descriptors (EMFILE/ENFILE): a Listener accepted and closed a new client at"
        + " once, or could not receive a client's message whole because the kernel could not install its descriptors"
        + " here, and dropped that client; the server's own shortage, not something the client did")
@Enabled(false)
@StackTrace(false)
public final class DescriptorsExhaustedEvent extends Event {
    @Label("Service")
    String service;

    @Label("Operation")
    @Description("accept: a new client was accepted and closed at once; receive: a message was lost and its client"
            + " dropped")
    String operation;

    @Label("Client PID")
    @Description("The client whose message was lost (receive), else 0")
    long pid;

    @Label("Descriptors Received")
    @Description("How many of the message's descriptors the kernel did install before it gave up (receive)")
    int received;
}
