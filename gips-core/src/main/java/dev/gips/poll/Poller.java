package dev.gips.poll;

import dev.gips.internal.OpenState;
import dev.gips.internal.SharedSecrets;
import dev.gips.internal.Timeouts;
import dev.gips.internal.jfr.Jfr;
import dev.gips.internal.jfr.PollWaitEvent;
import dev.gips.spi.Backends;
import dev.gips.spi.PollerChannel;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waits for readiness on many {@link Source}s with one thread, so that a server serves thousands of clients from a
 * single loop.
 *
 * {@snippet :
 * try (Poller poller = Poller.create(); Listener listener = Listener.bind("com.example.myservice")) {
 *     Token token = poller.register(listener, Interest.READABLE);
 *     Events events = Events.withCapacity(128);
 *     while (running) {
 *         poller.poll(events, Duration.ofSeconds(1));
 *         for (Event event : events) {
 *             if (event.token().equals(token) && event.isReadable()) {
 *                 listener.tryAccept().ifPresent(pod -> handle(pod));   // one message per event never stalls
 *             }
 *         }
 *     }
 * }
 * }
 *
 * <p>Readiness is level-triggered: a source reported readable stays reported while a {@code tryAccept()} or
 * {@code tryRecv()} on it would return something, so handling one message per event never stalls, and an event
 * may be spurious (a client refused by policy, a client that left): handle it with the {@code try…} calls, which
 * never block. A {@link dev.gips.ipc.Listener} is readable while a client connects or sends; an
 * {@link dev.gips.ipc.Endpoint} while a message or the service's hang-up waits; a {@link dev.gips.ipc.Connection}
 * is writable while a reply can be sent without blocking, and readable while its client's messages (taken through
 * the listener) or its hang-up wait.
 *
 * <table>
 *   <caption>Portability</caption>
 *   <tr><th>OS</th><th>mechanism</th></tr>
 *   <tr><td>Linux</td><td>epoll, level-triggered, with an eventfd waker</td></tr>
 *   <tr><td>macOS</td><td>kqueue</td></tr>
 *   <tr><td>Windows</td><td>IOCP</td></tr>
 * </table>
 *
 * <p>Thread safety: registration and {@link #wake()} work from any thread; {@link #poll} is meant for one thread at
 * a time (concurrent calls are serialised). A thread blocked in {@code poll} when another thread calls
 * {@link #close()} gets an {@link java.nio.channels.AsynchronousCloseException}. On a virtual thread, a blocked
 * {@code poll} does not hold its carrier.
 */
public final class Poller implements AutoCloseable {
    private final PollerChannel channel;
    private final AtomicLong nextToken = new AtomicLong(1);
    private final Map<Long, SourceChannel> registrations = new ConcurrentHashMap<>();
    private final ReentrantLock pollLock = new ReentrantLock();
    private long[] tokens = new long[0];      // guarded by pollLock
    private int[] readiness = new int[0];     // guarded by pollLock
    private final OpenState state = new OpenState("Poller", null, null);

    private Poller(PollerChannel channel) {
        this.channel = channel;
    }

    /**
     * A new poller with its waker.
     *
     * @throws IOException if the OS refused
     */
    public static Poller create() throws IOException {
        return new Poller(Backends.get().openPoller());
    }

    /**
     * Starts watching {@code source}.
     *
     * @return its token, unique within this poller (from 1 upward; never reused)
     * @throws IllegalArgumentException if {@code source} is not a gips Listener, Endpoint or Connection, or the
     *         interest makes no sense for it (a Listener is never writable)
     * @throws ClosedChannelException if this poller or the source is closed
     * @throws IOException if the source is already registered with this poller, or the OS refused
     */
    public Token register(Source source, Interest interest) throws IOException {
        SourceChannel ch = channelOf(source, interest);
        long token = nextToken.getAndIncrement();
        registrations.put(token, ch);
        try {
            channel.register(ch, token, bits(interest));
        } catch (IOException | RuntimeException e) {
            registrations.remove(token);
            throw e;
        }
        return new Token(token);
    }

    /**
     * Changes the interest of a registration.
     *
     * @throws IllegalArgumentException if {@code source} is not registered under {@code token}
     * @throws ClosedChannelException if this poller or the source is closed
     */
    public void reregister(Source source, Token token, Interest interest) throws IOException {
        SourceChannel ch = channelOf(source, interest);
        Objects.requireNonNull(token, "token");
        if (registrations.get(token.value()) != ch) {
            throw new IllegalArgumentException(source + " is not registered with " + token);
        }
        channel.reregister(ch, token.value(), bits(interest));
    }

    /**
     * Stops watching {@code source}; no event for it follows. A source that was closed meanwhile is simply
     * forgotten: its descriptor left the OS set when it closed, but the poller keeps its token until this call, so
     * deregister sources you close (or that close themselves, like a {@code Connection} whose client hung up).
     *
     * @throws IllegalArgumentException if {@code source} is not registered under {@code token}
     * @throws ClosedChannelException if this poller is closed
     */
    public void deregister(Source source, Token token) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(token, "token");
        state.ensureOpen();
        SourceChannel ch = registrations.get(token.value());
        SourceChannel current;
        try {
            current = SharedSecrets.ipc().channelOf(source);
        } catch (ClosedChannelException e) {
            // closed sources left the OS set when their descriptor closed; just forget the token
            if (ch == null) {
                throw new IllegalArgumentException(source + " is not registered with " + token);
            }
            registrations.remove(token.value());
            return;
        }
        if (ch != current || !registrations.remove(token.value(), ch)) {
            throw new IllegalArgumentException(source + " is not registered with " + token);
        }
        channel.deregister(ch);
    }

    /**
     * Clears {@code events}, then waits until at least one registered source is ready, {@link #wake()} is called,
     * or {@code timeout} passes, and stores up to {@code events.capacity()} events.
     *
     * @param timeout the longest wait; {@code null} waits forever; zero never blocks
     * @throws ClosedChannelException if the poller is closed ({@link java.nio.channels.AsynchronousCloseException}
     *         if that happened while waiting)
     */
    public void poll(Events events, Duration timeout) throws IOException {
        Objects.requireNonNull(events, "events");
        events.clear();
        state.ensureOpen();
        long nanos = Timeouts.nanosOrForever(timeout);
        pollLock.lock();
        try {
            if (tokens.length < events.capacity()) {
                tokens = new long[events.capacity()];
                readiness = new int[events.capacity()];
            }
            PollWaitEvent jfr = Jfr.beginPoll();
            int n = channel.poll(tokens, readiness, nanos);
            Jfr.polled(jfr, n, nanos, registrations);
            for (int i = 0; i < n && i < events.capacity(); i++) {
                if (tokens[i] == 0) {
                    events.add(new Event(Token.WAKER, Interest.of(readiness[i])));
                } else if (registrations.containsKey(tokens[i])) {
                    // a deregistered source whose descriptor another thread still holds may linger in the OS set
                    events.add(new Event(new Token(tokens[i]), Interest.of(readiness[i])));
                }
            }
        } finally {
            pollLock.unlock();
        }
    }

    /**
     * Makes a blocked {@link #poll} return with an event whose {@link Event#fromWaker()} is true; if no thread
     * polls, the next {@code poll} returns at once. From any thread.
     *
     * @throws ClosedChannelException if the poller is closed
     */
    public void wake() throws IOException {
        state.ensureOpen();
        channel.wake();
    }

    /** Closes the poller; idempotent. Registered sources stay open. */
    @Override
    public void close() {
        if (state.close()) {
            channel.close();
            registrations.clear();
        }
    }

    private SourceChannel channelOf(Source source, Interest interest) throws ClosedChannelException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(interest, "interest");
        state.ensureOpen();
        if (source instanceof dev.gips.ipc.Listener && interest.isWritable()) {
            throw new IllegalArgumentException("a Listener is never writable: register it READABLE");
        }
        return SharedSecrets.ipc().channelOf(source);
    }

    private static int bits(Interest interest) {
        return (interest.isReadable() ? PollerChannel.READABLE : 0)
                | (interest.isWritable() ? PollerChannel.WRITABLE : 0);
    }

    @Override
    public String toString() {
        return state.describe(registrations.size() + " registrations");
    }
}
