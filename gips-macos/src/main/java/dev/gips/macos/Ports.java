package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Port operations on this task, and the releaser that gives back what a refused message held. */
final class Ports {
    private static final Logger LOG = LoggerFactory.getLogger(Ports.class);

    private Ports() {}

    static int task() {
        return MachPort.taskSelf();
    }

    /**
     * A new right of kind {@code right} (a receive right, a port set) for the channel at {@code where}; a failure is an
     * {@link IOException}, not an assertion (gips bug M-15).
     */
    static int allocate(int right, Where where) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(JAVA_INT);
            int kr = MachPort.mach_port_allocate(task(), right, name);
            if (kr != KernReturn.KERN_SUCCESS) {
                throw where.error("mach_port_allocate", kr);
            }
            return name.get(JAVA_INT, 0);
        }
    }

    /** Moves receive right {@code member} into port set {@code set} of the channel at {@code where}. */
    static void moveMember(int member, int set, Where where) throws IOException {
        int kr = MachPort.mach_port_move_member(task(), member, set);
        if (kr != KernReturn.KERN_SUCCESS) {
            throw where.error("mach_port_move_member", kr);
        }
    }

    /**
     * Asks the kernel to send notification {@code msgid} about {@code name} to {@code notify} (as a send-once right).
     * With a nonzero {@code sync} a dead-name request on an already dead name fires at once; a no-senders request
     * fires only once the make-send count reached {@code sync} and no send right is left.
     */
    static int requestNotification(int name, int msgid, int notify, int sync) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment previous = arena.allocate(JAVA_INT);
            int kr = MachPort.mach_port_request_notification(task(), name, msgid, sync, notify,
                    MachMessage.MACH_MSG_TYPE_MAKE_SEND_ONCE, previous);
            int prev = previous.get(JAVA_INT, 0);
            if (kr == KernReturn.KERN_SUCCESS && prev != MachPort.MACH_PORT_NULL) {
                deallocate(prev); // a request made earlier: its send-once right is ours to drop
            }
            return kr;
        }
    }

    /** Drops one user reference of a send, send-once or dead name; logs what fails. */
    static void deallocate(int name) {
        if (name == MachPort.MACH_PORT_NULL || name == MachPort.MACH_PORT_DEAD) {
            return;
        }
        int kr = MachPort.mach_port_deallocate(task(), name);
        if (kr != KernReturn.KERN_SUCCESS) {
            LOG.debug("mach_port_deallocate({}): {}", name, KernReturn.describe(kr));
        }
    }

    /** Changes the references of one kind of right; logs what fails. */
    static void modRefs(int name, int right, int delta) {
        int kr = MachPort.mach_port_mod_refs(task(), name, right, delta);
        if (kr != KernReturn.KERN_SUCCESS) {
            LOG.debug("mach_port_mod_refs({}, right {}, {}): {}", name, right, delta, KernReturn.describe(kr));
        }
    }

    /** Destroys a receive right: senders see a dead name (gips deallocated it as a send right, which fails: M-7). */
    static void destroyReceive(int name) {
        modRefs(name, MachPort.MACH_PORT_RIGHT_RECEIVE, -1);
    }

    /** Destroys a port set (its members leave it). */
    static void destroySet(int name) {
        modRefs(name, MachPort.MACH_PORT_RIGHT_PORT_SET, -1);
    }

    /** Releases what a refused message carried, with Mach calls. */
    static final Wire.Releaser RELEASER = new Wire.Releaser() {
        @Override
        public void port(int name, int disposition) {
            switch (disposition) {
                case MachMessage.MACH_MSG_TYPE_PORT_RECEIVE -> destroyReceive(name);
                default -> deallocate(name); // send, send-once
            }
        }

        @Override
        public void memory(long address, long size) {
            int kr = MachVm.mach_vm_deallocate(task(), address, size);
            if (kr != KernReturn.KERN_SUCCESS) {
                LOG.debug("mach_vm_deallocate(0x{}, {}): {}", Long.toHexString(address), size, KernReturn.describe(kr));
            }
        }

        @Override
        public void portArray(long address, int count, int disposition) {
            long bytes = 4L * Integer.toUnsignedLong(count);
            MemorySegment names = Native.at(MemorySegment.ofAddress(address), bytes);
            for (long i = 0; i < bytes; i += 4) {
                port(names.get(JAVA_INT, i), disposition);
            }
            memory(address, bytes);
        }

        @Override
        public void guardedPort(int name, long context, int disposition) {
            if (disposition == MachMessage.MACH_MSG_TYPE_PORT_RECEIVE) {
                int kr = MachPort.mach_port_destruct(task(), name, 0, context);
                if (kr != KernReturn.KERN_SUCCESS) {
                    LOG.debug("mach_port_destruct({}): {}", name, KernReturn.describe(kr));
                }
            } else {
                deallocate(name);
            }
        }
    };
}
