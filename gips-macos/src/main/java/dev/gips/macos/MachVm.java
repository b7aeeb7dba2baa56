package dev.gips.macos;

import static dev.gips.macos.Native.C_INT;
import static dev.gips.macos.Native.C_LONG;
import static dev.gips.macos.Native.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code <mach/mach_vm.h>}, with the constants of {@code <mach/vm_prot.h>},
 * {@code <mach/vm_inherit.h>}, {@code <mach/vm_statistics.h>} and {@code <mach/memory_object_types.h>}.
 */
final class MachVm {
    private MachVm() {}

    static final int VM_FLAGS_ANYWHERE = 1;
    static final int VM_PROT_READ = 1;
    static final int VM_PROT_WRITE = 2;
    static final int VM_PROT_DEFAULT = VM_PROT_READ | VM_PROT_WRITE;
    static final int VM_INHERIT_NONE = 2;
    static final int MAP_MEM_NAMED_CREATE = 0x020000;

    /** {@code vm_page_size}: a global {@code vm_size_t} (16 KiB on arm64, 4 KiB on x86_64). */
    static long pageSize() {
        return VmPageSize.vm_page_size;
    }

    /** The global {@code vm_size_t vm_page_size;}, read once. */
    private static final class VmPageSize {
        static final long vm_page_size = Native.at(Native.symbol("vm_page_size"), 8)
                .get(ValueLayout.JAVA_LONG, 0);
    }

    private static final class MachVmDeallocate {
        static final MethodHandle mach_vm_deallocate = Native.downcall("mach_vm_deallocate",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_LONG));
    }
    private static final class MachVmMap {
        static final MethodHandle mach_vm_map = Native.downcall("mach_vm_map",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_LONG, C_LONG, C_INT, C_INT, C_LONG, C_INT, C_INT,
                        C_INT, C_INT));
    }
    private static final class MachMakeMemoryEntry64 {
        static final MethodHandle mach_make_memory_entry_64 = Native.downcall("mach_make_memory_entry_64",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_LONG, C_INT, C_POINTER, C_INT));
    }

    /** {@code kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address, mach_vm_size_t size);} */
    static int mach_vm_deallocate(int task, long address, long size) {
        try {
            return (int) MachVmDeallocate.mach_vm_deallocate.invokeExact(task, address, size);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_vm_map(vm_map_t target, mach_vm_address_t *address, mach_vm_size_t size,
     * mach_vm_offset_t mask, int flags, mem_entry_name_port_t object, memory_object_offset_t offset,
     * boolean_t copy, vm_prot_t cur, vm_prot_t max, vm_inherit_t inheritance);}
     */
    static int mach_vm_map(int task, MemorySegment address, long size, long mask, int flags, int object, long offset,
            int copy, int cur, int max, int inheritance) {
        try {
            return (int) MachVmMap.mach_vm_map.invokeExact(task, address, size, mask, flags, object, offset, copy,
                    cur, max, inheritance);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }

    /**
     * {@code kern_return_t mach_make_memory_entry_64(vm_map_t target, memory_object_size_t *size,
     * memory_object_offset_t offset, vm_prot_t permission, mach_port_t *object_handle, mem_entry_name_port_t parent);}
     */
    static int mach_make_memory_entry_64(int task, MemorySegment size, long offset, int permission,
            MemorySegment handle, int parent) {
        try {
            return (int) MachMakeMemoryEntry64.mach_make_memory_entry_64.invokeExact(task, size, offset, permission,
                    handle, parent);
        } catch (Throwable t) {
            throw Native.fail(t);
        }
    }
}
