package dev.gips.macos;

import dev.gips.ipc.Credentials;
import dev.gips.spi.AbstractClientChannel;
import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The server's channel to one client: a send right to the client's reply port, held with exactly one user
 * reference. Closing it drops that reference; the client, which asked for a no-senders notification on its reply
 * port, then sees the end of the connection.
 */
final class MachClient extends AbstractClientChannel implements Pollable {
    private final MachListener listener;
    final int port;
    private final Credentials credentials;
    private final ReleaseGate gate;
    private final Sender sender;

    MachClient(MachListener listener, int port, Credentials credentials) {
        this.listener = listener;
        this.port = port;
        this.credentials = credentials;
        this.sender = new Sender(listener.where(), "mach_msg reply to pid " + credentials.pid());
        this.gate = new ReleaseGate(() -> {
            sender.close();
            listener.forget(this);
        });
    }

    @Override
    public Credentials credentials() {
        return credentials;
    }

    @Override
    protected boolean transmit(ByteBuffer payload, long[] handles, boolean wait) throws IOException {
        gate.enter();
        try {
            // no reply port: gips 0.2.0 gives the client a send right to the service it never releases
            return sender.send(port, MachPort.MACH_PORT_NULL, 0, payload, handles, !wait, gate::isClosing);
        } finally {
            gate.exit();
        }
    }

    @Override
    public boolean isOpen() {
        return !gate.isClosing();
    }

    @Override
    public void close() {
        gate.close(() -> {});
    }

    /** None: its messages arrive on its listener's port set. */
    @Override
    public int portSet() {
        return MachPort.MACH_PORT_NULL;
    }

    /** Lets the listener report what it held back for this client. */
    @Override
    protected boolean startReporting() {
        return listener.admitted(this);
    }
}
