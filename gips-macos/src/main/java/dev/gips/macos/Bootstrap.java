package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <servers/bootstrap.h>} and {@code <servers/bootstrap_defs.h>} (launchd's name service), plus
 * {@code task_get_special_port} of {@code <mach/task.h>} that finds the bootstrap port.
 */
final class Bootstrap {
    private Bootstrap() {}

    static final int BOOTSTRAP_SUCCESS = 0;
    static final int BOOTSTRAP_NOT_PRIVILEGED = 1100;
    static final int BOOTSTRAP_NAME_IN_USE = 1101;
    static final int BOOTSTRAP_UNKNOWN_SERVICE = 1102;
    static final int BOOTSTRAP_SERVICE_ACTIVE = 1103;
    static final int BOOTSTRAP_BAD_COUNT = 1104;
    static final int BOOTSTRAP_NO_MEMORY = 1105;
    static final int BOOTSTRAP_NO_CHILDREN = 1106;
    /** {@code name_t} is {@code char[128]}: names are at most 127 bytes of UTF-8. */
    static final int BOOTSTRAP_MAX_NAME_LEN = 128;

    /** {@code TASK_BOOTSTRAP_PORT} of {@code <mach/task_special_ports.h>}. */
    static final int TASK_BOOTSTRAP_PORT = 4;

    private static final class BootstrapCheckIn {
        static final MethodHandle bootstrap_check_in = Native.downcall("bootstrap_check_in",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    }
    private static final class BootstrapLookUp {
        static final MethodHandle bootstrap_look_up = Native.downcall("bootstrap_look_up",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    }
    private static final class BootstrapParent {
        static final MethodHandle bootstrap_parent = Native.downcall("bootstrap_parent",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }
    private static final class TaskGetSpecialPort {
        static final MethodHandle task_get_special_port = Native.downcall("task_get_special_port",
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
    }

    /** {@code kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);} */
    static int bootstrap_check_in(int bp, MemorySegment name, MemorySegment sp) {
        try {
            return (int) BootstrapCheckIn.bootstrap_check_in.invokeExact(bp, name, sp);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);} */
    static int bootstrap_look_up(int bp, MemorySegment name, MemorySegment sp) {
        try {
            return (int) BootstrapLookUp.bootstrap_look_up.invokeExact(bp, name, sp);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t bootstrap_parent(mach_port_t bp, mach_port_t *parent_port);} */
    static int bootstrap_parent(int bp, MemorySegment parent) {
        try {
            return (int) BootstrapParent.bootstrap_parent.invokeExact(bp, parent);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /** {@code kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port);} */
    static int task_get_special_port(int task, int which, MemorySegment port) {
        try {
            return (int) TaskGetSpecialPort.task_get_special_port.invokeExact(task, which, port);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
