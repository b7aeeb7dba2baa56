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
    static final int MACH_PORT_RIGHT_SEND_ONCE = 2;
    static final int MACH_PORT_RIGHT_PORT_SET = 3;
    static final int MACH_PORT_RIGHT_DEAD_NAME = 4;

    /** {@code MACH_PORT_TYPE(right)}. */
    static int portType(int right) {
        return 1 << (right + 16);
    }

    // <mach/notify.h>: notification message ids, MACH_NOTIFY_FIRST = 0100
    static final int MACH_NOTIFY_FIRST = 0100;
    static final int MACH_NOTIFY_PORT_DELETED = MACH_NOTIFY_FIRST + 001;
    static final int MACH_NOTIFY_SEND_POSSIBLE = MACH_NOTIFY_FIRST + 002;
    static final int MACH_NOTIFY_PORT_DESTROYED = MACH_NOTIFY_FIRST + 005;
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
        return Handles.TASK_SELF;
    }

    /** The functions and the task port, linked on first use only (never on other systems). */
    static final class Handles {
        private Handles() {}

        static final int TASK_SELF = Native.at(Native.symbol("mach_task_self_"), 4)
                .get(ValueLayout.JAVA_INT, 0);

        static final MethodHandle ALLOCATE = Native.downcall("mach_port_allocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
        static final MethodHandle DEALLOCATE = Native.downcall("mach_port_deallocate",
                FunctionDescriptor.of(C_INT, C_INT, C_INT));
        static final MethodHandle MOD_REFS = Native.downcall("mach_port_mod_refs",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_INT));
        static final MethodHandle INSERT_RIGHT = Native.downcall("mach_port_insert_right",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_INT));
        static final MethodHandle MOVE_MEMBER = Native.downcall("mach_port_move_member",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
        static final MethodHandle REQUEST_NOTIFICATION = Native.downcall("mach_port_request_notification",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER));
        static final MethodHandle TYPE = Native.downcall("mach_port_type",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
        static final MethodHandle DESTRUCT = Native.downcall("mach_port_destruct",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, Native.C_LONG));
    }

    /** {@code kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);} */
    static int mach_port_allocate(int task, int right, MemorySegment name) {
        try {
            return (int) Handles.ALLOCATE.invokeExact(task, right, name);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);}: one send/dead ref. */
    static int mach_port_deallocate(int task, int name) {
        try {
            return (int) Handles.DEALLOCATE.invokeExact(task, name);
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
            return (int) Handles.MOD_REFS.invokeExact(task, name, right, delta);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly,
     * mach_msg_type_name_t polyPoly);}
     */
    static int mach_port_insert_right(int task, int name, int poly, int polyPoly) {
        try {
            return (int) Handles.INSERT_RIGHT.invokeExact(task, name, poly, polyPoly);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member, mach_port_name_t after);} */
    static int mach_port_move_member(int task, int member, int after) {
        try {
            return (int) Handles.MOVE_MEMBER.invokeExact(task, member, after);
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
            return (int) Handles.REQUEST_NOTIFICATION.invokeExact(task, name, msgid, sync, notify, notifyPoly,
                    previous);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);} */
    static int mach_port_type(int task, int name, MemorySegment type) {
        try {
            return (int) Handles.TYPE.invokeExact(task, name, type);
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
            return (int) Handles.DESTRUCT.invokeExact(task, name, srdelta, guard);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
