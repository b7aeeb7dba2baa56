package dev.gips.windows;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.RawMessage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a service's pipe. Opened with {@code SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION}, so the
 * server can learn who we are but cannot act as us (gips bug W-9), and switched to message-read mode (W-5).
 */
final class PipeEndpoint implements EndpointChannel, PipeChannel.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(PipeEndpoint.class);

    /** How long an untimed connect waits, in all, for a free instance of a busy service. */
    private static final int BUSY_WAIT_MS = 5_000;

    private final PipeChannel channel;
    private final Credentials peer;
    private final IOException peerProblem;
    private final ArrayDeque<RawMessage> inbox = new ArrayDeque<>();    // guarded by channel.lock

    private PipeEndpoint(Where where, long pipe, long process, String processProblem, Credentials peer,
            IOException peerProblem, IoPort io) {
        this.channel = new PipeChannel(this, where, pipe, process, processProblem, io);
        this.peer = peer;
        this.peerProblem = peerProblem;
    }

    /**
     * Connects to {@code service}, once.
     *
     * @param timeoutNanos how long to wait for a free instance of a busy service: {@code < 0} the default 5 s,
     *                     {@code 0} not at all
     */
    static PipeEndpoint connect(String service, long timeoutNanos) throws IOException {
        Where where = new Where(service, PipeListener.pipePath(service));
        IoPort io = IoPort.get();
        long pipe = open(where, timeoutNanos < 0 ? BUSY_WAIT_MS * 1_000_000L : timeoutNanos);
        long process = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment mode = arena.allocate(JAVA_INT);
            mode.set(JAVA_INT, 0, Kernel32.PIPE_READMODE_MESSAGE);
            if (Kernel32.SetNamedPipeHandleState(err, pipe, mode) == 0) {
                throw where.error("SetNamedPipeHandleState(PIPE_READMODE_MESSAGE)", Native.lastError(err));
            }
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            // the server's pid, not our own (gips bug W-4); the server is alive while we hold its instance
            if (Kernel32.GetNamedPipeServerProcessId(err, pipe, pidOut) == 0) {
                throw where.error("GetNamedPipeServerProcessId", Native.lastError(err));
            }
            long pid = Integer.toUnsignedLong(pidOut.get(JAVA_INT, 0));
            String processProblem = null;
            process = Kernel32.OpenProcess(err,
                    Kernel32.PROCESS_DUP_HANDLE | Kernel32.PROCESS_QUERY_LIMITED_INFORMATION, 0, (int) pid);
            if (process != 0) {
                Handles.own(process);
            } else {
                // an elevated or other user's service: we may still learn who it is, but not give it handles
                processProblem = "OpenProcess(PROCESS_DUP_HANDLE, pid " + pid + "): "
                        + WinError.describe(Native.lastError(err));
            }
            // a service's token may be closed to us (SYSTEM, another user): then only peerCredentials() fails
            Credentials peer = null;
            IOException peerProblem = null;
            try {
                peer = serviceCredentials(process, pid, err);
            } catch (IOException x) {
                peerProblem = x;
            }
            io.associate(pipe, where);
            PipeEndpoint e = new PipeEndpoint(where, pipe, process, processProblem, peer, peerProblem, io);
            e.channel.startReading();
            LOG.debug("connected to service \"{}\" at {} (pid {})", service, where.address(), pid);
            return e;
        } catch (IOException | RuntimeException e) {
            Handles.closeOwn(process);
            Handles.closeOwn(pipe);
            throw e;
        }
    }

    private static Credentials serviceCredentials(long process, long pid, MemorySegment err) throws IOException {
        if (process != 0) {
            return Identity.ofProcess(process, pid);
        }
        long query = Kernel32.OpenProcess(err, Kernel32.PROCESS_QUERY_LIMITED_INFORMATION, 0, (int) pid);
        if (query == 0) {
            throw Where.PROCESS.error("OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION) of pid " + pid,
                    Native.lastError(err));
        }
        try {
            return Identity.ofProcess(query, pid);
        } finally {
            Kernel32.CloseHandle(err, query);
        }
    }

    /** {@code CreateFileW} on the pipe, waiting at most {@code busyNanos} for a free instance of a busy service. */
    private static long open(Where where, long busyNanos) throws IOException {
        long deadline = System.nanoTime() + busyNanos;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment name = Native.wide(arena, where.address());
            for (;;) {
                long h = Kernel32.CreateFileW(err, name, PipeListener.CLIENT_ACCESS, 0, MemorySegment.NULL,
                        Kernel32.OPEN_EXISTING, Kernel32.FILE_FLAG_OVERLAPPED | Kernel32.SECURITY_SQOS_PRESENT
                                | Kernel32.SECURITY_IDENTIFICATION);
                if (h != Native.INVALID_HANDLE_VALUE) {
                    return Handles.own(h);
                }
                int e = Native.lastError(err);
                if (e == WinError.ERROR_FILE_NOT_FOUND) {
                    throw where.noService("connect", e);
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (e != WinError.ERROR_PIPE_BUSY || left <= 0) {
                    throw where.error("connect", e);
                }
                // every instance is taken: the service makes a new one as soon as it accepts
                Kernel32.WaitNamedPipeW(err, name, (int) Math.min(Math.max(1, left), Integer.MAX_VALUE));
            }
        }
    }

    @Override
    public void delivered(RawMessage message) {
        inbox.add(message);
        channel.changed.signalAll();
    }

    @Override
    public void ended(String cause) {
        if (cause != null) {
            LOG.warn("service \"{}\": {}", channel.where.service(), cause);
        }
    }

    @Override
    public void send(ByteBuffer payload, long[] handles) throws IOException {
        channel.write(payload, handles, true);
    }

    @Override
    public RawMessage receive(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        RawMessage m;
        channel.lock.lock();
        try {
            for (;;) {
                if (channel.isClosing()) {
                    throw new AsynchronousCloseException();
                }
                m = inbox.poll();
                if (m != null) {
                    break;
                }
                if (channel.isEnded()) {
                    String cause = channel.endCause();
                    if (cause == null) {
                        throw channel.where.eof("receive", "the service hung up");
                    }
                    throw channel.where.error("receive", cause);
                }
                if (!Waits.await(channel.changed, timeoutNanos, deadline, channel.where)) {
                    return null;
                }
            }
        } finally {
            channel.lock.unlock();
        }
        channel.taken();
        return m;
    }

    @Override
    public Credentials peerCredentials() throws IOException {
        if (peer == null) {
            throw channel.where.error("credentials of the service", peerProblem.getMessage());
        }
        return peer;
    }

    @Override
    public String address() {
        return channel.where.address();
    }

    @Override
    public void close() {
        channel.lock.lock();
        try {
            for (RawMessage m : inbox) {
                PipeClient.discard(m);
            }
            inbox.clear();
        } finally {
            channel.lock.unlock();
        }
        channel.closeChannel();
    }

    @Override
    public PipeChannel channel() {
        return channel;
    }
}
