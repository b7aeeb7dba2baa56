package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.ipc.Handle;
import dev.gips.spi.RawHandle;
import dev.gips.spi.FixedSizeShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An anonymous region: a Mach memory entry made with {@code MAP_MEM_NAMED_CREATE}, so that no region is allocated
 * and left behind (gips 0.2.0 leaks the {@code mach_vm_allocate} it makes the entry from: M-12). It has no name, so
 * nothing outlives the processes holding it. Mappings are {@code mach_vm_map} views of the entry.
 *
 * <p>An entry's size is fixed at creation (rounded up to pages): {@link #setSize} can grow the region only within
 * that. A received entry's size is not known to the receiver; the kernel refuses any map beyond it. Not verified on
 * a Mac: whether an entry a peer made over a mapping of a regular file faults after the peer truncates that file
 * (RISKS.md).
 */
final class MachShmObject extends FixedSizeShmObject {
    /** What {@link #size} answers for a received entry: the kernel checks each map against the real size. */
    static final long UNKNOWN_SIZE = Long.MAX_VALUE;

    private final int entry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MachShmObject(int entry, long size) {
        super(size);
        this.entry = entry;
    }

    static MachShmObject create(long objectSize) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocateFrom(JAVA_LONG, objectSize);
            MemorySegment handle = arena.allocate(JAVA_INT);
            int kr = MachVm.mach_make_memory_entry_64(Ports.task(), size, 0,
                    MachVm.MAP_MEM_NAMED_CREATE | MachVm.VM_PROT_DEFAULT, handle, MachPort.MACH_PORT_NULL);
            if (kr != KernReturn.KERN_SUCCESS) {
                throw Where.PROCESS.error("mach_make_memory_entry_64 of " + objectSize + " new bytes", kr);
            }
            return new MachShmObject(handle.get(JAVA_INT, 0), size.get(JAVA_LONG, 0));
        }
    }

    /** Adopts a received send right to a memory entry. */
    static MachShmObject adopt(int entry) {
        return new MachShmObject(entry, UNKNOWN_SIZE);
    }

    /** Makes a memory entry over {@code [0, length)} of a mapping at {@code address} (shared, not copied). */
    static int entryOf(MemorySegment address, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocateFrom(JAVA_LONG, length);
            MemorySegment handle = arena.allocate(JAVA_INT);
            int kr = MachVm.mach_make_memory_entry_64(Ports.task(), size, address.address(), MachVm.VM_PROT_DEFAULT,
                    handle, MachPort.MACH_PORT_NULL);
            if (kr != KernReturn.KERN_SUCCESS) {
                throw Where.PROCESS.error("mach_make_memory_entry_64 over " + length + " mapped bytes", kr);
            }
            return handle.get(JAVA_INT, 0);
        }
    }

    @Override
    protected IOException cannotGrow(long bytes) {
        return Where.PROCESS.error("grow a Mach memory entry to " + bytes + " bytes", "KERN_INVALID_ARGUMENT: its"
                + " size is fixed at " + size + " bytes; create the region with the capacity it will need");
    }

    @Override
    public MemorySegment map(long length, Arena arena) throws IOException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment address = scratch.allocateFrom(JAVA_LONG, 0L);
            int kr = MachVm.mach_vm_map(Ports.task(), address, length, 0, MachVm.VM_FLAGS_ANYWHERE, entry, 0, 0,
                    MachVm.VM_PROT_DEFAULT, MachVm.VM_PROT_DEFAULT, MachVm.VM_INHERIT_NONE);
            if (kr != KernReturn.KERN_SUCCESS) {
                throw Where.PROCESS.error("mach_vm_map of " + length + " bytes of a memory entry", kr);
            }
            long at = address.get(JAVA_LONG, 0);
            return Native.owned(MemorySegment.ofAddress(at), length, arena,
                    () -> MachVm.mach_vm_deallocate(Ports.task(), at, length));
        }
    }

    @Override
    public RawHandle export() throws IOException {
        int kr = MachPort.mach_port_mod_refs(Ports.task(), entry, MachPort.MACH_PORT_RIGHT_SEND, 1);
        if (kr != KernReturn.KERN_SUCCESS) {
            throw Where.PROCESS.error("mach_port_mod_refs +1 (export of a memory entry)", kr);
        }
        return new RawHandle(Handle.Kind.MACH_MEMORY, Integer.toUnsignedLong(entry));
    }

    @Override
    public Optional<String> name() {
        return Optional.empty();
    }

    @Override
    public void unlink() {}

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Ports.deallocate(entry); // gips kept every entry's send right, and so the region, for good (M-11)
        }
    }
}
