package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <mach/port.h>}, {@code <mach/mach_port.h>}, {@code <mach/notify.h>} and the
 * {@code mach_task_self_} global of {@code <mach/mach_init.h>}. Functions return a {@code kern_return_t}.
 */
final class MachPort {
    private MachPort() {}

    static final int MACH_PORT_NULL = 0;
    static final int MACH_PORT_DEAD = 0xFFFFFFFF;

    // mach_port_right_t
    static final int MACH_PORT_RIGHT_SEND = 0;
    static final int MACH_PORT_RIGHT_RECEIVE = 1;
    static final int MACH_PORT_RIGHT_PORT_SET = 3;
    static final int MACH_PORT_RIGHT_DEAD_NAME = 4;

    /** {@code MACH_PORT_TYPE(right)}. */
    static int portType(int right) {
        return 1 << (right + 16);
    }

    // <mach/notify.h>: notification message ids, MACH_NOTIFY_FIRST = 0100
    static final int MACH_NOTIFY_FIRST = 0100;
    static final int MACH_NOTIFY_PORT_DELETED = MACH_NOTIFY_FIRST + 001;
    static final int MACH_NOTIFY_NO_SENDERS = MACH_NOTIFY_FIRST + 006;
    static final int MACH_NOTIFY_SEND_ONCE = MACH_NOTIFY_FIRST + 007;
    static final int MACH_NOTIFY_DEAD_NAME = MACH_NOTIFY_FIRST + 010;

    /**
     * {@code mach_dead_name_notification_t} and {@code mach_port_deleted_notification_t}: header (24),
     * {@code NDR_record_t} (8), then {@code mach_port_name_t not_port}.
     */
    static final long NOTIFY_NOT_PORT = 24 + 8;
    /** {@code mach_no_senders_notification_t}: header, {@code NDR_record_t}, then the make-send count. */
    static final long NOTIFY_NOT_COUNT = 24 + 8;
    /** Bytes of a dead-name or port-deleted notification up to and including {@code not_port}. */
    static final int NOTIFY_NAME_SIZE = 24 + 8 + 4;

    /** {@code mach_task_self()}: a macro reading the global {@code mach_task_self_}. */
    static int taskSelf() {
        return MachTaskSelf.mach_task_self_;
    }

    /** The global {@code mach_port_t mach_task_self_;}, read once (the task's name for itself never changes). */
    private static final class MachTaskSelf {
        static final int mach_task_self_ = Native.at(Native.symbol("mach_task_self_"), 4)
                .get(ValueLayout.JAVA_INT, 0);
    }

    private static final class MachPortAllocate {
        static final MethodHandle mach_port_allocate = Native.downcall("mach_port_allocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
    }
    private static final class MachPortDeallocate {
        static final MethodHandle mach_port_deallocate = Native.downcall("mach_port_deallocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT));
    }
    private static final class MachPortModRefs {
        static final MethodHandle mach_port_mod_refs = Native.downcall("mach_port_mod_refs",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_INT));
    }
    private static final class MachPortMoveMember {
        static final MethodHandle mach_port_move_member = Native.downcall("mach_port_move_member",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    }
    private static final class MachPortRequestNotification {
        static final MethodHandle mach_port_request_notification = Native.downcall("mach_port_request_notification",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER));
    }
    private static final class MachPortDestruct {
        static final MethodHandle mach_port_destruct = Native.downcall("mach_port_destruct",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, Native.C_LONG));
    }

    /** {@code kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);} */
    static int mach_port_allocate(int task, int right, MemorySegment name) {
        try {
            return (int) MachPortAllocate.mach_port_allocate.invokeExact(task, right, name);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);}: one send/dead ref. */
    static int mach_port_deallocate(int task, int name) {
        try {
            return (int) MachPortDeallocate.mach_port_deallocate.invokeExact(task, name);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
     * mach_port_delta_t delta);}: RECEIVE −1 destroys a receive right, PORT_SET −1 a port set.
     */
    static int mach_port_mod_refs(int task, int name, int right, int delta) {
        try {
            return (int) MachPortModRefs.mach_port_mod_refs.invokeExact(task, name, right, delta);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member, mach_port_name_t after);} */
    static int mach_port_move_member(int task, int member, int after) {
        try {
            return (int) MachPortMoveMember.mach_port_move_member.invokeExact(task, member, after);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
     * mach_msg_id_t msgid, mach_port_mscount_t sync, mach_port_t notify, mach_msg_type_name_t notifyPoly,
     * mach_port_t *previous);}
     */
    static int mach_port_request_notification(int task, int name, int msgid, int sync, int notify, int notifyPoly,
            MemorySegment previous) {
        try {
            return (int) MachPortRequestNotification.mach_port_request_notification.invokeExact(task, name, msgid,
                    sync, notify, notifyPoly, previous);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name, mach_port_delta_t srdelta,
     * mach_port_context_t guard);}: destroys a (guarded) receive right.
     */
    static int mach_port_destruct(int task, int name, int srdelta, long guard) {
        try {
            return (int) MachPortDestruct.mach_port_destruct.invokeExact(task, name, srdelta, guard);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
