package dev.gips.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Handle;
import dev.gips.spi.PollerChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.RawMessage;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected end of a message-mode pipe, server or client side: the I/O both share.
 *
 * <p><b>Reads.</b> One overlapped read is outstanding while fewer than {@link #BACKLOG} received messages wait
 * for the user; beyond that the pipe's own buffer holds the rest and the peer's writes wait, which is the
 * backpressure. A message longer than the buffer completes with {@code ERROR_MORE_DATA}: the header says how long
 * the frame is, the buffer grows to it (up to {@link Wire#MAX_FRAME}) and the rest is read into place, so any
 * message up to 16 MiB arrives whole (gips bug W-2).
 *
 * <p><b>Writes.</b> Each send takes a pooled {@link Op}, duplicates its handles into the peer, starts an overlapped
 * write and, for {@code send}, waits on a Java park that the pump ends. No lock is held while waiting, and nothing
 * waits for the peer to read what was written before (no {@code FlushFileBuffers}: gips bug W-6).
 *
 * <p><b>Close.</b> Marks the channel closing, cancels its I/O ({@code CancelIoEx}) and closes the handle only when
 * the pump has seen every operation complete, then frees their memory (gips bug W-7).
 *
 * <p>It reports to its {@link Owner}, the {@link PipeClient} or {@link PipeEndpoint} it serves.
 */
final class PipeChannel {
    private static final Logger LOG = LoggerFactory.getLogger(PipeChannel.class);

    static final int READ_CHUNK = 64 * 1024;
    static final int BACKLOG = 16;
    private static final int WRITE_POOL = 4;
    private static final long POOLED_WRITE_MAX = 1 << 20;

    /**
     * Who a pipe channel reports to: the client or endpoint it serves, which pollers watch through its channel.
     * {@link #delivered} and {@link #ended} are called on the pump, under {@link #lock}.
     */
    interface Owner extends Pollable {
        /** The channel this owner's pipe I/O goes through. */
        PipeChannel channel();

        /** A received message, handles already validated and owned by it. */
        void delivered(RawMessage message);

        /** The peer hung up or broke the protocol ({@code cause} says how, {@code null} for a hang-up). Called once. */
        void ended(String cause);

        @Override
        default int readyOps() {
            return channel().readyOps();
        }

        @Override
        default Readiness readiness() {
            return channel().readiness();
        }
    }

    private final Owner owner;
    /** The service and pipe path, for messages. */
    final Where where;
    final long pipe;
    /** The peer process, opened with {@code PROCESS_DUP_HANDLE}, or 0 if that was refused. */
    final long peerProcess;
    private final String peerProcessProblem;
    private final IoPort io;
    private final Readiness readiness = new Readiness();

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    private final Op readOp;
    private long readOffset;                                    // guarded by lock
    private boolean reading;                                    // guarded by lock
    private int undelivered;                                    // guarded by lock: delivered, not yet taken
    private int inFlight;                                       // guarded by lock
    private int writesInFlight;                                 // guarded by lock
    private final ArrayDeque<Op> writePool = new ArrayDeque<>(); // guarded by lock
    private boolean closing;                                    // guarded by lock
    private boolean released;                                   // guarded by lock
    private boolean ended;                                      // guarded by lock: the peer hung up or broke
    private String endCause;                                    // guarded by lock: why, if it misbehaved

    PipeChannel(Owner owner, Where where, long pipe, long peerProcess, String peerProcessProblem, IoPort io) {
        this.owner = owner;
        this.where = where;
        this.pipe = pipe;
        this.peerProcess = peerProcess;
        this.peerProcessProblem = peerProcessProblem;
        this.io = io;
        this.readOp = new Op(pipe, READ_CHUNK, this::readCompleted);
    }

    /** The pollers watching this pipe. */
    Readiness readiness() {
        return readiness;
    }

    /** What the pipe is ready for: {@code PollerChannel.READABLE} and/or {@code WRITABLE}. */
    int readyOps() {
        lock.lock();
        try {
            int ops = 0;
            if (undelivered > 0 || ended) {
                ops |= PollerChannel.READABLE;
            }
            if (!closing && writesInFlight == 0) {
                ops |= PollerChannel.WRITABLE;
            }
            return ops;
        } finally {
            lock.unlock();
        }
    }

    // -------------------------------------------------------------------------------------------------- reads

    /** Starts reading; call once the channel is set up. */
    void startReading() {
        lock.lock();
        try {
            readMoreLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The user took one delivered message: read on if the backlog allows. */
    void taken() {
        lock.lock();
        try {
            undelivered--;
            readMoreLocked();
        } finally {
            lock.unlock();
        }
    }

    private void readMoreLocked() {
        if (reading || closing || ended || undelivered >= BACKLOG) {
            return;
        }
        MemorySegment err = Native.threadCapture();
        readOp.reset();
        io.expect(readOp);
        reading = true;
        inFlight++;
        MemorySegment into = readOp.buffer().asSlice(readOffset);
        if (Kernel32.ReadFile(err, pipe, into, (int) into.byteSize(), readOp.overlapped()) == 0) {
            int e = Native.lastError(err);
            // IO_PENDING and MORE_DATA (a warning status) both still queue a completion packet
            if (e != WinError.ERROR_IO_PENDING && e != WinError.ERROR_MORE_DATA) {
                io.forget(readOp);
                reading = false;
                inFlight--;
                endLocked(WinError.isDisconnect(e) ? null : "ReadFile: " + WinError.describe(e));
            }
        }
    }

    private void readCompleted(Op op, int error, int bytes) {
        lock.lock();
        try {
            reading = false;
            inFlight--;
            if (closing) {
                releaseIfIdleLocked();
                return;
            }
            if (error == 0) {
                long length = readOffset + bytes;
                readOffset = 0;
                receivedLocked(length);
                if (released) {
                    return; // the message ended the channel (a bad frame, a refused client)
                }
                readOp.shrink(READ_CHUNK); // a 16 MiB message does not pin 16 MiB per connection
            } else if (error == WinError.ERROR_MORE_DATA) {
                readOffset += bytes;
                try {
                    long claimed = Wire.claimedSize(readOp.buffer(), readOffset);
                    if (claimed <= readOffset) {
                        throw new Wire.BadFrame("frame claims " + claimed + " bytes but the message is longer");
                    }
                    readOp.ensureCapacity(claimed, readOffset);
                } catch (Wire.BadFrame e) {
                    refuseLocked(e.getMessage(), readOffset);
                    return;
                }
            } else {
                // ERROR_OPERATION_ABORTED without close() means someone else cancelled the read: end it too
                endLocked(WinError.isDisconnect(error) ? null : "ReadFile: " + WinError.describe(error));
                return;
            }
            readMoreLocked();
        } finally {
            lock.unlock();
        }
    }

    private void receivedLocked(long length) {
        MemorySegment buf = readOp.buffer();
        Wire.Decoded d;
        try {
            d = Wire.decode(buf, length);
        } catch (Wire.BadFrame e) {
            refuseLocked(e.getMessage(), length);
            return;
        }
        List<RawHandle> handles = new ArrayList<>(d.handles().length);
        MemorySegment err = Native.threadCapture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flags = arena.allocate(JAVA_INT);
            for (long v : d.handles()) {
                String why = Handles.refuse(v, err, flags);
                if (why != null) {
                    // closes the entries that do name open handles, the ones before this one included
                    refuseLocked("object " + handles.size() + ": " + why, length);
                    return;
                }
                handles.add(new RawHandle(Handle.Kind.WINDOWS_HANDLE, v));
            }
        }
        undelivered++;
        owner.delivered(new RawMessage(d.payload(), handles));
        readiness.signal();
    }

    /** The peer broke the protocol: close what it may have placed here and end the channel. */
    private void refuseLocked(String why, long length) {
        if (length >= 0) {
            MemorySegment err = Native.threadCapture();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment flags = arena.allocate(JAVA_INT);
                for (long v : Wire.salvageHandles(readOp.buffer(), Math.min(length, readOp.capacity()))) {
                    if (Handles.refuse(v, err, flags) == null) {
                        Handles.close(v);
                    }
                }
            }
        }
        readOffset = 0;
        endLocked("malformed message: " + why);
    }

    private void endLocked(String cause) {
        if (ended) {
            return;
        }
        ended = true;
        endCause = cause;
        owner.ended(cause);
        changed.signalAll();
        readiness.signal();
    }

    /** Whether the peer is gone, and why if it misbehaved ({@code null} for a plain hang-up). */
    boolean isEnded() {
        return ended;
    }

    String endCause() {
        return endCause;
    }

    boolean isClosing() {
        return closing;
    }

    // ------------------------------------------------------------------------------------------------- writes

    /**
     * Sends one frame.
     *
     * @param wait whether to wait for the write to complete; if not, nothing is sent while an earlier write is still
     *             in flight
     * @return {@code false} if {@code wait} is false and nothing was sent
     */
    boolean write(ByteBuffer payload, long[] handles, boolean wait) throws IOException {
        Op pooled;
        lock.lock();
        try {
            if (closing) {
                throw new ClosedChannelException();
            }
            if (ended) {
                if (endCause == null) {
                    throw where.eof("send", "the peer has gone");
                }
                throw where.error("send", endCause);
            }
            if (!wait && writesInFlight > 0) {
                return false;
            }
            pooled = writePool.poll();
            writesInFlight++;
            inFlight++;
        } finally {
            lock.unlock();
        }
        Op op = startWrite(pooled, payload, handles, wait);
        return !wait || awaitWrite(op);
    }

    /**
     * Starts the overlapped write of one frame in {@code pooled} (a new op if the pool had none), its handles first
     * duplicated into the peer. If the write cannot start, undoes what {@link #write} and this did: the handles placed
     * in the peer are closed there, the counts go back, the op is recycled.
     *
     * @return the op the write runs in
     */
    private Op startWrite(Op pooled, ByteBuffer payload, long[] handles, boolean wait) throws IOException {
        Op op = pooled;
        long[] remote = new long[handles.length];
        int placed = 0;
        boolean started = false;
        try {
            long size = Wire.frameSize(payload.remaining(), handles.length);
            if (op == null) {
                op = new Op(pipe, Math.max(size, READ_CHUNK), this::writeCompleted);
            } else {
                op.ensureCapacity(size, 0);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment err = Native.allocateCapture(arena);
                if (handles.length > 0) {
                    if (peerProcess == 0) {
                        throw where.error("send handles", "cannot place handles in the peer process: "
                                + peerProcessProblem);
                    }
                    MemorySegment out = arena.allocate(ADDRESS);
                    for (; placed < handles.length; placed++) {
                        remote[placed] = Handles.duplicateInto(peerProcess, handles[placed], err, out, where);
                    }
                }
                Wire.encode(op.buffer(), payload, remote);
                op.reset();
                op.remoteHandles = remote;
                op.waiter = wait ? Thread.currentThread() : null;
                io.expect(op);
                if (Kernel32.WriteFile(err, pipe, op.buffer(), (int) size, op.overlapped()) == 0) {
                    int e = Native.lastError(err);
                    if (e != WinError.ERROR_IO_PENDING) {
                        io.forget(op);
                        throw writeError(e);
                    }
                }
                started = true;
                return op;
            }
        } finally {
            if (!started) {
                for (int i = 0; i < placed; i++) {
                    Handles.closeIn(peerProcess, remote[i]);
                }
                lock.lock();
                try {
                    writesInFlight--;
                    inFlight--;
                    recycleLocked(op);
                    releaseIfIdleLocked();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Waits for a started write to complete (the pump unparks us): {@code true}, or why it failed. */
    private boolean awaitWrite(Op op) throws IOException {
        while (op.result < 0) {
            LockSupport.park(this); // interrupts do not cancel a started write
        }
        int error = op.result;
        lock.lock();
        try {
            recycleLocked(op);
            releaseIfIdleLocked();
            if (error == 0) {
                return true;
            }
            if (error == WinError.ERROR_OPERATION_ABORTED && closing) {
                throw new AsynchronousCloseException();
            }
        } finally {
            lock.unlock();
        }
        throw writeError(error);
    }

    /** A failed write: {@link EOFException} when the peer has gone, as {@code recv} reports it. */
    private IOException writeError(int error) {
        if (WinError.isDisconnect(error)) {
            return where.eof("WriteFile", "the peer has gone (" + WinError.describe(error) + ")");
        }
        return where.error("WriteFile", error);
    }

    private void writeCompleted(Op op, int error, int bytes) {
        if (error != 0) {
            for (long h : op.remoteHandles) {
                Handles.closeIn(peerProcess, h); // the peer never got the message that owned them
            }
        }
        lock.lock();
        try {
            writesInFlight--;
            inFlight--;
            Thread waiter = op.waiter;
            op.result = error == 0 && bytes < 0 ? WinError.ERROR_INVALID_PARAMETER : error;
            if (waiter != null) {
                LockSupport.unpark(waiter); // the sender recycles the op
            } else {
                if (error != 0) {
                    LOG.debug("service \"{}\": a trySend write failed: {}", where.service(), WinError.describe(error));
                }
                recycleLocked(op);
                releaseIfIdleLocked();
            }
            readiness.signal();
        } finally {
            lock.unlock();
        }
    }

    private void recycleLocked(Op op) {
        if (op == null) {
            return;
        }
        op.waiter = null;
        op.remoteHandles = new long[0];
        if (!closing && writePool.size() < WRITE_POOL && op.capacity() <= POOLED_WRITE_MAX) {
            writePool.push(op);
        } else {
            op.free();
        }
    }

    // -------------------------------------------------------------------------------------------------- close

    /** Closes the channel; returns {@code false} if it was closing already. */
    boolean closeChannel() {
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            closing = true;
            changed.signalAll();
            if (inFlight > 0) {
                // every pending operation completes with ERROR_OPERATION_ABORTED; the last one releases
                Kernel32.CancelIoEx(Native.threadCapture(), pipe, MemorySegment.NULL);
            }
            releaseIfIdleLocked();
        } finally {
            lock.unlock();
        }
        readiness.signal();
        return true;
    }

    private void releaseIfIdleLocked() {
        if (!closing || inFlight > 0 || released) {
            return;
        }
        released = true;
        Handles.closeOwn(pipe);
        Handles.closeOwn(peerProcess);
        readOp.free();
        for (Op op : writePool) {
            op.free();
        }
        writePool.clear();
    }
}
