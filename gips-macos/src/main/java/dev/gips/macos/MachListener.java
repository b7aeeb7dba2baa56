package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Handle;
import dev.gips.spi.Arrival;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service checked in with launchd. Mach has no connections: a client is known by its reply port, whose send
 * right (one name per port in this task) arrives with each of its messages. The first message of a reply port
 * reports the client {@code CONNECTED}; a dead-name notification on that port reports it {@code DISCONNECTED} (gips
 * never learnt that a client left: M-5).
 *
 * <p>Until core admits a client ({@link MachClient#admit}), its messages and its death wait in the client
 * ({@link MachClient#hold}): no receiving thread may take a message of a client whose policy check another thread is
 * still running. Admission moves them to {@link #ready}, in order, and wakes a receiver blocked in {@code mach_msg};
 * a refused client's held messages are released unread.
 */
final class MachListener implements ListenerChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(MachListener.class);

    private final String service;
    private final Where where;
    private final int servicePort;
    private final Mailbox mailbox;
    private final Object state = new Object();
    private final Map<Integer, MachClient> clients = new HashMap<>(); // guarded by state
    /** Arrivals of admitted clients to report before receiving more, in order. */
    private final ArrayDeque<Arrival> ready = new ArrayDeque<>();     // guarded by state

    private MachListener(String service, int servicePort, Mailbox mailbox) {
        this.service = service;
        this.where = Where.of(service);
        this.servicePort = servicePort;
        this.mailbox = mailbox;
    }

    static MachListener bind(String service) throws IOException {
        int port = Namespace.checkIn(service);
        Mailbox mailbox = Mailbox.open(port, Where.of(service), () -> Ports.destroyReceive(port));
        LOG.debug("bound \"{}\" on port {}", service, port);
        return new MachListener(service, port, mailbox);
    }

    @Override
    public int portSet() {
        return mailbox.set;
    }

    @Override
    public Arrival receive(long timeoutNanos) throws IOException {
        return mailbox.receiving(() -> {
            try {
                return next(timeoutNanos);
            } catch (AsynchronousCloseException e) {
                drainPending();
                throw e;
            }
        });
    }

    private Arrival next(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        for (;;) {
            Arrival a;
            while ((a = nextReady()) != null) {
                if (a.kind() == Arrival.Kind.DISCONNECTED) {
                    // a client that died before it was admitted: closed now that its messages were reported
                    if (a.client().isOpen()) {
                        a.client().close();
                        return a;
                    }
                } else if (a.client().isOpen()) {
                    return a;
                } else {
                    release(a.message());
                }
            }
            long left = timeoutNanos <= 0 ? timeoutNanos : Math.max(0, deadline - System.nanoTime());
            MemorySegment buf = mailbox.receive(left);
            if (buf == null) {
                return null;
            }
            int local = buf.get(JAVA_INT, MachMessage.MSGH_LOCAL_PORT);
            a = local == mailbox.notify ? notification(buf) : clientMessage(buf);
            if (a != null) {
                synchronized (state) {
                    if (ready.isEmpty()) {
                        return a;
                    }
                    ready.add(a); // behind what an admission queued: a client's arrivals stay in order
                }
                continue;
            }
            if (timeoutNanos > 0 && System.nanoTime() - deadline >= 0) {
                return null;
            }
        }
    }

    private Arrival nextReady() {
        synchronized (state) {
            return ready.poll();
        }
    }

    private Arrival notification(MemorySegment buf) {
        int id = Wire.id(buf);
        if (id == MachPort.MACH_NOTIFY_DEAD_NAME) {
            int name = Wire.notifiedName(buf);
            Ports.deallocate(name); // the reference the notification added to the dead name
            MachClient client;
            synchronized (state) {
                client = clients.get(name);
                if (client != null && !client.isAdmitted() && client.isOpen()) {
                    // reported (and the client closed) after its held messages, once admitted
                    client.hold(Arrival.disconnected(client));
                    return null;
                }
            }
            if (client != null && client.isOpen()) {
                client.close();
                return Arrival.disconnected(client);
            }
            return null;
        }
        Mailbox.destroy(buf); // port-deleted, send-once, our own wake-ups
        return null;
    }

    private Arrival clientMessage(MemorySegment buf) {
        int bits = buf.get(JAVA_INT, MachMessage.MSGH_BITS);
        int reply = buf.get(JAVA_INT, MachMessage.MSGH_REMOTE_PORT);
        if ((bits & MachMessage.MACH_MSGH_BITS_REMOTE_MASK) != MachMessage.MACH_MSG_TYPE_PORT_SEND
                || reply == MachPort.MACH_PORT_NULL || reply == MachPort.MACH_PORT_DEAD) {
            // no reply port (or a dead one): nobody to answer or to blame
            LOG.debug("{}: dropped a message without a live reply port", service);
            Mailbox.destroy(buf);
            return null;
        }
        MachClient client;
        boolean fresh;
        synchronized (state) {
            client = clients.get(reply);
            fresh = client == null;
            if (!fresh) {
                Ports.deallocate(reply); // each message brings one more reference; the client keeps one
            }
        }
        if (fresh) {
            int kr = Ports.requestNotification(reply, MachPort.MACH_NOTIFY_DEAD_NAME, mailbox.notify, 1);
            if (kr != KernReturn.KERN_SUCCESS) {
                LOG.debug("{}: dead-name request on a new client failed ({}); dropped its message", service,
                        KernReturn.describe(kr));
                Mailbox.destroy(buf);
                return null;
            }
        }
        Wire.Received m;
        try {
            m = Mailbox.decode(buf);
        } catch (MalformedMessageException e) {
            if (fresh) {
                LOG.warn("{}: refused a malformed first message: {}", service, e.getMessage());
                Ports.deallocate(reply);
                return null;
            }
            LOG.warn("{}: client pid {} sent a malformed message, disconnecting it: {}", service,
                    client.credentials().pid(), e.getMessage());
            client.close();
            return Arrival.disconnected(client);
        }
        RawMessage message = new RawMessage(m.payload(), handles(m.ports()));
        if (fresh) {
            client = new MachClient(this, reply, Identity.sender(m.audit()));
            synchronized (state) {
                clients.put(reply, client);
                client.hold(Arrival.message(client, message));
            }
            return Arrival.connected(client);
        }
        synchronized (state) {
            if (!client.isAdmitted()) {
                if (client.isOpen()) {
                    client.hold(Arrival.message(client, message));
                } else {
                    release(message); // refused
                }
                return null;
            }
        }
        if (!client.isOpen()) {
            release(message); // closed by the server: nothing of it is reported any more
            return null;
        }
        return Arrival.message(client, message);
    }

    static List<RawHandle> handles(int[] ports) {
        List<RawHandle> list = new ArrayList<>(ports.length);
        for (int p : ports) {
            list.add(new RawHandle(Handle.Kind.MACH_PORT, Integer.toUnsignedLong(p)));
        }
        return list;
    }

    private static void release(RawMessage message) {
        if (message != null) {
            for (RawHandle h : message.handles()) {
                Ports.deallocate((int) h.value());
            }
        }
    }

    /**
     * Core admitted {@code client}: what it sent meanwhile (and its death, if it died) is reported from now on.
     *
     * @return {@code false} if the client or the listener closed first
     */
    boolean admitted(MachClient client) {
        synchronized (state) {
            if (!client.isOpen() || mailbox.isClosing()) {
                return false;
            }
            if (!client.admitInto(ready)) {
                return true;
            }
        }
        // a receiver may be blocked in mach_msg: a wake-up message makes it look at the ready queue (and makes the
        // port set readable for a poller)
        try {
            mailbox.enter();
        } catch (IOException e) {
            return true; // closing: close() releases what is queued
        }
        try {
            mailbox.wake();
        } finally {
            mailbox.exit();
        }
        return true;
    }

    /** Called once a client's channel is released: drops the listener's reference to its reply port. */
    void forget(MachClient client) {
        synchronized (state) {
            if (clients.get(client.port) == client) {
                clients.remove(client.port);
            }
            Ports.deallocate(client.port);
            // a refused client: what it sent before core decided is released unread
            client.discardHeld(MachListener::release);
        }
    }

    @Override
    public String address() {
        return service;
    }

    /** How error messages name this service. */
    Where where() {
        return where;
    }

    @Override
    public void close() {
        List<MachClient> all;
        synchronized (state) {
            all = new ArrayList<>(clients.values());
        }
        for (MachClient c : all) {
            c.close();
        }
        mailbox.close();
        drainPending();
    }

    /** Releases the rights of messages never reported. */
    private void drainPending() {
        synchronized (state) {
            Arrival a;
            while ((a = ready.poll()) != null) {
                release(a.message());
            }
        }
    }
}
