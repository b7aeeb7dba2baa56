package dev.gips.ipc;

import dev.gips.internal.ClosedException;
import dev.gips.internal.jfr.ConnectEvent;
import dev.gips.internal.jfr.Jfr;
import dev.gips.internal.jfr.MessageReceivedEvent;
import dev.gips.internal.jfr.MessageSentEvent;
import dev.gips.poll.Source;
import dev.gips.spi.Backends;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.IoErrors;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's connection to a service: the client side of gips IPC.
 *
 * {@snippet :
 * try (Endpoint endpoint = Endpoint.connect("com.example.echo")) {
 *     endpoint.send("Hello from client!".getBytes(StandardCharsets.UTF_8));
 *     try (Message reply = endpoint.recv()) {
 *         String text = new String(reply.payload(), StandardCharsets.UTF_8);
 *     }
 * }
 * }
 *
 * <p>A service that refuses this client by policy may still let {@code connect} succeed; the refusal shows as
 * {@link java.io.EOFException} from the next {@code recv}.
 *
 * <p>Thread safety: {@code send} may be called from several threads at once (each message goes out whole), and
 * {@code recv} and {@code send} may run at the same time on different threads. A thread blocked in {@code recv}
 * when another thread calls {@link #close()} gets an {@link java.nio.channels.AsynchronousCloseException}.
 */
public final class Endpoint implements Source, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);

    private final ServiceDescriptor descriptor;
    private final EndpointChannel channel;
    private volatile boolean closed;

    private Endpoint(ServiceDescriptor descriptor, EndpointChannel channel) {
        this.descriptor = descriptor;
        this.channel = channel;
    }

    /**
     * Connects to the service {@code name}.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws IOException naming the service if it does not exist or refuses connections
     */
    public static Endpoint connect(String name) throws IOException {
        return connect(new ServiceDescriptor(name));
    }

    /**
     * Connects to the service of {@code descriptor}. Its policy is not used: a client cannot choose who serves it
     * through the descriptor; check {@link #peerCredentials()} instead.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws IOException naming the service if it does not exist or refuses connections
     */
    public static Endpoint connect(ServiceDescriptor descriptor) throws IOException {
        Objects.requireNonNull(descriptor, "descriptor");
        ConnectEvent jfr = Jfr.beginConnect();
        EndpointChannel channel = Backends.get().connect(descriptor);
        Jfr.connected(jfr, descriptor.name(), channel.address());
        LOG.debug("connected to service \"{}\" at {}", descriptor.name(), channel.address());
        return new Endpoint(descriptor, channel);
    }

    /**
     * Sends a message without handles: the same as {@link #send(byte[], Handle...)} with none, without the empty
     * array a varargs call allocates, so that a steady stream of sends allocates nothing.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the service has gone or the OS refused the message
     */
    public void send(byte[] payload) throws IOException {
        send(payload, Outgoing.NO_HANDLES);
    }

    /**
     * Sends a message; the handles are copied to the peer and stay open here.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the service has gone or the OS refused the message
     */
    public void send(byte[] payload, Handle... handles) throws IOException {
        Objects.requireNonNull(payload, "payload");
        long[] raw = Outgoing.check(payload.length, handles);
        ensureOpen();
        MessageSentEvent jfr = Jfr.beginSend(descriptor.name(), "client", 0, payload.length, raw.length);
        channel.send(payload, raw);
        Jfr.sent(jfr);
    }

    /**
     * Sends the bytes of {@code payload} (heap or direct) from its position to its limit, then sets its position
     * to its limit.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the service has gone or the OS refused the message
     */
    public void send(ByteBuffer payload, List<Handle> handles) throws IOException {
        Objects.requireNonNull(payload, "payload");
        long[] raw = Outgoing.check(payload.remaining(), handles);
        ensureOpen();
        MessageSentEvent jfr = Jfr.beginSend(descriptor.name(), "client", 0, payload.remaining(), raw.length);
        channel.send(payload, raw);
        Jfr.sent(jfr);
        payload.position(payload.limit());
    }

    /**
     * Waits for the next message.
     *
     * @throws java.io.EOFException when the service has hung up (or refused this client)
     * @throws ClosedChannelException if the endpoint is closed ({@link java.nio.channels.AsynchronousCloseException}
     *         if that happened while waiting)
     */
    public Message recv() throws IOException {
        return Incoming.adopt(receive(-1));
    }

    /**
     * Returns the next message if one is waiting; never blocks.
     *
     * @throws java.io.EOFException when the service has hung up
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Optional<Message> tryRecv() throws IOException {
        RawMessage m = receive(0);
        return m == null ? Optional.empty() : Optional.of(Incoming.adopt(m));
    }

    /**
     * Waits at most {@code timeout} for the next message.
     *
     * @throws java.io.EOFException when the service has hung up
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Optional<Message> recv(Duration timeout) throws IOException {
        RawMessage m = receive(Outgoing.nanos(timeout));
        return m == null ? Optional.empty() : Optional.of(Incoming.adopt(m));
    }

    private RawMessage receive(long timeoutNanos) throws IOException {
        ensureOpen();
        MessageReceivedEvent jfr = Jfr.beginReceive();
        RawMessage m = channel.receive(timeoutNanos);
        Jfr.received(jfr, descriptor.name(), "client", 0, m);
        return m;
    }

    /**
     * The service's credentials, taken by the kernel when this endpoint connected. A client that must not talk to
     * an impostor checks them (for example that the service runs as root).
     *
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Credentials peerCredentials() throws IOException {
        ensureOpen();
        return channel.peerCredentials();
    }

    /** Closes the connection; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    EndpointChannel pollChannel() throws ClosedChannelException {
        ensureOpen();
        return channel;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedException(IoErrors.message("Endpoint", descriptor.name(), channel.address(), "closed"));
        }
    }

    @Override
    public String toString() {
        return "Endpoint[" + descriptor.name() + " at " + channel.address() + (closed ? ", closed]" : "]");
    }
}
