package dev.gips.windows;

import dev.gips.ipc.Credentials;
import dev.gips.spi.Arrival;
import dev.gips.spi.ClientChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's end of one client's pipe instance. Its messages and departure go to the {@link PipeListener}. */
final class PipeClient extends PipeChannel implements ClientChannel {
    private static final Logger LOG = LoggerFactory.getLogger(PipeClient.class);

    private final PipeListener listener;
    private final long pid;
    private volatile Credentials credentials;           // null until the kernel lets us impersonate the client
    private volatile Object attachment;
    private volatile boolean closedLocally;
    /** Whether core admitted this client; until then the listener holds its arrivals in {@link #held}. */
    boolean admitted;                                   // guarded by the listener's lock
    /** Messages and the departure of a client core has not admitted yet, in order. */
    final ArrayDeque<Arrival> held = new ArrayDeque<>(); // guarded by the listener's lock

    PipeClient(PipeListener listener, long pipe, long pid, long peerProcess, String peerProcessProblem,
            Credentials credentials, IoPort io) {
        super(listener.service(), listener.address(), pipe, peerProcess, peerProcessProblem, io);
        this.listener = listener;
        this.pid = pid;
        this.credentials = credentials;
    }

    @Override
    void delivered(RawMessage message) {
        if (credentials == null) {
            // the kernel wanted a message read before impersonation: now it has one
            try {
                credentials = WinIdentity.pipeClient(pipe, pid);
            } catch (IOException e) {
                LOG.warn("service \"{}\": dropped client pid {}: {}", service, pid, e.getMessage());
            }
            if (credentials == null) {
                discard(message);
                closeChannel();
                return;
            }
            listener.connected(this);
        }
        listener.arrived(this, message);
    }

    @Override
    void ended(String cause) {
        if (cause != null) {
            LOG.warn("service \"{}\": dropped client pid {}: {}", service, pid, cause);
        }
        if (credentials != null) {
            listener.departed(this);
        } else {
            listener.removed(this); // core never heard of it
        }
        closeChannel();
    }

    static void discard(RawMessage message) {
        for (RawHandle h : message.handles()) {
            Handles.close(h.value());
        }
    }

    /** Whether core has been told this client connected. */
    boolean announced() {
        return credentials != null;
    }

    @Override
    public Credentials credentials() {
        return credentials;
    }

    @Override
    public void send(ByteBuffer payload, long[] handles) throws IOException {
        write(payload, handles, true);
    }

    @Override
    public boolean trySend(ByteBuffer payload, long[] handles) throws IOException {
        return write(payload, handles, false);
    }

    @Override
    public boolean isOpen() {
        return !isClosing() && !isEnded();
    }

    /** Whether core (or the listener's close) closed this channel, as opposed to the client hanging up. */
    boolean closedLocally() {
        return closedLocally;
    }

    @Override
    public void close() {
        closedLocally = true;
        closeChannel();
        // also when the channel had ended already: a client that hung up before core refused it may have messages
        // held, which removed() closes
        listener.removed(this);
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    /** Sets the attachment, then lets the listener report what it held back for this client (see PipeListener). */
    @Override
    public boolean admit(Object attachment) {
        this.attachment = attachment;
        return listener.admitted(this);
    }
}
