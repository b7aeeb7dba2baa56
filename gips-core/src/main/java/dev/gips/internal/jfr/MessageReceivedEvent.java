package dev.gips.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** One message received, by a client ({@code Endpoint.recv}) or a server ({@code Listener.accept}). */
@Name("dev.gips.MessageReceived")
@Label("IPC Message Received")
@Description("A message returned by Endpoint.recv or Listener.accept; the duration includes the wait for it")
public final class MessageReceivedEvent extends MessageEvent {
}
