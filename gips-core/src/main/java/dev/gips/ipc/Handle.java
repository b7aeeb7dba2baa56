package dev.gips.ipc;

import dev.gips.internal.Cleaners;
import dev.gips.internal.SharedSecrets;
import dev.gips.poll.Source;
import dev.gips.spi.Backends;
import dev.gips.spi.RawHandle;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transferable OS object: a file descriptor on Linux and macOS, a Mach port right or memory entry on macOS, a
 * {@code HANDLE} on Windows. This is gips' {@code Object}.
 *
 * <p>A {@code Handle} owns its OS object and closes it in {@link #close()}. Sending a handle in a message sends a
 * copy and leaves this one open. Handles received in a {@link Message} belong to the message until taken (for
 * example by {@code Shm.from(handle)}); closing the message closes the rest. A handle that becomes unreachable
 * without being closed is closed by a {@link Cleaner}, but relying on that keeps OS objects alive for an unknown
 * time.
 *
 * <p>Thread safety: {@link #close()} may be called from any thread, any number of times. Using a handle that another
 * thread is closing is a race in the caller, as with any file descriptor.
 *
 * {@snippet :
 * try (var file = FileChannel.open(path); Handle h = Handle.ofFileDescriptor(fdOf(file))) {
 *     endpoint.send("here is the file".getBytes(), h);   // the receiver gets its own descriptor
 * }
 * }
 */
public final class Handle implements AutoCloseable {

    /** What kind of OS object a handle holds. */
    public enum Kind {
        /** A Unix file descriptor (Linux, macOS). */
        FILE_DESCRIPTOR,
        /** A Mach port send right (macOS). */
        MACH_PORT,
        /** A Mach memory entry (macOS shared memory). */
        MACH_MEMORY,
        /** A Windows {@code HANDLE}. */
        WINDOWS_HANDLE
    }

    private static final long NONE = Long.MIN_VALUE;

    static {
        // dev.gips.ipc's part of SharedSecrets: for Shm.from (take) and Poller (channelOf)
        SharedSecrets.setIpcAccess(new SharedSecrets.IpcAccess() {
            @Override
            public long take(Handle handle) {
                return handle.take();
            }

            @Override
            public dev.gips.spi.SourceChannel channelOf(Source source) throws ClosedChannelException {
                return Listener.channelOf(source);
            }
        });
    }

    /** The owned OS object, shared with the Cleaner; it must not refer to the Handle. */
    private static final class State implements Runnable {
        final Kind kind;
        final AtomicLong value;

        State(Kind kind, long value) {
            this.kind = kind;
            this.value = new AtomicLong(value);
        }

        @Override
        public void run() {
            long v = value.getAndSet(NONE);
            if (v != NONE) {
                Backends.get().closeHandle(kind, v);
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;

    private Handle(Kind kind, long value) {
        this.state = new State(kind, value);
        this.cleanable = Cleaners.register(this, state);
    }

    /** Wraps a raw OS object the caller owns (one just received) into a handle that owns it. */
    static Handle adopt(Kind kind, long value) {
        return new Handle(kind, value);
    }

    /**
     * A handle for a copy of a shared memory region's OS object, to send to another process. The region stays
     * usable; the receiver maps the same memory with {@code Shm.from(handle)}.
     *
     * @throws java.nio.channels.ClosedChannelException if the region is closed
     * @throws IOException if the OS object cannot be duplicated
     */
    public static Handle of(dev.gips.shm.Shm shm) throws IOException {
        java.util.Objects.requireNonNull(shm, "shm");
        RawHandle raw = SharedSecrets.shm().export(shm);
        return new Handle(raw.kind(), raw.value());
    }

    /**
     * A handle for a duplicate of file descriptor {@code fd} (Linux and macOS). The caller keeps {@code fd}.
     *
     * @throws IOException if {@code fd} is not an open descriptor
     * @throws UnsupportedOperationException on an OS without file descriptors
     */
    public static Handle ofFileDescriptor(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("file descriptor must be >= 0: " + fd);
        }
        var backend = Backends.get();
        if (!backend.handleKinds().contains(Kind.FILE_DESCRIPTOR)) {
            throw new UnsupportedOperationException("file descriptors are not handles on " + backend.name());
        }
        return new Handle(Kind.FILE_DESCRIPTOR, backend.duplicateHandle(Kind.FILE_DESCRIPTOR, fd));
    }

    /** What kind of OS object this is. */
    public Kind kind() {
        return state.kind;
    }

    /**
     * The file descriptor (Linux and macOS). The handle keeps ownership: do not close it.
     *
     * @throws IllegalStateException if the handle is closed or holds no file descriptor
     */
    public int fileDescriptor() {
        if (state.kind != Kind.FILE_DESCRIPTOR) {
            throw new IllegalStateException("handle holds a " + state.kind + ", not a file descriptor");
        }
        return (int) raw();
    }

    /**
     * A new handle for the same OS object, owned by the caller.
     *
     * @throws java.nio.channels.ClosedChannelException if this handle is closed
     * @throws IOException if the OS cannot duplicate it
     */
    public Handle duplicate() throws IOException {
        long v = state.value.get();
        if (v == NONE) {
            throw new ClosedChannelException(); // as every method that declares IOException, after close
        }
        return new Handle(state.kind, Backends.get().duplicateHandle(state.kind, v));
    }

    /** Whether the handle still owns its OS object. */
    public boolean isOpen() {
        return state.value.get() != NONE;
    }

    /** Closes the OS object; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * The raw value, still owned by this handle.
     *
     * @throws IllegalStateException if the handle is closed
     */
    long raw() {
        long v = state.value.get();
        if (v == NONE) {
            throw new IllegalStateException("handle is closed");
        }
        return v;
    }

    /** Takes the OS object out: this handle is closed without closing the object, which the caller now owns. */
    private long take() {
        long v = state.value.getAndSet(NONE);
        if (v == NONE) {
            throw new IllegalStateException("handle is closed");
        }
        cleanable.clean(); // nothing left to close: this only unregisters
        return v;
    }

    @Override
    public String toString() {
        long v = state.value.get();
        return "Handle[" + state.kind + (v == NONE ? ", closed]" : ", " + v + "]");
    }
}
