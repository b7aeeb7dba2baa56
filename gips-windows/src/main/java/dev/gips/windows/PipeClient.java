package dev.gips.windows;

import dev.gips.ipc.Credentials;
import dev.gips.spi.AbstractClientChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's end of one client's pipe instance. Its messages and departure go to the {@link PipeListener}. */
final class PipeClient extends AbstractClientChannel implements PipeChannel.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(PipeClient.class);

    private final PipeListener listener;
    private final PipeChannel channel;
    private final long pid;
    private volatile Credentials credentials;           // null until the kernel lets us impersonate the client
    private volatile boolean closedLocally;

    PipeClient(PipeListener listener, long pipe, long pid, long peerProcess, String peerProcessProblem,
            Credentials credentials, IoPort io) {
        this.listener = listener;
        this.channel = new PipeChannel(this, listener.where(), pipe, peerProcess, peerProcessProblem, io);
        this.pid = pid;
        this.credentials = credentials;
    }

    @Override
    public void delivered(RawMessage message) {
        if (credentials == null) {
            // the kernel wanted a message read before impersonation: now it has one
            try {
                credentials = Identity.pipeClient(channel.pipe, pid);
            } catch (IOException e) {
                LOG.warn("service \"{}\": dropped client pid {}: {}", channel.where.service(), pid, e.getMessage());
            }
            if (credentials == null) {
                discard(message);
                channel.closeChannel();
                return;
            }
            listener.connected(this);
        }
        listener.arrived(this, message);
    }

    @Override
    public void ended(String cause) {
        if (cause != null) {
            LOG.warn("service \"{}\": dropped client pid {}: {}", channel.where.service(), pid, cause);
        }
        if (credentials != null) {
            listener.departed(this);
        } else {
            listener.removed(this); // core never heard of it
        }
        channel.closeChannel();
    }

    static void discard(RawMessage message) {
        for (RawHandle h : message.handles()) {
            Handles.close(h.value());
        }
    }

    @Override
    public Credentials credentials() {
        return credentials;
    }

    @Override
    protected boolean transmit(ByteBuffer payload, long[] handles, boolean wait) throws IOException {
        return channel.write(payload, handles, wait);
    }

    @Override
    public boolean isOpen() {
        return !channel.isClosing() && !channel.isEnded();
    }

    /** Whether core (or the listener's close) closed this channel, as opposed to the client hanging up. */
    boolean closedLocally() {
        return closedLocally;
    }

    @Override
    public void close() {
        closedLocally = true;
        channel.closeChannel();
        // also when the channel had ended already: a client that hung up before core refused it may have messages
        // held, which removed() closes
        listener.removed(this);
    }

    /** Lets the listener report what it held back for this client (see PipeListener). */
    @Override
    protected boolean startReporting() {
        return listener.admitted(this);
    }

    @Override
    public PipeChannel channel() {
        return channel;
    }
}
