package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.RawMessage;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a service: a send right to the service port and a reply port of its own, which every message hands
 * to the server ({@code MAKE_SEND}). A dead-name notification on the service port (the server died or closed) and
 * a no-senders notification on the reply port (the server dropped this client) both end the connection: once the
 * replies already queued are read, {@link #receive} throws {@link EOFException} (gips waited forever: M-5).
 */
final class MachEndpoint implements EndpointChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(MachEndpoint.class);

    private final String service;
    private final Where where;
    private final int servicePort;
    private final int replyPort;
    private final Mailbox mailbox;
    private final Sender sender;
    private volatile boolean ended;              // the server hung up
    private volatile boolean delivered;          // a message reached the service's queue
    private volatile int[] peerToken;            // the audit token of the last reply

    private MachEndpoint(String service, int servicePort, int replyPort, Mailbox mailbox) {
        this.service = service;
        this.where = Where.of(service);
        this.servicePort = servicePort;
        this.replyPort = replyPort;
        this.mailbox = mailbox;
        this.sender = new Sender(where, "mach_msg send");
    }

    static MachEndpoint connect(String service) throws IOException {
        int servicePort = Namespace.lookUp(service);
        Where where = Where.of(service);
        int replyPort;
        try {
            replyPort = Ports.allocate(MachPort.MACH_PORT_RIGHT_RECEIVE, where);
        } catch (IOException e) {
            Ports.deallocate(servicePort);
            throw e;
        }
        Mailbox mailbox = Mailbox.open(replyPort, where, () -> {
            Ports.destroyReceive(replyPort);
            Ports.deallocate(servicePort); // a send right or, if the server died, a dead name
        });
        int kr = Ports.requestNotification(servicePort, MachPort.MACH_NOTIFY_DEAD_NAME, mailbox.notify, 1);
        int kr2 = kr == KernReturn.KERN_SUCCESS
                ? Ports.requestNotification(replyPort, MachPort.MACH_NOTIFY_NO_SENDERS, mailbox.notify, 1)
                : KernReturn.KERN_SUCCESS;
        if (kr != KernReturn.KERN_SUCCESS || kr2 != KernReturn.KERN_SUCCESS) {
            mailbox.close();
            throw where.error("mach_port_request_notification", kr != KernReturn.KERN_SUCCESS ? kr : kr2);
        }
        return new MachEndpoint(service, servicePort, replyPort, mailbox);
    }

    @Override
    public int portSet() {
        return mailbox.set;
    }

    @Override
    public void send(ByteBuffer payload, long[] handles) throws IOException {
        mailbox.enter();
        try {
            if (ended) {
                throw where.eof("send", "the service has gone");
            }
            sender.send(servicePort, replyPort, MachMessage.MACH_MSG_TYPE_MAKE_SEND, payload, handles, false,
                    mailbox::isClosing);
            delivered = true;
        } finally {
            mailbox.exit();
        }
    }

    @Override
    public RawMessage receive(long timeoutNanos) throws IOException {
        return mailbox.receiving(() -> next(timeoutNanos));
    }

    private RawMessage next(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        for (;;) {
            long left = timeoutNanos <= 0 ? timeoutNanos : Math.max(0, deadline - System.nanoTime());
            // after the end, only what is already queued is read
            MemorySegment buf = mailbox.receive(ended ? 0 : left);
            if (buf == null) {
                if (ended) {
                    throw where.eof("receive", "the service hung up");
                }
                return null;
            }
            int local = buf.get(JAVA_INT, MachMessage.MSGH_LOCAL_PORT);
            if (local == mailbox.notify) {
                int id = Wire.id(buf);
                if (id == MachPort.MACH_NOTIFY_DEAD_NAME && Wire.notifiedName(buf) == servicePort) {
                    Ports.deallocate(servicePort); // the notification's reference; ours goes at close
                    ended = true;
                } else if (id == MachPort.MACH_NOTIFY_NO_SENDERS) {
                    if (delivered) {
                        ended = true; // the server dropped every send right it had to our reply port
                    } else {
                        // only sends that timed out made rights, and releasing them fired it: the server never
                        // knew us. Ask again, for after the next right made.
                        int count = Wire.notifiedCount(buf);
                        int kr = Ports.requestNotification(replyPort, MachPort.MACH_NOTIFY_NO_SENDERS, mailbox.notify,
                                count + 1);
                        if (kr != KernReturn.KERN_SUCCESS) {
                            LOG.debug("re-arming no-senders on \"{}\" failed: {}", service, KernReturn.describe(kr));
                        }
                    }
                } else {
                    Mailbox.destroy(buf);
                }
                continue;
            }
            int remote = buf.get(JAVA_INT, MachMessage.MSGH_REMOTE_PORT);
            Wire.Received m;
            try {
                m = Mailbox.decode(buf);
            } catch (MalformedMessageException e) {
                IOException x = where.error("receive", "malformed message: " + e.getMessage());
                x.initCause(e);
                throw x;
            } finally {
                // Rust gips servers send a send right to their service port with every reply; drop it
                if ((buf.get(JAVA_INT, MachMessage.MSGH_BITS) & MachMessage.MACH_MSGH_BITS_REMOTE_MASK) != 0) {
                    Ports.deallocate(remote);
                }
            }
            peerToken = m.audit();
            return new RawMessage(m.payload(), MachListener.handles(m.ports()));
        }
    }

    @Override
    public Credentials peerCredentials() throws IOException {
        int[] token = peerToken;
        if (token == null) {
            // Mach look-ups carry no credentials: the kernel tells who the service is only with its first message
            throw where.error("credentials of the service", "not known before the service's first reply (macOS"
                    + " reports a sender only with its messages)");
        }
        return Identity.sender(token); // the group lookup asks the directory: only when asked

    }

    @Override
    public String address() {
        return service;
    }

    @Override
    public void close() {
        mailbox.close();
        sender.close(); // waits for a send in progress to give up (it checks for close every 250 ms)
        LOG.debug("closed endpoint of \"{}\"", service);
    }
}
