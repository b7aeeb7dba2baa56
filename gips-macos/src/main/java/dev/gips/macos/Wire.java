package dev.gips.macos;

import static dev.gips.macos.MachMessage.AUDIT_TRAILER_SIZE;
import static dev.gips.macos.MachMessage.BODY;
import static dev.gips.macos.MachMessage.DESCRIPTOR_TYPE;
import static dev.gips.macos.MachMessage.HEADER;
import static dev.gips.macos.MachMessage.MACH_MSGH_BITS_COMPLEX;
import static dev.gips.macos.MachMessage.MACH_MSGH_BITS_LOCAL_MASK;
import static dev.gips.macos.MachMessage.MACH_MSGH_BITS_REMOTE_MASK;
import static dev.gips.macos.MachMessage.MACH_MSGH_BITS_VOUCHER_MASK;
import static dev.gips.macos.MachMessage.MACH_MSG_GUARDED_PORT_DESCRIPTOR;
import static dev.gips.macos.MachMessage.MACH_MSG_OOL_DESCRIPTOR;
import static dev.gips.macos.MachMessage.MACH_MSG_OOL_PORTS_DESCRIPTOR;
import static dev.gips.macos.MachMessage.MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
import static dev.gips.macos.MachMessage.MACH_MSG_PORT_DESCRIPTOR;
import static dev.gips.macos.MachMessage.MACH_MSG_TRAILER_FORMAT_0;
import static dev.gips.macos.MachMessage.MACH_MSG_TYPE_PORT_SEND;
import static dev.gips.macos.MachMessage.OOL_DESCRIPTOR;
import static dev.gips.macos.MachMessage.PORT_DESCRIPTOR;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gips.spi.Limits;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * gips 0.2.0's Mach message format, encoded and decoded in pure Java over {@link MemorySegment}s, with no system
 * call: header (24), body (4, always present, the COMPLEX bit always set), port (12) and OOL (16) descriptors
 * back to back, then the payload padded to a multiple of 4; the exact payload length travels in {@code msgh_id}.
 *
 * <p>Decoding trusts nothing in the buffer: sizes, counts, types, dispositions and the trailer are all checked
 * (gips bug M-3). A message that fails is refused with a {@link MalformedMessageException} after every right and
 * region in its body was handed to the {@link Releaser} (M-4).
 */
final class Wire {
    private Wire() {}

    static final int HEADER_SIZE = (int) HEADER.byteSize();
    static final int BODY_SIZE = (int) BODY.byteSize();
    static final int PORT_SIZE = (int) PORT_DESCRIPTOR.byteSize();
    static final int OOL_SIZE = (int) OOL_DESCRIPTOR.byteSize();
    /** Where descriptors start. */
    static final int DESCRIPTORS = HEADER_SIZE + BODY_SIZE;
    /** The largest OOL region a peer may send: no more than a payload. */
    static final long MAX_OOL = Limits.MAX_PAYLOAD;

    /** A descriptor to send. */
    sealed interface Descriptor permits Port, Ool {}

    /**
     * A port right to send.
     *
     * @param name        its name in the sender's space
     * @param disposition {@code MACH_MSG_TYPE_COPY_SEND} in gips
     */
    record Port(int name, int disposition) implements Descriptor {}

    /**
     * Out-of-line memory to send, or received.
     *
     * @param address    the sender's (or, received, the receiver's) address
     * @param size       bytes
     * @param deallocate whether the sender gives the memory away
     * @param copy       {@code MACH_MSG_VIRTUAL_COPY} in gips
     */
    record Ool(long address, int size, boolean deallocate, int copy) implements Descriptor {}

    /** Takes back what a refused message carried. Implemented with Mach calls in the backend, recorded in tests. */
    interface Releaser {
        /** Releases one right of {@code disposition} (as received: PORT_SEND, PORT_SEND_ONCE, PORT_RECEIVE). */
        void port(int name, int disposition);

        /** Deallocates a received region. */
        void memory(long address, long size);

        /** Releases {@code count} rights stored at {@code address}, then the array itself. */
        void portArray(long address, int count, int disposition);

        /** Destroys a guarded right received with {@code context}. */
        void guardedPort(int name, long context, int disposition);
    }

    /**
     * A decoded message.
     *
     * @param remotePort        {@code msgh_remote_port}: the sender's reply port (a send right), or null
     * @param remoteDisposition how that right arrived
     * @param localPort         {@code msgh_local_port}: the port it arrived on
     * @param payload           exactly {@code msgh_id} bytes
     * @param ports             received send rights, in order (owned by the caller)
     * @param ool               received regions, in order (owned by the caller)
     * @param audit             the sender's {@code audit_token_t}
     */
    record Received(int remotePort, int remoteDisposition, int localPort, byte[] payload, int[] ports,
            List<Ool> ool, int[] audit) {}

    /** Bytes of a message with {@code payloadLength} bytes and these descriptors, as {@code msgh_size}. */
    static long size(long payloadLength, List<? extends Descriptor> descriptors) {
        long size = DESCRIPTORS + MachMessage.roundMsg(payloadLength);
        for (Descriptor d : descriptors) {
            size += d instanceof Port ? PORT_SIZE : OOL_SIZE;
        }
        return size;
    }

    /**
     * Writes a message into {@code buf} (which must be at least {@link #size} bytes, 4-aligned) and returns its size.
     * Padding bytes are zeroed (gips leaves them uninitialised; nobody reads them). An empty payload is still a
     * message: gips sends nothing then (M-14).
     */
    static int encode(MemorySegment buf, int remotePort, int remoteDisposition, int localPort, int localDisposition,
            List<? extends Descriptor> descriptors, MemorySegment payload) {
        long payloadLength = payload.byteSize();
        if (payloadLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a payload's length must fit msgh_id: " + payloadLength);
        }
        long size = size(payloadLength, descriptors);
        if (size > buf.byteSize()) {
            throw new IllegalArgumentException("buffer of " + buf.byteSize() + " bytes for a " + size + "-byte message");
        }
        buf.set(JAVA_INT, MachMessage.MSGH_BITS,
                MachMessage.msghBits(remoteDisposition, localDisposition, 0, MACH_MSGH_BITS_COMPLEX));
        buf.set(JAVA_INT, MachMessage.MSGH_SIZE, (int) size);
        buf.set(JAVA_INT, MachMessage.MSGH_REMOTE_PORT, remotePort);
        buf.set(JAVA_INT, MachMessage.MSGH_LOCAL_PORT, localPort);
        buf.set(JAVA_INT, MachMessage.MSGH_VOUCHER_PORT, 0);
        buf.set(JAVA_INT, MachMessage.MSGH_ID, (int) payloadLength);
        buf.set(JAVA_INT, HEADER_SIZE, descriptors.size());
        long at = DESCRIPTORS;
        for (Descriptor d : descriptors) {
            switch (d) {
                case Port p -> {
                    buf.set(JAVA_INT, at + MachMessage.PORT_NAME, p.name());
                    buf.set(JAVA_INT, at + 4, 0);
                    buf.set(JAVA_SHORT, at + 8, (short) 0);
                    buf.set(JAVA_BYTE, at + MachMessage.PORT_DISPOSITION, (byte) p.disposition());
                    buf.set(JAVA_BYTE, at + DESCRIPTOR_TYPE, (byte) MACH_MSG_PORT_DESCRIPTOR);
                    at += PORT_SIZE;
                }
                case Ool o -> {
                    buf.set(MachMessage.U64_PACK4, at + MachMessage.OOL_ADDRESS, o.address());
                    buf.set(JAVA_BYTE, at + MachMessage.OOL_DEALLOCATE, (byte) (o.deallocate() ? 1 : 0));
                    buf.set(JAVA_BYTE, at + MachMessage.OOL_COPY, (byte) o.copy());
                    buf.set(JAVA_BYTE, at + 10, (byte) 0);
                    buf.set(JAVA_BYTE, at + DESCRIPTOR_TYPE, (byte) MACH_MSG_OOL_DESCRIPTOR);
                    buf.set(JAVA_INT, at + MachMessage.OOL_SIZE, o.size());
                    at += OOL_SIZE;
                }
            }
        }
        MemorySegment.copy(payload, 0, buf, at, payloadLength);
        buf.asSlice(at + payloadLength, size - at - payloadLength).fill((byte) 0);
        return (int) size;
    }

    /**
     * Decodes a message the kernel wrote into {@code buf} (the receive buffer, whose size is what was passed as
     * {@code rcv_size}), with the audit trailer requested.
     *
     * @throws MalformedMessageException after releasing the body's rights and regions, if anything is off
     */
    static Received decode(MemorySegment buf, Releaser releaser) throws MalformedMessageException {
        long capacity = buf.byteSize();
        if (capacity < HEADER_SIZE) {
            throw new MalformedMessageException("truncated message: " + capacity + " bytes, less than a header");
        }
        int bits = buf.get(JAVA_INT, MachMessage.MSGH_BITS);
        long size = Integer.toUnsignedLong(buf.get(JAVA_INT, MachMessage.MSGH_SIZE));
        boolean complex = (bits & MACH_MSGH_BITS_COMPLEX) != 0;
        // Bounds first: nothing past them may be read, not even to release.
        if (size < HEADER_SIZE || (size & 3) != 0) {
            throw new MalformedMessageException("msgh_size " + size + " is not a multiple of 4 of at least "
                    + HEADER_SIZE);
        }
        if (size + MachMessage.TRAILER.byteSize() > capacity) {
            throw new MalformedMessageException("msgh_size " + size + " plus a trailer exceeds the " + capacity
                    + " bytes received");
        }
        int count = complex ? descriptorCount(buf, size) : 0;
        Decoder d = new Decoder(buf, size, releaser);
        d.at = complex ? DESCRIPTORS : HEADER_SIZE;
        d.descriptors(count);
        int id = buf.get(JAVA_INT, MachMessage.MSGH_ID);
        d.payloadChecks(count, complex, id);
        if ((bits & MACH_MSGH_BITS_VOUCHER_MASK) != 0) {
            // never requested (no MACH_RCV_VOUCHER), so never expected; release it all the same
            int voucher = buf.get(JAVA_INT, MachMessage.MSGH_VOUCHER_PORT);
            if (voucher != MachPort.MACH_PORT_NULL && voucher != MachPort.MACH_PORT_DEAD) {
                releaser.port(voucher, (bits & MACH_MSGH_BITS_VOUCHER_MASK) >>> 16);
            }
        }
        int[] audit = d.audit(capacity);
        if (d.refusal != null) {
            d.releaseKept();
            throw new MalformedMessageException(d.refusal);
        }
        byte[] payload = buf.asSlice(d.at, id).toArray(JAVA_BYTE);
        return new Received(buf.get(JAVA_INT, MachMessage.MSGH_REMOTE_PORT), bits & MACH_MSGH_BITS_REMOTE_MASK,
                buf.get(JAVA_INT, MachMessage.MSGH_LOCAL_PORT), payload,
                d.ports.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(d.ool), audit);
    }

    /** The descriptor count of a complex message, if {@code size} bytes can hold that many. */
    private static int descriptorCount(MemorySegment buf, long size) throws MalformedMessageException {
        if (size < DESCRIPTORS) {
            throw new MalformedMessageException("complex message of " + size + " bytes has no body");
        }
        int count = buf.get(JAVA_INT, HEADER_SIZE);
        long most = (size - DESCRIPTORS) / PORT_SIZE;
        if (Integer.toUnsignedLong(count) > most) {
            // the count cannot be trusted, so neither can any descriptor: release none rather than guess
            throw new MalformedMessageException("descriptor count " + Integer.toUnsignedString(count)
                    + " exceeds what " + size + " bytes can hold (" + most + ")");
        }
        return count;
    }

    /**
     * One message being decoded, within bounds already checked: the rights and regions found so far (the caller's
     * once the message is accepted, released if it is refused) and the first reason to refuse it. Every problem
     * after the first is only released around, so that everything that can be located is given back.
     */
    private static final class Decoder {
        final MemorySegment buf;
        final long size;
        final Releaser releaser;
        final List<Integer> ports = new ArrayList<>();
        final List<Ool> ool = new ArrayList<>();
        /** Where the next descriptor, then the payload, starts. */
        long at;
        /** The first problem found, or {@code null}. */
        String refusal;

        Decoder(MemorySegment buf, long size, Releaser releaser) {
            this.buf = buf;
            this.size = size;
            this.releaser = releaser;
        }

        void refuse(String why) {
            if (refusal == null) {
                refusal = why;
            }
        }

        /** Walks {@code count} descriptors from {@link #at}, stopping where none can be located any more. */
        void descriptors(int count) {
            for (int i = 0; i < count; i++) {
                if (at + PORT_SIZE > size) {
                    refuse("descriptor " + i + " runs past msgh_size " + size);
                    return;
                }
                int type = Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + DESCRIPTOR_TYPE));
                long length = type == MACH_MSG_PORT_DESCRIPTOR ? PORT_SIZE : OOL_SIZE;
                if (type > MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
                    refuse("descriptor " + i + " has unknown type " + type);
                    return; // its size is unknown, so nothing after it can be located
                }
                if (at + length > size) {
                    refuse("descriptor " + i + " runs past msgh_size " + size);
                    return;
                }
                switch (type) {
                    case MACH_MSG_PORT_DESCRIPTOR -> port(i);
                    case MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_VOLATILE_DESCRIPTOR -> memory(i, type);
                    case MACH_MSG_OOL_PORTS_DESCRIPTOR -> portArray(i);
                    default -> guardedPort(i); // MACH_MSG_GUARDED_PORT_DESCRIPTOR
                }
                at += length;
            }
        }

        private void port(int i) {
            int name = buf.get(JAVA_INT, at + MachMessage.PORT_NAME);
            int disposition = Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + MachMessage.PORT_DISPOSITION));
            if (disposition != MACH_MSG_TYPE_PORT_SEND) {
                releasePort(releaser, name, disposition);
                refuse("descriptor " + i + " carries a right of disposition " + disposition + ", not a send right ("
                        + MACH_MSG_TYPE_PORT_SEND + ")");
            } else if (name == MachPort.MACH_PORT_NULL || name == MachPort.MACH_PORT_DEAD) {
                refuse("descriptor " + i + " carries a " + (name == 0 ? "null" : "dead") + " port");
            } else {
                ports.add(name);
            }
        }

        private void memory(int i, int type) {
            long address = buf.get(MachMessage.U64_PACK4, at + MachMessage.OOL_ADDRESS);
            long bytes = Integer.toUnsignedLong(buf.get(JAVA_INT, at + MachMessage.OOL_SIZE));
            if (type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR) {
                releaseMemory(releaser, address, bytes);
                refuse("descriptor " + i + " is volatile OOL memory");
            } else if (bytes > MAX_OOL) {
                releaseMemory(releaser, address, bytes);
                refuse("descriptor " + i + " carries " + bytes + " bytes of OOL memory, more than " + MAX_OOL);
            } else {
                ool.add(new Ool(address, (int) bytes, false,
                        Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + MachMessage.OOL_COPY))));
            }
        }

        private void portArray(int i) {
            long address = buf.get(MachMessage.U64_PACK4, at + MachMessage.OOL_PORTS_ADDRESS);
            int n = buf.get(JAVA_INT, at + MachMessage.OOL_PORTS_COUNT);
            int disposition = Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + MachMessage.OOL_PORTS_DISPOSITION));
            if (address != 0 && n != 0) {
                releaser.portArray(address, n, disposition);
            }
            refuse("descriptor " + i + " is an OOL port array");
        }

        private void guardedPort(int i) {
            int name = buf.get(JAVA_INT, at + MachMessage.GUARDED_NAME);
            long context = buf.get(MachMessage.U64_PACK4, at + MachMessage.GUARDED_CONTEXT);
            int disposition = Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + MachMessage.GUARDED_DISPOSITION));
            if (name != MachPort.MACH_PORT_NULL && name != MachPort.MACH_PORT_DEAD) {
                releaser.guardedPort(name, context, disposition);
            }
            refuse("descriptor " + i + " is a guarded port");
        }

        /** After the descriptors: their number, and a payload of exactly {@code id} bytes, padded to 4. */
        void payloadChecks(int count, boolean complex, int id) {
            if (count > Limits.MAX_HANDLES) {
                refuse("message carries " + count + " descriptors, more than " + Limits.MAX_HANDLES);
            }
            if (refusal == null && !complex && size >= DESCRIPTORS && buf.get(JAVA_INT, HEADER_SIZE) != 0) {
                // gips always sets COMPLEX; without it the kernel moved no descriptor, so a nonzero count is forged
                refuse("descriptor count " + buf.get(JAVA_INT, HEADER_SIZE) + " in a message without"
                        + " MACH_MSGH_BITS_COMPLEX");
            }
            if (refusal == null && !complex) {
                at = Math.min(DESCRIPTORS, size); // the body is always present in gips' format
            }
            long available = size - at;
            if (id < 0 || id > available || MachMessage.roundMsg(id) != available) {
                refuse("msgh_id says " + id + " payload bytes, but " + available + " bytes follow the descriptors");
            }
            if (id > Limits.MAX_PAYLOAD) {
                refuse("payload of " + id + " bytes exceeds the limit of " + Limits.MAX_PAYLOAD);
            }
        }

        /** The sender's audit token from the trailer, unless the message is refused already or has none. */
        int[] audit(long capacity) {
            if (refusal != null) {
                return null;
            }
            long trailer = MachMessage.roundMsg(size);
            int trailerType = buf.get(JAVA_INT, trailer + MachMessage.TRAILER_TYPE);
            long trailerSize = Integer.toUnsignedLong(buf.get(JAVA_INT, trailer + MachMessage.TRAILER_SIZE));
            if (trailerType != MACH_MSG_TRAILER_FORMAT_0 || trailerSize < AUDIT_TRAILER_SIZE
                    || trailer + AUDIT_TRAILER_SIZE > capacity) {
                refuse("no audit trailer (format " + trailerType + ", " + trailerSize + " bytes)");
                return null;
            }
            return buf.asSlice(trailer + MachMessage.TRAILER_AUDIT, MachMessage.AUDIT_TOKEN.byteSize())
                    .toArray(JAVA_INT);
        }

        /** Releases the rights and regions kept so far: the message is refused. */
        void releaseKept() {
            for (int p : ports) {
                releaser.port(p, MACH_MSG_TYPE_PORT_SEND);
            }
            for (Ool o : ool) {
                releaseMemory(releaser, o.address(), Integer.toUnsignedLong(o.size()));
            }
        }
    }

    private static void releasePort(Releaser releaser, int name, int disposition) {
        if (name != MachPort.MACH_PORT_NULL && name != MachPort.MACH_PORT_DEAD) {
            releaser.port(name, disposition);
        }
    }

    private static void releaseMemory(Releaser releaser, long address, long bytes) {
        if (address != 0 && bytes != 0) {
            releaser.memory(address, bytes);
        }
    }

    /** The message id of a kernel notification in {@code buf}, which must hold at least a header. */
    static int id(MemorySegment buf) {
        return buf.get(JAVA_INT, MachMessage.MSGH_ID);
    }

    /**
     * The name a dead-name or port-deleted notification is about, or {@link MachPort#MACH_PORT_NULL} if the message
     * is too short to be one.
     */
    static int notifiedName(MemorySegment buf) {
        long size = Integer.toUnsignedLong(buf.get(JAVA_INT, MachMessage.MSGH_SIZE));
        if (size < MachPort.NOTIFY_NAME_SIZE || buf.byteSize() < MachPort.NOTIFY_NAME_SIZE) {
            return MachPort.MACH_PORT_NULL;
        }
        return buf.get(JAVA_INT, MachPort.NOTIFY_NOT_PORT);
    }

    /** The make-send count a no-senders notification reports, or 0 if the message is too short to hold it. */
    static int notifiedCount(MemorySegment buf) {
        long size = Integer.toUnsignedLong(buf.get(JAVA_INT, MachMessage.MSGH_SIZE));
        if (size < MachPort.NOTIFY_NOT_COUNT + 4 || buf.byteSize() < MachPort.NOTIFY_NOT_COUNT + 4) {
            return 0;
        }
        return buf.get(JAVA_INT, MachPort.NOTIFY_NOT_COUNT);
    }

    /** Local disposition, as the receiver sees it, of the header in {@code buf}. */
    static int localDisposition(MemorySegment buf) {
        return (buf.get(JAVA_INT, MachMessage.MSGH_BITS) & MACH_MSGH_BITS_LOCAL_MASK) >>> 8;
    }
}
