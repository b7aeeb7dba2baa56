package dev.gips.windows;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import dev.gips.spi.Arrival;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.PollerChannel;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound service: a few pipe instances waiting in an overlapped {@code ConnectNamedPipe} on the shared
 * {@link IoPort}, and the connected clients. The pump turns completions into arrivals; {@link #receive} takes them
 * from a queue, so a receiver waits on a Java condition, never in a native call. A client's messages and departure
 * join that queue only once core admitted the client ({@link PipeClient#admit}); until then they wait in the client
 * ({@link PipeClient#hold}, at most {@link PipeChannel#BACKLOG} messages: reading stops there), so no receiving thread
 * can take a message of a client whose policy check another thread is still running.
 *
 * <p>Against name squatting and hijacking (gips bugs W-8, W-9): the first instance is created with
 * {@code FILE_FLAG_FIRST_PIPE_INSTANCE}, so bind fails if anyone holds the name; every instance has a protected
 * DACL that lets only SYSTEM and this user create instances, lets everyone else connect without the
 * create-instance right, and denies network logons; and instances reject remote clients. At least one instance
 * exists for as long as the service is bound, so the name is never free for someone else to take.
 */
final class PipeListener implements ListenerChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(PipeListener.class);

    static final String PREFIX = "\\\\.\\pipe\\";
    static final int MAX_PATH = 256;
    private static final int PENDING_ACCEPTS = 4;
    private static final int BUFFER_SIZE = 64 * 1024;
    /** What clients may do: read, write data, set the read mode; not create instances ({@code FILE_APPEND_DATA}). */
    static final int CLIENT_ACCESS = (Kernel32.FILE_GENERIC_READ | Kernel32.FILE_GENERIC_WRITE)
            & ~Kernel32.FILE_CREATE_PIPE_INSTANCE;

    /** Queued when no instance is left to accept clients: receive then fails instead of waiting forever. */
    private static final Arrival BROKEN = new Arrival(Arrival.Kind.DISCONNECTED, null, null);

    private final String service;
    private final String path;
    private final Where where;
    private final IoPort io;
    private final Arena saArena = Arena.ofShared();          // guarded by lock; closed with the listener
    private MemorySegment securityAttributes;                 // guarded by lock
    private final Readiness readiness = new Readiness();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Arrival> arrivals = new ArrayDeque<>();   // guarded by lock
    private final Set<Op> accepting = new HashSet<>();                 // guarded by lock
    private final Set<PipeClient> clients = new HashSet<>();           // guarded by lock
    private boolean closing;                                           // guarded by lock
    private long lastWarning;                                          // guarded by lock

    private PipeListener(String service, String path, IoPort io) {
        this.service = service;
        this.path = path;
        this.where = new Where(service, path);
        this.io = io;
    }

    static String pipePath(String service) {
        if (service.indexOf('\0') >= 0) {
            // core lets a leading NUL through: it is Linux's spelling of an abstract socket name
            throw new IllegalArgumentException("service name \"" + service.replace("\0", "\\0") + "\" contains a NUL"
                    + " character, which pipe names cannot (a leading NUL names an abstract socket, on Linux only)");
        }
        if (service.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("service name \"" + service + "\" contains a backslash, which pipe"
                    + " names cannot");
        }
        String path = PREFIX + service;
        if (service.isEmpty() || path.length() > MAX_PATH) {
            throw new IllegalArgumentException("service name \"" + service + "\" gives the pipe name " + path
                    + ", which must be 1 to " + MAX_PATH + " characters long");
        }
        return path;
    }

    /**
     * The pipe's security descriptor: a protected DACL that denies network logons, gives SYSTEM and the owner full
     * control, and lets everyone else connect ({@link #CLIENT_ACCESS}) but not create instances of the name.
     */
    static String pipeSddl(String ownerSid) {
        return "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;" + ownerSid + ")(A;;0x" + Integer.toHexString(CLIENT_ACCESS)
                + ";;;WD)";
    }

    static PipeListener bind(String service) throws IOException {
        String path = pipePath(service);
        PipeListener l = new PipeListener(service, path, IoPort.get());
        l.lock.lock();
        try {
            l.securityAttributes = Identity.securityAttributes(pipeSddl(Identity.currentUserSid()), l.saArena);
            l.addInstanceLocked(true);
            for (int i = 1; i < PENDING_ACCEPTS; i++) {
                l.addInstanceLocked(false);
            }
        } catch (IOException | RuntimeException e) {
            l.lock.unlock();
            l.close();
            throw e;
        }
        l.lock.unlock();
        LOG.debug("bound service \"{}\" at {}", service, path);
        return l;
    }

    String service() {
        return service;
    }

    /** How error messages name this service. */
    Where where() {
        return where;
    }

    @Override
    public String address() {
        return path;
    }

    /** Creates one more pipe instance and starts an overlapped accept on it. */
    private void addInstanceLocked(boolean first) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            long h = Kernel32.CreateNamedPipeW(err, Native.wide(arena, path),
                    Kernel32.PIPE_ACCESS_DUPLEX | Kernel32.FILE_FLAG_OVERLAPPED
                            | (first ? Kernel32.FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
                    Kernel32.PIPE_TYPE_MESSAGE | Kernel32.PIPE_READMODE_MESSAGE | Kernel32.PIPE_WAIT
                            | Kernel32.PIPE_REJECT_REMOTE_CLIENTS,
                    Kernel32.PIPE_UNLIMITED_INSTANCES, BUFFER_SIZE, BUFFER_SIZE, Kernel32.NMPWAIT_USE_DEFAULT_WAIT,
                    securityAttributes);
            if (h == Native.INVALID_HANDLE_VALUE) {
                int e = Native.lastError(err);
                throw where.error("CreateNamedPipeW", WinError.describe(e)
                        + (first && e == WinError.ERROR_ACCESS_DENIED
                                ? " (a pipe of this name exists: another service is bound to it, or someone holds"
                                        + " the name)" : ""));
            }
            Handles.own(h);
            Op op = new Op(h, 0, this::acceptCompleted);
            try {
                io.associate(h, where);
                io.expect(op);
                if (Kernel32.ConnectNamedPipe(err, h, op.overlapped()) == 0) {
                    int e = Native.lastError(err);
                    if (e == WinError.ERROR_PIPE_CONNECTED) {
                        io.forget(op); // a client came between create and connect: no completion will be queued
                        op.free();
                        acceptedLocked(h);
                        return;
                    }
                    if (e == WinError.ERROR_NO_DATA) {
                        // a client connected and left before we looked: this instance is spent, make another
                        io.forget(op);
                        op.free();
                        Handles.closeOwn(h);
                        addInstanceLocked(first);
                        return;
                    }
                    if (e != WinError.ERROR_IO_PENDING) {
                        io.forget(op);
                        throw where.error("ConnectNamedPipe", e);
                    }
                }
            } catch (IOException | RuntimeException e) {
                op.free();
                Handles.closeOwn(h);
                throw e;
            }
            accepting.add(op);
        }
    }

    private void acceptCompleted(Op op, int error, int bytes) {
        lock.lock();
        try {
            accepting.remove(op);
            op.free();
            if (closing) {
                Handles.closeOwn(op.file);
                return;
            }
            if (error == 0 || error == WinError.ERROR_PIPE_CONNECTED) {
                acceptedLocked(op.file);
            } else {
                LOG.debug("service \"{}\": accept failed: {}", service, WinError.describe(error));
                Handles.closeOwn(op.file);
            }
            try {
                addInstanceLocked(false);
            } catch (IOException e) {
                long now = System.nanoTime();
                if (now - lastWarning > TimeUnit.SECONDS.toNanos(1)) {
                    lastWarning = now;
                    LOG.warn("service \"{}\": cannot wait for more clients: {}", service, e.getMessage());
                }
                if (accepting.isEmpty()) {
                    // nothing waits any more: the next receive would hang forever, so say so
                    arrivals.add(BROKEN);
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A client connected to instance {@code pipe}: find out who it is and start reading. */
    private void acceptedLocked(long pipe) {
        MemorySegment err = Native.threadCapture();
        long pid = 0;
        long process = 0;
        String processProblem = null;
        Credentials credentials;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            if (Kernel32.GetNamedPipeClientProcessId(err, pipe, out) != 0) {
                pid = Integer.toUnsignedLong(out.get(JAVA_INT, 0));
            }
            // only for sending handles: identity comes from the connection's token, not from this pid
            process = Kernel32.OpenProcess(err, Kernel32.PROCESS_DUP_HANDLE, 0, (int) pid);
            if (process == 0) {
                processProblem = "OpenProcess(PROCESS_DUP_HANDLE, pid " + pid + "): "
                        + WinError.describe(Native.lastError(err));
            } else {
                Handles.own(process);
            }
            // if the client died between connecting and OpenProcess, its pid may name another process now: a
            // pipe still connected means the client (or a process it gave the pipe to) is still there. If it is
            // gone, what it sent is still delivered, but nothing will ever be duplicated into that pid.
            if (process != 0 && Kernel32.PeekNamedPipe(err, pipe, MemorySegment.NULL, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL) == 0) {
                processProblem = "the client left while it was being accepted ("
                        + WinError.describe(Native.lastError(err)) + ")";
                Handles.closeOwn(process);
                process = 0;
            }
            credentials = Identity.pipeClient(pipe, pid);
        } catch (IOException e) {
            LOG.warn("service \"{}\": dropped client pid {}: {}", service, pid, e.getMessage());
            Handles.closeOwn(process);
            Handles.closeOwn(pipe);
            return;
        }
        PipeClient client = new PipeClient(this, pipe, pid, process, processProblem, credentials, io);
        clients.add(client);
        if (credentials != null) {
            connected(client);
        }
        client.channel().startReading();
    }

    void connected(PipeClient client) {
        enqueue(Arrival.connected(client));
    }

    void arrived(PipeClient client, RawMessage message) {
        enqueue(Arrival.message(client, message));
    }

    void departed(PipeClient client) {
        enqueue(Arrival.disconnected(client));
    }

    /** The client's channel closed here (core refused or dropped it, or the listener closed). */
    void removed(PipeClient client) {
        lock.lock();
        try {
            clients.remove(client);
            client.discardHeld(PipeClient::discard); // a refused client: nothing it sent is ever reported
        } finally {
            lock.unlock();
        }
    }

    /**
     * Core admitted {@code client}: what it sent meanwhile joins the queue, in order.
     *
     * @return {@code false} if the client or the listener closed first
     */
    boolean admitted(PipeClient client) {
        lock.lock();
        try {
            if (closing || client.closedLocally()) {
                client.discardHeld(PipeClient::discard);
                return false;
            }
            if (!client.admitInto(arrivals)) {
                return true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        readiness.signal();
        return true;
    }

    private void enqueue(Arrival a) {
        lock.lock();
        try {
            if (closing) {
                if (a.message() != null) {
                    PipeClient.discard(a.message());
                }
                return;
            }
            PipeClient client = (PipeClient) a.client();
            if (a.kind() == Arrival.Kind.DISCONNECTED) {
                clients.remove(client);
            }
            if (a.kind() != Arrival.Kind.CONNECTED && !client.isAdmitted()) {
                // no thread may take a message of a client core has not admitted yet: held until admitted()
                if (client.closedLocally()) {
                    if (a.message() != null) {
                        PipeClient.discard(a.message());
                    }
                } else {
                    client.hold(a);
                }
                return;
            }
            arrivals.add(a);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        readiness.signal();
    }

    @Override
    public Arrival receive(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            Arrival a;
            lock.lock();
            try {
                for (;;) {
                    if (closing) {
                        throw new AsynchronousCloseException();
                    }
                    if (!arrivals.isEmpty()) {
                        a = arrivals.poll();
                        if (a == BROKEN) {
                            arrivals.addFirst(BROKEN);
                            throw where.error("accept", "no pipe instance is left to accept clients;"
                                    + " see the earlier warning");
                        }
                        break;
                    }
                    if (!Waits.await(changed, timeoutNanos, deadline, where)) {
                        return null;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (a.kind() != Arrival.Kind.MESSAGE) {
                return a;
            }
            PipeClient c = (PipeClient) a.client();
            c.channel().taken(); // outside our lock: the client's lock is taken before ours on the pump
            if (!c.closedLocally()) {
                return a; // a client that hung up after sending still has its messages delivered
            }
            PipeClient.discard(a.message()); // core closed the client: none of its messages after that
        }
    }

    @Override
    public int readyOps() {
        lock.lock();
        try {
            return arrivals.isEmpty() ? 0 : PollerChannel.READABLE;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    @Override
    public void close() {
        Set<PipeClient> toClose;
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            changed.signalAll();
            for (Arrival a : arrivals) {
                if (a.message() != null) {
                    PipeClient.discard(a.message());
                }
            }
            arrivals.clear();
            for (Op op : accepting) {
                // the pump frees each op and closes its instance when the cancelled accept completes
                Kernel32.CancelIoEx(Native.threadCapture(), op.file, op.overlapped());
            }
            saArena.close(); // no instance is created after closing
            toClose = new HashSet<>(clients);
            clients.clear();
        } finally {
            lock.unlock();
        }
        for (PipeClient c : toClose) {
            c.close();
        }
        readiness.signal();
        LOG.debug("closed service \"{}\"", service);
    }
}
