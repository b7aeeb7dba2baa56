package dev.gips.macos;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Sends gips messages from one reused buffer, one thread at a time. A blocking send waits in slices of
 * {@link #SLICE_MS}, so that closing the channel ends it, and {@code trySend} does not wait at all (gips waited
 * forever on a full queue: M-6); a send that timed out is pseudo-received by the kernel, and
 * {@code mach_msg_destroy} gives back the rights it had copied in.
 */
final class Sender {
    private static final int SLICE_MS = 250;

    private final Where where;
    private final String operation;
    private final ReentrantLock lock = new ReentrantLock();
    private final MessageBuffer buffer = new MessageBuffer(); // guarded by lock

    /** A sender whose errors name {@code operation} ({@code "mach_msg send"}…) and {@code where}. */
    Sender(Where where, String operation) {
        this.where = where;
        this.operation = operation;
    }

    /**
     * Sends {@code payload} (position to limit, position unchanged) and copies of the send rights in
     * {@code handles} to {@code remote}.
     *
     * @param local            the reply port, or {@link MachPort#MACH_PORT_NULL}
     * @param localDisposition {@code MACH_MSG_TYPE_MAKE_SEND} with a reply port, else 0
     * @param tryOnly          give up at once (returning {@code false}) when the queue is full
     * @param closing          whether the channel was closed meanwhile
     */
    boolean send(int remote, int local, int localDisposition, ByteBuffer payload, long[] handles, boolean tryOnly,
            BooleanSupplier closing) throws IOException {
        List<Wire.Descriptor> descriptors = new ArrayList<>(handles.length);
        for (long h : handles) {
            descriptors.add(new Wire.Port((int) h, MachMessage.MACH_MSG_TYPE_COPY_SEND));
        }
        MemorySegment body = MemorySegment.ofBuffer(payload);
        long size = Wire.size(body.byteSize(), descriptors);
        if (body.byteSize() > Limits.MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + body.byteSize() + " bytes exceeds " + Limits.MAX_PAYLOAD);
        }
        lock.lock();
        try {
            if (buffer.segment() == null) {
                throw new ClosedChannelException();
            }
            if (buffer.segment().byteSize() < size) {
                buffer.resize(size);
            }
            MemorySegment out = buffer.segment();
            for (;;) {
                int n = Wire.encode(out, remote, MachMessage.MACH_MSG_TYPE_COPY_SEND, local, localDisposition,
                        descriptors, body);
                int raw = MachMessage.mach_msg(out, MachMessage.MACH_SEND_MSG | MachMessage.MACH_SEND_TIMEOUT, n, 0,
                        MachPort.MACH_PORT_NULL, tryOnly ? 0 : SLICE_MS, MachPort.MACH_PORT_NULL);
                int rc = raw & ~MachMessage.MACH_MSG_MASK;
                switch (rc) {
                    case MachMessage.MACH_MSG_SUCCESS -> {
                        return true;
                    }
                    case MachMessage.MACH_SEND_TIMED_OUT, MachMessage.MACH_SEND_INTERRUPTED -> {
                        // pseudo-received: the kernel gave back our copies as PORT_SEND rights, which this releases.
                        // Never call it on a message that was not copied in: it would make and drop a send right
                        // for each MAKE_SEND, firing our own no-senders request.
                        MachMessage.mach_msg_destroy(out);
                        if (tryOnly) {
                            return false;
                        }
                        if (closing.getAsBoolean()) {
                            throw new AsynchronousCloseException();
                        }
                    }
                    case MachMessage.MACH_SEND_NO_BUFFER -> Thread.onSpinWait();
                    case MachMessage.MACH_SEND_INVALID_DEST -> throw where.error(operation,
                            KernReturn.describe(rc) + ": the peer has gone");
                    default -> {
                        if ((raw & MachMessage.MACH_MSG_MASK) != 0) {
                            MachMessage.mach_msg_destroy(out); // pseudo-received with a failed copyout
                        }
                        throw where.error(operation, raw);
                    }
                }
            }
        } finally {
            buffer.shrink();
            lock.unlock();
        }
    }

    /** Frees the buffer; later sends throw {@link ClosedChannelException}. */
    void close() {
        lock.lock();
        try {
            buffer.close();
        } finally {
            lock.unlock();
        }
    }
}
