package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a listener or an endpoint receives on: a port set holding its message port and a notification port. The
 * kernel's dead-name and no-senders notifications, and the wake-ups that {@link #close} sends, arrive on the
 * notification port, which no peer can send to; the received {@code msgh_local_port} tells which port a message
 * came in on. Every receive asks for the audit trailer. One thread receives at a time, into one reused buffer.
 */
final class Mailbox {
    /** {@code msgh_id} of the wake-up message {@link #wake()} sends to the notification port. */
    static final int WAKE_ID = 0x67697073; // "gips"
    /** Past the kernel's own limit of a message plus trailer: nothing larger can arrive. */
    private static final long MAX_BUFFER = 64L * 1024 * 1024;
    /** A receive never waits longer than this in one call, so that it can recompute the remaining time. */
    private static final long SLICE_MS = 0x7fff_0000L;

    /**
     * Every receive asks for the audit trailer: a sender's credentials are the kernel's word about that message, not
     * this process's own (gips bug M-1).
     */
    static final int RECEIVE_OPTIONS = MachMessage.MACH_RCV_MSG | MachMessage.MACH_RCV_LARGE
            | MachMessage.rcvTrailerType(MachMessage.MACH_MSG_TRAILER_FORMAT_0)
            | MachMessage.rcvTrailerElements(MachMessage.MACH_RCV_TRAILER_AUDIT);

    final int set;
    final int notify;
    private final Where where;
    private final ReleaseGate gate;
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final MessageBuffer buffer = new MessageBuffer(); // guarded by receiveLock
    private final MemorySegment wakeMessage = Arena.ofAuto().allocate(MachMessage.HEADER);

    private Mailbox(int set, int notify, Where where, Runnable releaseMembers) {
        this.set = set;
        this.notify = notify;
        this.where = where;
        this.gate = new ReleaseGate(() -> {
            releaseMembers.run();
            Ports.destroyReceive(notify);
            Ports.destroySet(set);
            receiveLock.lock();
            try {
                buffer.close();
            } finally {
                receiveLock.unlock();
            }
        });
    }

    /**
     * A port set with a new notification port and {@code member} (a receive right it takes over: on failure, and at
     * close, {@code releaseMembers} releases it).
     */
    static Mailbox open(int member, Where where, Runnable releaseMembers) throws IOException {
        int set;
        try {
            set = Ports.allocate(MachPort.MACH_PORT_RIGHT_PORT_SET, where);
        } catch (IOException e) {
            releaseMembers.run();
            throw e;
        }
        int notify = MachPort.MACH_PORT_NULL;
        try {
            notify = Ports.allocate(MachPort.MACH_PORT_RIGHT_RECEIVE, where);
            Ports.moveMember(notify, set, where);
            Ports.moveMember(member, set, where);
        } catch (IOException e) {
            releaseMembers.run();
            if (notify != MachPort.MACH_PORT_NULL) {
                Ports.destroyReceive(notify);
            }
            Ports.destroySet(set);
            throw e;
        }
        return new Mailbox(set, notify, where, releaseMembers);
    }

    /** What a receiving thread does with the mailbox to itself. */
    interface Receiving<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code body} inside the gate, holding the receive lock: one receiving thread at a time, and the ports
     * stay valid until it leaves.
     */
    <T> T receiving(Receiving<T> body) throws IOException {
        gate.enter();
        try {
            receiveLock.lockInterruptibly();
            try {
                return body.run();
            } finally {
                buffer.shrink();
                receiveLock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        } finally {
            gate.exit();
        }
    }

    /** Enters the gate around a use of the ports; pair with {@link #exit()}. */
    void enter() throws IOException {
        gate.enter();
    }

    void exit() {
        gate.exit();
    }

    boolean isClosing() {
        return gate.isClosing();
    }

    /**
     * Receives the next message on any member, waiting as {@code timeoutNanos} says. The returned segment is the
     * receive buffer, valid until the next call; only for the body of {@link #receiving}.
     *
     * @return the buffer holding the message and its trailer, or {@code null} on timeout
     */
    MemorySegment receive(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        for (;;) {
            if (gate.isClosing()) {
                throw new AsynchronousCloseException();
            }
            int options = RECEIVE_OPTIONS;
            int timeoutMs = MachMessage.MACH_MSG_TIMEOUT_NONE;
            if (timeoutNanos >= 0) {
                long left = timeoutNanos == 0 ? 0 : deadline - System.nanoTime();
                if (left < 0) {
                    left = 0;
                }
                options |= MachMessage.MACH_RCV_TIMEOUT;
                // Mach counts milliseconds (gips passed microseconds: M-8); round up so that a short wait waits
                timeoutMs = (int) Math.min(SLICE_MS, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
            }
            MemorySegment into = buffer.segment();
            into.set(JAVA_INT, MachMessage.MSGH_SIZE, 0);
            int rc = MachMessage.mach_msg(into, options, 0, (int) into.byteSize(), set, timeoutMs,
                    MachPort.MACH_PORT_NULL);
            switch (rc) {
                case MachMessage.MACH_MSG_SUCCESS -> {
                    return into;
                }
                case MachMessage.MACH_RCV_TIMED_OUT -> {
                    if (timeoutNanos == 0 || System.nanoTime() - deadline >= 0) {
                        return null;
                    }
                }
                case MachMessage.MACH_RCV_TOO_LARGE -> {
                    // MACH_RCV_LARGE left the message queued and wrote the size it needs
                    long needed = Integer.toUnsignedLong(into.get(JAVA_INT, MachMessage.MSGH_SIZE))
                            + MachMessage.MAX_TRAILER_SIZE;
                    if (needed > MAX_BUFFER || needed <= into.byteSize()) {
                        throw where.error("mach_msg receive", "a message of " + needed + " bytes cannot be received");
                    }
                    buffer.resize(needed);
                }
                case MachMessage.MACH_RCV_INTERRUPTED, MachMessage.MACH_RCV_IN_PROGRESS,
                        MachMessage.MACH_RCV_IN_PROGRESS_TIMED -> {
                    // retry
                }
                default -> {
                    if (gate.isClosing()) {
                        throw new AsynchronousCloseException();
                    }
                    throw where.error("mach_msg receive", rc);
                }
            }
        }
    }

    /**
     * Decodes the gips message in {@code buffer} ({@link Wire#decode}), and refuses one that carries out-of-line
     * memory, which the API has no place for, after releasing everything it carried. This backend never sends
     * out-of-line memory either, so gips bug M-9 (an OOL send freed the caller's buffer) has no counterpart here.
     */
    static Wire.Received decode(MemorySegment buffer) throws MalformedMessageException {
        Wire.Received m = Wire.decode(buffer, Ports.RELEASER);
        if (!m.ool().isEmpty()) {
            for (int p : m.ports()) {
                Ports.deallocate(p);
            }
            for (Wire.Ool o : m.ool()) {
                Ports.RELEASER.memory(o.address(), Integer.toUnsignedLong(o.size()));
            }
            throw new MalformedMessageException("out-of-line memory descriptors are not supported");
        }
        return m;
    }

    /** Releases every right and region in the message in {@code buffer} (a kernel-written message). */
    static void destroy(MemorySegment buffer) {
        MachMessage.mach_msg_destroy(buffer);
    }

    /** Makes a thread blocked in {@link #receive} return: sends a header-only message to the notification port. */
    void wake() {
        synchronized (wakeMessage) {
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_BITS,
                    MachMessage.msghBits(MachMessage.MACH_MSG_TYPE_MAKE_SEND, 0, 0, 0));
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_SIZE, (int) MachMessage.HEADER.byteSize());
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_REMOTE_PORT, notify);
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_LOCAL_PORT, MachPort.MACH_PORT_NULL);
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_VOUCHER_PORT, MachPort.MACH_PORT_NULL);
            wakeMessage.set(JAVA_INT, MachMessage.MSGH_ID, WAKE_ID);
            // a full queue already holds something that wakes the receiver, so never wait
            MachMessage.mach_msg(wakeMessage, MachMessage.MACH_SEND_MSG | MachMessage.MACH_SEND_TIMEOUT,
                    (int) MachMessage.HEADER.byteSize(), 0, MachPort.MACH_PORT_NULL, 0, MachPort.MACH_PORT_NULL);
        }
    }

    /** Closes: wakes receivers; the last one out releases the ports. Idempotent. */
    void close() {
        gate.close(this::wake);
    }
}
