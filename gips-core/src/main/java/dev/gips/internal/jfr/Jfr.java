package dev.gips.internal.jfr;

import dev.gips.ipc.Credentials;
import dev.gips.spi.RawMessage;
import java.util.Map;

/**
 * The one door from the public classes to the JFR events. Each {@code begin…} returns {@code null}, allocating
 * nothing, unless a running recording enables that event; each commit method ignores {@code null}. So with the
 * events off (their default) a call site costs one volatile read and a null check.
 *
 * <p>The per-event flags are refreshed by {@link RecordingWatch} whenever a recording starts, stops or closes: a
 * recording started with {@code dev.gips.*} enabled (from the command line, {@code jcmd JFR.start}, JDK Mission
 * Control or {@code jdk.jfr.Recording}) sees the events; enabling them later in a recording that is already running
 * takes effect when the next recording starts or stops.
 *
 * <p>This class must link without the {@code jdk.jfr} module (a jlinked runtime may lack it): it names event
 * classes only where the verifier need not load them, and touches them only after a flag said yes.
 */
public final class Jfr {
    private Jfr() {}

    static volatile boolean connect;
    static volatile boolean clientConnected;
    static volatile boolean clientRefused;
    static volatile boolean clientDropped;
    static volatile boolean descriptorsExhausted;
    static volatile boolean sent;
    static volatile boolean received;
    static volatile boolean poll;

    static {
        // RecordingWatch implements a jdk.jfr interface: touch it only once the module is known to be there
        boolean present;
        try {
            Class.forName("jdk.jfr.FlightRecorder", false, Jfr.class.getClassLoader());
            present = true;
        } catch (ClassNotFoundException | LinkageError e) {
            present = false;
        }
        if (present) {
            RecordingWatch.install();
        }
    }

    /** Starts timing an {@code Endpoint.connect}, or {@code null}. */
    public static ConnectEvent beginConnect() {
        if (!connect) {
            return null;
        }
        ConnectEvent e = new ConnectEvent();
        e.begin();
        return e;
    }

    /** Commits a successful connect begun with {@link #beginConnect()}. */
    public static void connected(ConnectEvent e, String service, String address) {
        if (e != null && e.shouldCommit()) {
            e.service = service;
            e.address = address;
            e.commit();
        }
    }

    /** A client admitted by a service's policy. */
    public static void clientConnected(String service, Credentials c) {
        if (clientConnected) {
            ClientConnectedEvent e = new ClientConnectedEvent();
            if (e.shouldCommit()) {
                e.client(service, c);
                e.commit();
            }
        }
    }

    /** A client refused by a service's policy. */
    public static void clientRefused(String service, Credentials c, String reason) {
        if (clientRefused) {
            ClientRefusedEvent e = new ClientRefusedEvent();
            if (e.shouldCommit()) {
                e.client(service, c);
                e.groups = String.join(",", c.gidList());
                e.reason = reason;
                e.commit();
            }
        }
    }

    /** A client a service dropped for breaking the protocol. */
    public static void clientDropped(String service, Credentials c, String reason) {
        if (clientDropped) {
            ClientDroppedEvent e = new ClientDroppedEvent();
            if (e.shouldCommit()) {
                e.client(service, c);
                e.reason = reason;
                e.commit();
            }
        }
    }

    /**
     * The serving process was out of file descriptors.
     *
     * @param operation {@code "accept"} (a new client was shed) or {@code "receive"} (a message was lost)
     * @param pid       the client whose message was lost, else 0
     * @param received  the descriptors of that message the kernel did install (closed since), else 0
     */
    public static void descriptorsExhausted(String service, String operation, long pid, int received) {
        if (descriptorsExhausted) {
            DescriptorsExhaustedEvent e = new DescriptorsExhaustedEvent();
            if (e.shouldCommit()) {
                e.service = service;
                e.operation = operation;
                e.pid = pid;
                e.received = received;
                e.commit();
            }
        }
    }

    /**
     * Starts timing a send of {@code size} bytes and {@code handles} handles, or returns {@code null}.
     *
     * @param role    {@code "client"} or {@code "server"}
     * @param peerPid the client's pid for a server's reply, else 0
     */
    public static MessageSentEvent beginSend(String service, String role, long peerPid, long size, int handles) {
        if (!sent) {
            return null;
        }
        MessageSentEvent e = new MessageSentEvent();
        e.message(service, role, peerPid, size, handles);
        e.begin();
        return e;
    }

    /** Commits a send begun with {@link #beginSend}, once the message went out. */
    public static void sent(MessageSentEvent e) {
        if (e != null) {
            e.commit();
        }
    }

    /** Starts timing a receive (the wait included), or returns {@code null}. */
    public static MessageReceivedEvent beginReceive() {
        if (!received) {
            return null;
        }
        MessageReceivedEvent e = new MessageReceivedEvent();
        e.begin();
        return e;
    }

    /**
     * Commits a receive begun with {@link #beginReceive()}; nothing when {@code m} is {@code null} (no message came).
     *
     * @param role    {@code "client"} or {@code "server"}
     * @param peerPid the sending client's pid on the server side, else 0
     */
    public static void received(MessageReceivedEvent e, String service, String role, long peerPid, RawMessage m) {
        if (e != null && m != null) {
            e.end();
            if (e.shouldCommit()) {
                e.message(service, role, peerPid, m.payload().length, m.handles().size());
                e.commit();
            }
        }
    }

    /** Starts timing a poll, or returns {@code null}. */
    public static PollWaitEvent beginPoll() {
        if (!poll) {
            return null;
        }
        PollWaitEvent e = new PollWaitEvent();
        e.begin();
        return e;
    }

    /**
     * Commits a poll begun with {@link #beginPoll()}; {@code timeoutNanos < 0} means forever. Takes the
     * registration map itself so that its size is counted only when recording.
     */
    public static void polled(PollWaitEvent e, int ready, long timeoutNanos, Map<?, ?> registrations) {
        if (e != null) {
            e.end();
            if (e.shouldCommit()) {
                e.ready = ready;
                e.timeout = timeoutNanos < 0 ? Long.MAX_VALUE : timeoutNanos;
                e.registrations = registrations.size();
                e.commit();
            }
        }
    }
}
