package dev.gips.ipc;

import dev.gips.internal.BackendWarmup;
import dev.gips.internal.OpenState;
import dev.gips.internal.Timeouts;
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
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * {@link java.io.EOFException} from the next {@code recv}. {@code EOFException} is how every call says that the
 * service has gone: {@code recv} once the replies already queued are read, {@code send} at once.
 *
 * <p>{@link #connect(String)} tries once and throws {@link NoSuchServiceException} if nobody serves the name;
 * {@link #connect(String, Duration)} waits for a service that is still starting.
 *
 * <p>Thread safety: {@code send} may be called from several threads at once (each message goes out whole), and
 * {@code recv} and {@code send} may run at the same time on different threads. A thread blocked in {@code recv}
 * when another thread calls {@link #close()} gets an {@link java.nio.channels.AsynchronousCloseException}.
 */
public final class Endpoint implements Source, AutoCloseable {
    static {
        BackendWarmup.start(); // before SLF4J starts up below: the two then run side by side
    }

    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);

    /** The first pause of {@link #connect(ServiceDescriptor, Duration)} between attempts; it doubles from there. */
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest pause between attempts: how late, at most, a waiting client notices a service that started. */
    private static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ServiceDescriptor descriptor;
    private final EndpointChannel channel;
    private final OpenState state;

    private Endpoint(ServiceDescriptor descriptor, EndpointChannel channel) {
        this.descriptor = descriptor;
        this.channel = channel;
        this.state = new OpenState("Endpoint", descriptor.name(), channel.address());
    }

    /**
     * Connects to the service {@code name}, once: if nobody serves the name this throws
     * {@link NoSuchServiceException} at once. To wait for a service that may not have started yet, use
     * {@link #connect(String, Duration)}.
     *
     * <p>A service that exists but cannot take the connection yet (on Linux: its queue of pending connections is
     * full, because it stopped accepting or is flooded) is waited for, as long as it takes, as a blocking
     * {@code connect(2)} would: the thread parks (a virtual thread does not hold its carrier) and an interrupt ends
     * the wait.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws NoSuchServiceException if nobody serves the name
     * @throws java.io.InterruptedIOException if the thread was interrupted while waiting; its interrupt status
     *         stays set, and nothing is left open
     * @throws IOException naming the service if it refuses the connection or the OS fails
     */
    public static Endpoint connect(String name) throws IOException {
        return connect(new ServiceDescriptor(name));
    }

    /**
     * Connects to the service of {@code descriptor}, once, as {@link #connect(String)} does. Its policy is not used:
     * a client cannot choose who serves it through the descriptor; check {@link #peerCredentials()} instead.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws NoSuchServiceException if nobody serves the name
     * @throws java.io.InterruptedIOException if the thread was interrupted while waiting; its interrupt status
     *         stays set
     * @throws IOException naming the service if it refuses the connection or the OS fails
     */
    public static Endpoint connect(ServiceDescriptor descriptor) throws IOException {
        Objects.requireNonNull(descriptor, "descriptor");
        ConnectEvent jfr = Jfr.beginConnect();
        return opened(descriptor, Backends.get().connect(descriptor, Timeouts.FOREVER), jfr);
    }

    /**
     * Connects to the service {@code name}, waiting at most {@code wait} for it to answer: while nobody serves the
     * name (the server has not started yet, or is restarting) it tries again, a little later each time (from 1 ms up
     * to 50 ms apart); while the service cannot take the connection yet (a full queue of pending connections) it
     * waits for room. A client started right after its server needs nothing else:
     *
     * {@snippet :
     * try (Endpoint endpoint = Endpoint.connect("com.example.echo", Duration.ofSeconds(10))) {
     *     endpoint.send("Hello".getBytes(StandardCharsets.UTF_8));
     * }
     * }
     *
     * <p>It returns as soon as the service answers, and fails by the time {@code wait} is up (plus the time one
     * attempt takes, which does not wait in the kernel). A zero or negative {@code wait} tries once and never waits.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws NoSuchServiceException if still nobody serves the name when the time is up
     * @throws java.io.InterruptedIOException if the thread was interrupted while waiting; its interrupt status
     *         stays set
     * @throws IOException naming the service if it could not take the connection in time (its queue stayed full),
     *         refuses it, or the OS fails
     */
    public static Endpoint connect(String name, Duration wait) throws IOException {
        return connect(new ServiceDescriptor(name), wait);
    }

    /**
     * Connects to the service of {@code descriptor}, waiting at most {@code wait} for it to answer, as
     * {@link #connect(String, Duration)} does. Its policy is not used, as in {@link #connect(ServiceDescriptor)}.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS
     * @throws NoSuchServiceException if still nobody serves the name when the time is up
     * @throws java.io.InterruptedIOException if the thread was interrupted while waiting; its interrupt status
     *         stays set
     * @throws IOException naming the service if it could not take the connection in time, refuses it, or the OS
     *         fails
     */
    public static Endpoint connect(ServiceDescriptor descriptor, Duration wait) throws IOException {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(wait, "wait");
        long nanos = Timeouts.nanos(wait);
        ConnectEvent jfr = Jfr.beginConnect();
        long deadline = System.nanoTime() + nanos;
        long pause = FIRST_RETRY_NANOS;
        for (int attempt = 1; ; attempt++) {
            try {
                return opened(descriptor, Backends.get().connect(descriptor,
                        Math.max(0, deadline - System.nanoTime())), jfr);
            } catch (NoSuchServiceException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (attempt == 1) {
                        throw e;
                    }
                    throw new NoSuchServiceException(e.getMessage() + "; tried " + attempt + " times in "
                            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms", e);
                }
                if (attempt == 1) {
                    LOG.debug("service \"{}\" not there yet; trying again for up to {} ms", descriptor.name(),
                            TimeUnit.NANOSECONDS.toMillis(nanos));
                }
                // nothing portable says when a name gets bound: try again, backing off
                LockSupport.parkNanos(Math.min(pause, left));
                if (Thread.currentThread().isInterrupted()) {
                    InterruptedIOException x = new InterruptedIOException(IoErrors.message("connect",
                            descriptor.name(), null, "interrupted while waiting for the service to start"));
                    x.initCause(e);
                    throw x;
                }
                pause = Math.min(2 * pause, MAX_RETRY_NANOS);
            }
        }
    }

    private static Endpoint opened(ServiceDescriptor descriptor, EndpointChannel channel, ConnectEvent jfr) {
        Jfr.connected(jfr, descriptor.name(), channel.address());
        LOG.debug("connected to service \"{}\" at {}", descriptor.name(), channel.address());
        return new Endpoint(descriptor, channel);
    }

    /**
     * Sends a message without handles: the same as {@link #send(byte[], Handle...)} with none, without the empty
     * array a varargs call allocates, so that a steady stream of sends allocates nothing.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB
     * @throws java.io.EOFException if the service has gone (closed its side or exited), or dropped this client
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the OS refused the message
     */
    public void send(byte[] payload) throws IOException {
        send(payload, Outgoing.NO_HANDLES);
    }

    /**
     * Sends a message; the handles are copied to the peer and stay open here.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the service has gone (closed its side or exited), or dropped this client
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the OS refused the message
     */
    public void send(byte[] payload, Handle... handles) throws IOException {
        send(payload, null, Outgoing.check(payload, handles));
    }

    /**
     * Sends the bytes of {@code payload} (heap or direct) from its position to its limit, then sets its position
     * to its limit.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the service has gone (closed its side or exited), or dropped this client
     * @throws ClosedChannelException if the endpoint is closed
     * @throws IOException if the OS refused the message
     */
    public void send(ByteBuffer payload, List<Handle> handles) throws IOException {
        send(null, payload, Outgoing.check(payload, handles));
    }

    /**
     * The one path of every send. The payload is {@code array}, or else {@code buffer} from its position to its
     * limit, whose position moves to its limit once the message is sent.
     */
    private void send(byte[] array, ByteBuffer buffer, long[] handles) throws IOException {
        state.ensureOpen();
        int size = array != null ? array.length : buffer.remaining();
        MessageSentEvent jfr = Jfr.beginSend(descriptor.name(), "client", 0, size, handles.length);
        if (array != null) {
            channel.send(array, handles);
        } else {
            channel.send(buffer, handles);
        }
        Jfr.sent(jfr);
        if (buffer != null) {
            buffer.position(buffer.limit());
        }
    }

    /**
     * Waits for the next message.
     *
     * @throws java.io.EOFException when the service has hung up (or refused this client)
     * @throws ClosedChannelException if the endpoint is closed ({@link java.nio.channels.AsynchronousCloseException}
     *         if that happened while waiting)
     */
    public Message recv() throws IOException {
        return receive(Timeouts.FOREVER);
    }

    /**
     * Returns the next message if one is waiting; never blocks.
     *
     * @throws java.io.EOFException when the service has hung up
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Optional<Message> tryRecv() throws IOException {
        return Optional.ofNullable(receive(Timeouts.NOW));
    }

    /**
     * Waits at most {@code timeout} for the next message.
     *
     * @throws java.io.EOFException when the service has hung up
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Optional<Message> recv(Duration timeout) throws IOException {
        return Optional.ofNullable(receive(Timeouts.nanos(timeout)));
    }

    /** The one path of every receive: the next message, or {@code null} if none came within the timeout. */
    private Message receive(long timeoutNanos) throws IOException {
        state.ensureOpen();
        MessageReceivedEvent jfr = Jfr.beginReceive();
        RawMessage m = channel.receive(timeoutNanos);
        Jfr.received(jfr, descriptor.name(), "client", 0, m);
        return m == null ? null : Incoming.adopt(m);
    }

    /**
     * The service's credentials, taken by the kernel when this endpoint connected. A client that must not talk to
     * an impostor checks them (for example that the service runs as root).
     *
     * @throws ClosedChannelException if the endpoint is closed
     */
    public Credentials peerCredentials() throws IOException {
        state.ensureOpen();
        return channel.peerCredentials();
    }

    /** Closes the connection; idempotent. */
    @Override
    public void close() {
        if (state.close()) {
            channel.close();
        }
    }

    EndpointChannel pollChannel() throws ClosedChannelException {
        state.ensureOpen();
        return channel;
    }

    @Override
    public String toString() {
        return state.describe(descriptor.name() + " at " + channel.address());
    }
}
