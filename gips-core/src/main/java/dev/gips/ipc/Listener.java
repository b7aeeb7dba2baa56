package dev.gips.ipc;

import dev.gips.internal.BackendWarmup;
import dev.gips.internal.OpenState;
import dev.gips.internal.Timeouts;
import dev.gips.internal.jfr.Jfr;
import dev.gips.internal.jfr.MessageReceivedEvent;
import dev.gips.poll.Source;
import dev.gips.spi.Arrival;
import dev.gips.spi.Backends;
import dev.gips.spi.ClientChannel;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.LogLimiter;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound service: the server side of gips IPC.
 *
 * <p>{@link #accept()} returns one {@link Pod} per message, from any connected client. A client's first message is
 * its connection: the listener checks the service's {@link Policy} once, when the client connects, from credentials
 * the kernel vouches for. A refused client is disconnected before any of its messages is delivered and logged at
 * WARN (the first {@value LogLimiter#BURST} refusals of every {@value LogLimiter#INTERVAL_SECONDS} s one by one, then
 * one line with the count, so a process that connects in a loop cannot flood the log; the JFR event
 * {@code dev.gips.ClientRefused} records each). Nothing a client does makes {@code accept} throw, a validator that
 * throws an {@link Error} included, so no local process can stop a server.
 *
 * {@snippet :
 * try (Listener listener = Listener.bind("com.example.echo")) {
 *     while (true) {
 *         Pod pod = listener.accept();
 *         try (Message m = pod.message()) {
 *             pod.reply(m.payload());
 *         }
 *     }
 * }
 * }
 *
 * <table>
 *   <caption>Portability</caption>
 *   <tr><th>OS</th><th>mechanism</th><th>name</th></tr>
 *   <tr><td>Linux</td><td>AF_UNIX SOCK_SEQPACKET, mode 0666 + sticky bit</td>
 *       <td>{@code /tmp/<name>} ({@code @name} too, as in gips 0.2.0), an absolute path, or {@code "\0name"}
 *       for the abstract socket {@code name}</td></tr>
 *   <tr><td>macOS</td><td>Mach port registered with bootstrap</td><td>bootstrap service name</td></tr>
 *   <tr><td>Windows</td><td>message-mode named pipe</td><td>{@code \\.\pipe\<name>}</td></tr>
 * </table>
 *
 * <p>Thread safety: all methods may be called from any thread; concurrent {@code accept} calls (blocking, timed or
 * {@code tryAccept}, on platform or virtual threads) each get different messages, and every message of every admitted
 * client is returned exactly once, to one of them: a client is read only after its policy check passed, whichever
 * thread ran it. A thread blocked in {@code accept} when another thread calls {@link #close()} gets an
 * {@link java.nio.channels.AsynchronousCloseException}.
 *
 * <p>NOTE: gips calls native code; run the JVM with {@code --enable-native-access=ALL-UNNAMED} (or the module name
 * {@code dev.gips.linux}, …) so that the JDK does not warn or refuse.
 */
public final class Listener implements Source, AutoCloseable {
    static {
        BackendWarmup.start(); // before SLF4J starts up below: the two then run side by side
    }

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    /**
     * How many connections and hang-ups one {@link #tryAccept()} handles at most before it returns empty (the
     * listener stays readable, so a poll loop comes straight back).
     */
    private static final int TRY_ACCEPT_ARRIVALS = 16;

    private final ServiceDescriptor descriptor;
    private final ListenerChannel channel;
    private final LogLimiter refusals;
    private final OpenState state;

    private Listener(ServiceDescriptor descriptor, ListenerChannel channel) {
        this.descriptor = descriptor;
        this.channel = channel;
        this.state = new OpenState("Listener", descriptor.name(), channel.address());
        this.refusals = new LogLimiter(LOG, "service \"" + descriptor.name() + "\" refused {} more clients, not logged"
                + " one by one (at most " + LogLimiter.BURST + " lines per {} s)");
    }

    /**
     * Binds the service {@code name} with the unrestricted policy.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS (empty, a NUL, too long)
     * @throws IOException if the name is in use by a live service, or the OS refused
     */
    public static Listener bind(String name) throws IOException {
        return bind(new ServiceDescriptor(name));
    }

    /**
     * Binds a service with its policy.
     *
     * @throws IllegalArgumentException if the name is not valid on this OS (empty, a NUL, too long)
     * @throws IOException if the name is in use by a live service, or the OS refused
     */
    public static Listener bind(ServiceDescriptor descriptor) throws IOException {
        Objects.requireNonNull(descriptor, "descriptor");
        descriptor.policy().resolveNames(); // warns now, not at the first client, about names that match nobody
        ListenerChannel channel = Backends.get().bind(descriptor);
        LOG.debug("bound service \"{}\" at {} with {}", descriptor.name(), channel.address(), descriptor.policy());
        return new Listener(descriptor, channel);
    }

    /**
     * Serves the socket systemd passed to this process for {@code name}, with the unrestricted policy. See
     * {@link #fromSystemd(ServiceDescriptor)}.
     *
     * @throws IOException if systemd passed no suitable socket for {@code name}; the message says why
     * @throws UnsupportedOperationException on macOS and Windows
     */
    public static Listener fromSystemd(String name) throws IOException {
        return fromSystemd(new ServiceDescriptor(name));
    }

    /**
     * Serves a listening socket that systemd created and passed to this process (socket activation), with the
     * descriptor's policy, checked exactly as for {@link #bind(ServiceDescriptor)}: once per client, from the
     * kernel's credentials. The socket is the one whose {@code FileDescriptorName=} (in {@code LISTEN_FDNAMES}) is
     * {@code descriptor.name()}, or the only one systemd passed.
     *
     * <p>Before taking the socket over this checks what systemd passed, and refuses with an {@link IOException}
     * that says what is wrong: {@code LISTEN_PID} must be this process, {@code LISTEN_FDS} a count, the descriptor
     * an AF_UNIX SOCK_SEQPACKET socket that listens ({@code ListenSequentialPacket=} in the {@code .socket} unit,
     * {@code Accept=no}), not already taken by another {@code Listener}. Every passed descriptor is made
     * close-on-exec, so child processes do not inherit them. {@link #close()} closes this process's descriptor
     * but, unlike a bound listener, never removes the socket file: systemd created it and keeps listening on it
     * (clients that connect while the service is down wait for its next start).
     *
     * {@snippet :
     * // com.example.echo.socket:  ListenSequentialPacket=/tmp/com.example.echo
     * //                           FileDescriptorName=com.example.echo
     * ServiceDescriptor service = new ServiceDescriptor("com.example.echo").withAllowedGroup("echo-users");
     * try (Listener listener = System.getenv("LISTEN_FDS") != null
     *         ? Listener.fromSystemd(service)      // started by systemd
     *         : Listener.bind(service)) {          // started by hand
     *     // serve as usual
     * }
     * }
     *
     * <p>Why a method of its own rather than {@code bind} adopting a passed socket when the names match: what
     * {@code bind} does must not depend on environment variables a process may inherit by accident, and the two
     * differ in who owns the socket file ({@code bind} creates it, replaces a stale one and removes it on close;
     * here systemd owns it). The choice stays with the application, in one visible line.
     *
     * <p>systemd does not unset {@code LISTEN_PID}/{@code LISTEN_FDS} for us (Java cannot change its own
     * environment): processes this service starts inherit them, and a gips service among them refuses them since
     * {@code LISTEN_PID} names its parent.
     *
     * @throws IOException if systemd passed no suitable socket for this service; the message says why
     * @throws UnsupportedOperationException on macOS and Windows, which have no systemd
     */
    public static Listener fromSystemd(ServiceDescriptor descriptor) throws IOException {
        Objects.requireNonNull(descriptor, "descriptor");
        descriptor.policy().resolveNames();
        ListenerChannel channel = Backends.get().inheritListener(descriptor);
        LOG.debug("took over service \"{}\" at {} from systemd with {}", descriptor.name(), channel.address(),
                descriptor.policy());
        return new Listener(descriptor, channel);
    }

    /**
     * Waits for the next message from any client.
     *
     * @throws ClosedChannelException if the listener is closed ({@link java.nio.channels.AsynchronousCloseException}
     *         if that happened while waiting)
     * @throws IOException if the service itself failed; never because of what a client did
     */
    public Pod accept() throws IOException {
        return next(Timeouts.FOREVER);
    }

    /**
     * Returns the next message if one is waiting; never blocks. Its work is bounded whatever clients do: it handles at
     * most {@value #TRY_ACCEPT_ARRIVALS} connections and hang-ups (each connection runs the policy once) and at most
     * one look at the OS for more, then returns empty even if more clients are connecting; the listener then stays
     * readable for a {@link dev.gips.poll.Poller}. A message that is being read when the budget runs out is still
     * returned whole. Empty is also the answer while another thread is inside {@code accept} (one thread receives at
     * a time).
     *
     * @throws ClosedChannelException if the listener is closed
     * @throws IOException if the service itself failed
     */
    public Optional<Pod> tryAccept() throws IOException {
        return Optional.ofNullable(next(Timeouts.NOW));
    }

    /**
     * Waits at most {@code timeout} for the next message. It returns by the deadline whatever clients do (a flood of
     * connections and hang-ups included), late by at most the handling of one arrival that was under way when the
     * deadline passed (a connection's policy check, with the validator's own time; a message being read, which is
     * returned rather than lost) and the OS timer's slack of about a millisecond.
     *
     * @throws ClosedChannelException if the listener is closed
     * @throws IOException if the service itself failed
     */
    public Optional<Pod> accept(Duration timeout) throws IOException {
        return Optional.ofNullable(next(Timeouts.nanos(timeout)));
    }

    private Pod next(long timeoutNanos) throws IOException {
        state.ensureOpen();
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long wait = timeoutNanos;
        int budget = TRY_ACCEPT_ARRIVALS;
        MessageReceivedEvent jfr = Jfr.beginReceive();
        for (;;) {
            Arrival a = channel.receive(wait);
            if (a == null) {
                return null;
            }
            switch (a.kind()) {
                case CONNECTED -> admit(a.client());
                case DISCONNECTED -> departed(a.client());
                case MESSAGE -> {
                    if (a.client().attachment() instanceof Connection c) {
                        Jfr.received(jfr, descriptor.name(), "server", c.credentials().pid(), a.message());
                        return new Pod(c, Incoming.adopt(a.message()), c.credentials());
                    }
                    // a backend reports no message of a client before core admitted it (see ClientChannel.admit);
                    // should one break that rule, drop rather than deliver unchecked
                    Incoming.discard(a.message());
                    a.client().close();
                    LOG.error("service \"{}\": message from a client never admitted; dropped it", descriptor.name());
                }
            }
            // clients that connect and hang up faster than we handle them must not keep us here: a tryAccept
            // handles a bounded number of such arrivals, a timed accept returns at its deadline
            if (timeoutNanos == 0 && --budget == 0) {
                return null;
            }
            if (timeoutNanos > 0) {
                wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    return null;
                }
            }
        }
    }

    private void admit(ClientChannel client) {
        Credentials c = client.credentials();
        try {
            descriptor.policy().check(c);
        } catch (PermissionDeniedException e) {
            client.close();
            Jfr.clientRefused(descriptor.name(), c, e.getMessage());
            if (refusals.permit()) {
                LOG.warn("service \"{}\" refused client pid {} uid {} groups {}: {}", descriptor.name(), c.pid(),
                        c.uid(), c.gidList(), e.getMessage());
            }
            return;
        }
        if (!client.admit(new Connection(client, descriptor.name()))) {
            LOG.debug("service \"{}\": client pid {} left before it was admitted", descriptor.name(), c.pid());
            return;
        }
        Jfr.clientConnected(descriptor.name(), c);
        LOG.debug("service \"{}\": client pid {} uid {} connected", descriptor.name(), c.pid(), c.uid());
    }

    private void departed(ClientChannel client) {
        if (client.attachment() instanceof Connection c) {
            c.markClosed();
            LOG.debug("service \"{}\": client pid {} disconnected", descriptor.name(), c.credentials().pid());
        }
    }

    /**
     * The SPI channel behind one of gips' sources, for {@code Poller}.
     *
     * @throws IllegalArgumentException if {@code source} is not a Listener, Endpoint or Connection
     * @throws ClosedChannelException if it is closed
     */
    static SourceChannel channelOf(Source source) throws ClosedChannelException {
        return switch (source) {
            case Listener l -> {
                l.state.ensureOpen();
                yield l.channel;
            }
            case Endpoint e -> e.pollChannel();
            case Connection c -> c.pollChannel();
            default -> throw new IllegalArgumentException("not a gips source: " + source.getClass().getName()
                    + " (only Listener, Endpoint and Connection can be registered)");
        };
    }

    /** The service this listener serves. */
    public ServiceDescriptor descriptor() {
        return descriptor;
    }

    /** Closes the service and disconnects every client; idempotent. On Linux removes the socket file it created. */
    @Override
    public void close() {
        if (state.close()) {
            channel.close();
            refusals.flush();
            LOG.debug("closed service \"{}\"", descriptor.name());
        }
    }

    @Override
    public String toString() {
        return state.describe(descriptor.name() + " at " + channel.address());
    }
}
