package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_POINTER;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <mach/message.h>}: message structs, option bits, return codes and {@code mach_msg}. The
 * structs sit under {@code #pragma pack(4)} in C, so 8-byte fields are only 4-aligned here. Layouts and constants
 * are plain Java and usable on any OS; each function links on first use, in a holder class of its own.
 */
final class MachMessage {
    private MachMessage() {}

    /** A 64-bit field in a {@code pack(4)} struct: 4-aligned, never read as an 8-aligned one (gips bug M-10). */
    static final ValueLayout.OfLong U64_PACK4 = ValueLayout.JAVA_LONG.withByteAlignment(4);

    /** {@code mach_msg_header_t}. */
    static final StructLayout HEADER = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("msgh_bits"),
            ValueLayout.JAVA_INT.withName("msgh_size"),
            ValueLayout.JAVA_INT.withName("msgh_remote_port"),
            ValueLayout.JAVA_INT.withName("msgh_local_port"),
            ValueLayout.JAVA_INT.withName("msgh_voucher_port"),
            ValueLayout.JAVA_INT.withName("msgh_id")).withName("mach_msg_header_t");
    static final long MSGH_BITS = HEADER.byteOffset(groupElement("msgh_bits"));
    static final long MSGH_SIZE = HEADER.byteOffset(groupElement("msgh_size"));
    static final long MSGH_REMOTE_PORT = HEADER.byteOffset(groupElement("msgh_remote_port"));
    static final long MSGH_LOCAL_PORT = HEADER.byteOffset(groupElement("msgh_local_port"));
    static final long MSGH_VOUCHER_PORT = HEADER.byteOffset(groupElement("msgh_voucher_port"));
    static final long MSGH_ID = HEADER.byteOffset(groupElement("msgh_id"));

    /** {@code mach_msg_body_t}. */
    static final StructLayout BODY = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("msgh_descriptor_count")).withName("mach_msg_body_t");

    /**
     * {@code mach_msg_port_descriptor_t}. In C the last three fields are bit-fields ({@code pad2:16,
     * disposition:8, type:8}) allocated from the low bits of a little-endian word, which puts them at bytes 8, 10, 11.
     */
    static final StructLayout PORT_DESCRIPTOR = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("name"),
            ValueLayout.JAVA_INT.withName("pad1"),
            ValueLayout.JAVA_SHORT.withName("pad2"),
            ValueLayout.JAVA_BYTE.withName("disposition"),
            ValueLayout.JAVA_BYTE.withName("type")).withName("mach_msg_port_descriptor_t");
    static final long PORT_NAME = PORT_DESCRIPTOR.byteOffset(groupElement("name"));
    static final long PORT_DISPOSITION = PORT_DESCRIPTOR.byteOffset(groupElement("disposition"));

    /** {@code mach_msg_ool_descriptor_t} (LP64): the address is only 4-aligned. */
    static final StructLayout OOL_DESCRIPTOR = MemoryLayout.structLayout(
            U64_PACK4.withName("address"),
            ValueLayout.JAVA_BYTE.withName("deallocate"),
            ValueLayout.JAVA_BYTE.withName("copy"),
            ValueLayout.JAVA_BYTE.withName("pad1"),
            ValueLayout.JAVA_BYTE.withName("type"),
            ValueLayout.JAVA_INT.withName("size")).withName("mach_msg_ool_descriptor_t");
    static final long OOL_ADDRESS = OOL_DESCRIPTOR.byteOffset(groupElement("address"));
    static final long OOL_DEALLOCATE = OOL_DESCRIPTOR.byteOffset(groupElement("deallocate"));
    static final long OOL_COPY = OOL_DESCRIPTOR.byteOffset(groupElement("copy"));
    static final long OOL_SIZE = OOL_DESCRIPTOR.byteOffset(groupElement("size"));

    /** {@code mach_msg_ool_ports_descriptor_t} (LP64). */
    static final StructLayout OOL_PORTS_DESCRIPTOR = MemoryLayout.structLayout(
            U64_PACK4.withName("address"),
            ValueLayout.JAVA_BYTE.withName("deallocate"),
            ValueLayout.JAVA_BYTE.withName("copy"),
            ValueLayout.JAVA_BYTE.withName("disposition"),
            ValueLayout.JAVA_BYTE.withName("type"),
            ValueLayout.JAVA_INT.withName("count")).withName("mach_msg_ool_ports_descriptor_t");
    static final long OOL_PORTS_ADDRESS = OOL_PORTS_DESCRIPTOR.byteOffset(groupElement("address"));
    static final long OOL_PORTS_DISPOSITION = OOL_PORTS_DESCRIPTOR.byteOffset(groupElement("disposition"));
    static final long OOL_PORTS_COUNT = OOL_PORTS_DESCRIPTOR.byteOffset(groupElement("count"));

    /** {@code mach_msg_guarded_port_descriptor_t} (LP64). */
    static final StructLayout GUARDED_PORT_DESCRIPTOR = MemoryLayout.structLayout(
            U64_PACK4.withName("context"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_BYTE.withName("disposition"),
            ValueLayout.JAVA_BYTE.withName("type"),
            ValueLayout.JAVA_INT.withName("name")).withName("mach_msg_guarded_port_descriptor_t");
    static final long GUARDED_CONTEXT = GUARDED_PORT_DESCRIPTOR.byteOffset(groupElement("context"));
    static final long GUARDED_DISPOSITION = GUARDED_PORT_DESCRIPTOR.byteOffset(groupElement("disposition"));
    static final long GUARDED_NAME = GUARDED_PORT_DESCRIPTOR.byteOffset(groupElement("name"));

    /** Every descriptor type keeps its type byte here, whatever its size ({@code mach_msg_type_descriptor_t}). */
    static final long DESCRIPTOR_TYPE = PORT_DESCRIPTOR.byteOffset(groupElement("type"));

    /** {@code security_token_t}: uid, gid of the sender. */
    static final SequenceLayout SECURITY_TOKEN = MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_INT)
            .withName("security_token_t");
    /** {@code audit_token_t}: eight u32, read with {@link Bsm}. */
    static final SequenceLayout AUDIT_TOKEN = MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_INT)
            .withName("audit_token_t");

    /** {@code mach_msg_trailer_t}, what every trailer starts with. */
    static final StructLayout TRAILER = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("msgh_trailer_type"),
            ValueLayout.JAVA_INT.withName("msgh_trailer_size")).withName("mach_msg_trailer_t");

    /** {@code mach_msg_audit_trailer_t}: the trailer we request on every receive. */
    static final StructLayout AUDIT_TRAILER = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("msgh_trailer_type"),
            ValueLayout.JAVA_INT.withName("msgh_trailer_size"),
            ValueLayout.JAVA_INT.withName("msgh_seqno"),
            SECURITY_TOKEN.withName("msgh_sender"),
            AUDIT_TOKEN.withName("msgh_audit")).withName("mach_msg_audit_trailer_t");
    static final long TRAILER_TYPE = AUDIT_TRAILER.byteOffset(groupElement("msgh_trailer_type"));
    static final long TRAILER_SIZE = AUDIT_TRAILER.byteOffset(groupElement("msgh_trailer_size"));
    static final long TRAILER_AUDIT = AUDIT_TRAILER.byteOffset(groupElement("msgh_audit"));

    /** {@code MAX_TRAILER_SIZE}: {@code sizeof(mach_msg_max_trailer_t)}. */
    static final int MAX_TRAILER_SIZE = 68;

    // msgh_bits
    static final int MACH_MSGH_BITS_REMOTE_MASK = 0x0000001f;
    static final int MACH_MSGH_BITS_LOCAL_MASK = 0x00001f00;
    static final int MACH_MSGH_BITS_VOUCHER_MASK = 0x001f0000;
    static final int MACH_MSGH_BITS_COMPLEX = 0x80000000;

    // dispositions (mach_msg_type_name_t)
    static final int MACH_MSG_TYPE_MOVE_RECEIVE = 16;
    static final int MACH_MSG_TYPE_MOVE_SEND = 17;
    static final int MACH_MSG_TYPE_MOVE_SEND_ONCE = 18;
    static final int MACH_MSG_TYPE_COPY_SEND = 19;
    static final int MACH_MSG_TYPE_MAKE_SEND = 20;
    static final int MACH_MSG_TYPE_MAKE_SEND_ONCE = 21;
    /** What a received send right's disposition reads as ({@code = MOVE_SEND}). */
    static final int MACH_MSG_TYPE_PORT_SEND = MACH_MSG_TYPE_MOVE_SEND;
    static final int MACH_MSG_TYPE_PORT_SEND_ONCE = MACH_MSG_TYPE_MOVE_SEND_ONCE;
    static final int MACH_MSG_TYPE_PORT_RECEIVE = MACH_MSG_TYPE_MOVE_RECEIVE;

    // descriptor types
    static final int MACH_MSG_PORT_DESCRIPTOR = 0;
    static final int MACH_MSG_OOL_DESCRIPTOR = 1;
    static final int MACH_MSG_OOL_PORTS_DESCRIPTOR = 2;
    static final int MACH_MSG_OOL_VOLATILE_DESCRIPTOR = 3;
    static final int MACH_MSG_GUARDED_PORT_DESCRIPTOR = 4;

    // copy options
    static final int MACH_MSG_VIRTUAL_COPY = 1;

    // mach_msg options
    static final int MACH_SEND_MSG = 0x1;
    static final int MACH_RCV_MSG = 0x2;
    static final int MACH_RCV_LARGE = 0x4;
    static final int MACH_SEND_TIMEOUT = 0x10;
    static final int MACH_RCV_TIMEOUT = 0x100;
    static final int MACH_MSG_TRAILER_FORMAT_0 = 0;
    static final int MACH_RCV_TRAILER_AUDIT = 3;
    static final int MACH_MSG_TIMEOUT_NONE = 0;

    /** {@code MACH_RCV_TRAILER_TYPE(x)}. */
    static int rcvTrailerType(int x) {
        return (x & 0xf) << 28;
    }

    /** {@code MACH_RCV_TRAILER_ELEMENTS(x)}. */
    static int rcvTrailerElements(int x) {
        return (x & 0xf) << 24;
    }

    /** {@code REQUESTED_TRAILER_SIZE} for {@code MACH_RCV_TRAILER_AUDIT}: {@code sizeof(mach_msg_audit_trailer_t)}. */
    static final int AUDIT_TRAILER_SIZE = 52;

    /** {@code MACH_MSGH_BITS_SET(remote, local, voucher, other)}. */
    static int msghBits(int remote, int local, int voucher, int other) {
        return (remote & MACH_MSGH_BITS_REMOTE_MASK) | ((local << 8) & MACH_MSGH_BITS_LOCAL_MASK)
                | ((voucher << 16) & MACH_MSGH_BITS_VOUCHER_MASK) | other;
    }

    /** {@code round_msg(x)}: the trailer starts at the next multiple of 4. */
    static long roundMsg(long x) {
        return (x + 3) & ~3L;
    }

    // mach_msg_return_t
    static final int MACH_MSG_SUCCESS = 0;
    /**
     * The special bits a failed send may add to its code after a pseudo-receive ({@code MACH_MSG_IPC_SPACE} and
     * friends): mask them off before comparing.
     */
    static final int MACH_MSG_MASK = 0x00003e00;
    static final int MACH_SEND_INVALID_DEST = 0x10000003;
    static final int MACH_SEND_TIMED_OUT = 0x10000004;
    static final int MACH_SEND_INTERRUPTED = 0x10000007;
    static final int MACH_SEND_NO_BUFFER = 0x1000000d;
    static final int MACH_SEND_TOO_LARGE = 0x1000000e;
    static final int MACH_RCV_IN_PROGRESS = 0x10004001;
    static final int MACH_RCV_INVALID_NAME = 0x10004002;
    static final int MACH_RCV_TIMED_OUT = 0x10004003;
    static final int MACH_RCV_TOO_LARGE = 0x10004004;
    static final int MACH_RCV_INTERRUPTED = 0x10004005;
    static final int MACH_RCV_PORT_CHANGED = 0x10004006;
    static final int MACH_RCV_PORT_DIED = 0x10004009;
    static final int MACH_RCV_IN_PROGRESS_TIMED = 0x10004011;

    private static final class MachMsg {
        static final MethodHandle mach_msg = Native.downcall("mach_msg",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT));
    }
    private static final class MachMsgDestroy {
        static final MethodHandle mach_msg_destroy = Native.downcall("mach_msg_destroy",
                FunctionDescriptor.ofVoid(C_POINTER));
    }

    /**
     * {@code mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
     * mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify);}
     */
    static int mach_msg(MemorySegment msg, int option, int sendSize, int rcvSize, int rcvName, int timeoutMs,
            int notify) {
        try {
            return (int) MachMsg.mach_msg.invokeExact(msg, option, sendSize, rcvSize, rcvName, timeoutMs, notify);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code void mach_msg_destroy(mach_msg_header_t *msg);}: releases every right and OOL region in a message. */
    static void mach_msg_destroy(MemorySegment msg) {
        try {
            MachMsgDestroy.mach_msg_destroy.invokeExact(msg);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
