package dev.gips.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one I/O completion port for pipe I/O, and the platform thread that drains it. Every pipe handle of
 * the backend is associated with it; every overlapped operation ends here, in {@link Op.Completion#completed}, and
 * nowhere else, so an {@code OVERLAPPED} and its buffer are freed only after the kernel reported them done. No user
 * thread ever waits in a native call for pipe I/O: they wait on Java conditions that the pump signals.
 */
final class IoPort implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IoPort.class);

    private static final long KEY_IO = 1;
    private static final int ENTRIES = 64;
    private static volatile IoPort instance;

    private final long port;
    private final Map<Long, Op> inFlight = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment entries = arena.allocate(MinWinBase.OVERLAPPED_ENTRY, ENTRIES);
    private final MemorySegment removed = arena.allocate(JAVA_INT);
    private final MemorySegment bytes = arena.allocate(JAVA_INT);
    private final MemorySegment err = Native.allocateCapture(arena);

    private IoPort(long port) {
        this.port = port;
    }

    /** The port, created with its pump thread on first use. */
    static IoPort get() throws IOException {
        IoPort p = instance;
        if (p != null) {
            return p;
        }
        synchronized (IoPort.class) {
            if (instance == null) {
                MemorySegment e = Native.threadCapture();
                long h = Kernel32.CreateIoCompletionPort(e, Native.INVALID_HANDLE_VALUE, 0, 0, 1);
                if (h == 0) {
                    throw Where.PROCESS.error("CreateIoCompletionPort", Native.lastError(e));
                }
                IoPort created = new IoPort(Handles.own(h));
                Thread t = Thread.ofPlatform().daemon().name("gips-iocp").unstarted(created);
                t.start();
                instance = created;
            }
            return instance;
        }
    }

    /** Ties {@code handle}'s completions to this port (once per handle, for its whole life). */
    void associate(long handle, Where where) throws IOException {
        MemorySegment e = Native.threadCapture();
        if (Kernel32.CreateIoCompletionPort(e, handle, port, KEY_IO, 0) == 0) {
            throw where.error("CreateIoCompletionPort", Native.lastError(e));
        }
    }

    /** Called right before the call that starts {@code op}: its completion will be delivered. */
    void expect(Op op) {
        inFlight.put(op.address(), op);
    }

    /** The call that should have started {@code op} failed at once: no completion will come. */
    void forget(Op op) {
        inFlight.remove(op.address());
    }

    @Override
    public void run() {
        for (;;) {
            if (Kernel32.GetQueuedCompletionStatusEx(err, port, entries, ENTRIES, removed, Kernel32.INFINITE) == 0) {
                LOG.error("GetQueuedCompletionStatusEx: {}; pipe I/O stops", WinError.describe(Native.lastError(err)));
                return;
            }
            int n = removed.get(JAVA_INT, 0);
            for (int i = 0; i < n; i++) {
                long at = i * MinWinBase.OVERLAPPED_ENTRY.byteSize();
                long ovl = entries.get(ADDRESS, at + MinWinBase.OVERLAPPED_ENTRY_lpOverlapped).address();
                long status = entries.get(JAVA_LONG, at + MinWinBase.OVERLAPPED_ENTRY_Internal);
                int transferred = entries.get(JAVA_INT, at + MinWinBase.OVERLAPPED_ENTRY_dwNumberOfBytesTransferred);
                Op op = ovl == 0 ? null : inFlight.remove(ovl);
                if (op == null) {
                    LOG.debug("completion for an unknown OVERLAPPED 0x{}", Long.toHexString(ovl));
                    continue;
                }
                int error = 0;
                if (status != 0) {
                    // the entry holds an NTSTATUS; GetOverlappedResult translates it into the Win32 code
                    if (Kernel32.GetOverlappedResult(err, op.file, op.overlapped(), bytes, 0) == 0) {
                        error = Native.lastError(err);
                    }
                }
                try {
                    op.completion.completed(op, error, transferred);
                } catch (InternalError t) {
                    // RevertToSelf failed: this thread may still act as a client, so it must do nothing more
                    LOG.error("pipe I/O stops: the I/O thread cannot stop impersonating a client", t);
                    return;
                } catch (RuntimeException | Error t) {
                    LOG.error("pipe completion handler failed", t);
                }
            }
        }
    }
}
