package dev.gips.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** One message sent, by a client ({@code Endpoint.send}) or a server ({@code Connection.reply}). */
@Name("dev.gips.MessageSent")
@Label("IPC Message Sent")
@Description("A message sent by Endpoint.send or Connection.reply; the duration includes waiting for the peer to"
        + " make room")
public final class MessageSentEvent extends MessageEvent {
}
