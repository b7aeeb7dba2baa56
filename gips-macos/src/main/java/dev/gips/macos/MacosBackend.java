package dev.gips.macos;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.spi.AbstractBackend;
import dev.gips.spi.BackendProbe;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.PollerChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The macOS backend: Mach messages in gips 0.2.0's format through launchd's bootstrap namespace, kqueue, and Mach
 * memory entries, all through {@code java.lang.foreign}. It loads on any OS: on others, {@link #isSupported()} is
 * false and no binding class is even loaded, so no Mach symbol is looked up.
 */
public final class MacosBackend extends AbstractBackend {
    private static final BackendProbe PROBE =
            new BackendProbe("macOS", List.of("Mac OS X", "Darwin", "macOS"), "dev.gips.macos");
    private static final Throwable UNSUPPORTED = probe();

    /** For {@link java.util.ServiceLoader}. */
    public MacosBackend() {
        super("macos", UNSUPPORTED, Set.of(Handle.Kind.MACH_PORT, Handle.Kind.MACH_MEMORY));
    }

    /** Why this JVM cannot use the backend, judged from system properties alone; {@code null} if it may. */
    static Throwable platformProblem(String os, String arch) {
        return PROBE.platformProblem(os, arch);
    }

    private static Throwable probe() {
        // links the first bindings: fails here, not in the middle of a call, if native access is denied
        return PROBE.run(() -> {
            Unistd.getpid();
            MachPort.taskSelf();
        });
    }

    @Override
    public ListenerChannel bind(ServiceDescriptor descriptor) throws IOException {
        return MachListener.bind(descriptor.name());
    }

    @Override
    public EndpointChannel connect(ServiceDescriptor descriptor, long timeoutNanos) throws IOException {
        // a look-up never waits: a Mach service has no queue of pending connections, only a message queue
        return MachEndpoint.connect(descriptor.name());
    }

    @Override
    public Credentials currentProcess() throws IOException {
        return Identity.currentProcess();
    }

    @Override
    public Optional<String> userId(String name) throws IOException {
        return Identity.userId(name);
    }

    @Override
    public Optional<String> groupId(String name) throws IOException {
        return Identity.groupId(name);
    }

    @Override
    public long duplicateHandle(Handle.Kind kind, long value) throws IOException {
        switch (kind) {
            case MACH_PORT, MACH_MEMORY -> {
                // send rights to one port share one name: a duplicate is one more user reference
                int kr = MachPort.mach_port_mod_refs(Ports.task(), (int) value, MachPort.MACH_PORT_RIGHT_SEND, 1);
                if (kr != KernReturn.KERN_SUCCESS) {
                    throw Where.PROCESS.error("mach_port_mod_refs +1 (duplicate of port " + value + ")", kr);
                }
                return value;
            }
            case FILE_DESCRIPTOR -> {
                int fd = Fcntl.fcntl(Native.threadCapture(), (int) value, Fcntl.F_DUPFD_CLOEXEC, 0);
                if (fd < 0) {
                    throw Where.PROCESS.errno("fcntl(F_DUPFD_CLOEXEC) of descriptor " + value,
                            Native.errno(Native.threadCapture()));
                }
                return fd;
            }
            default -> throw new IllegalArgumentException(kind + " handles do not exist on macOS");
        }
    }

    @Override
    public void closeHandle(Handle.Kind kind, long value) {
        switch (kind) {
            case MACH_PORT, MACH_MEMORY -> Ports.deallocate((int) value);
            case FILE_DESCRIPTOR -> Unistd.close(Native.threadCapture(), (int) value);
            default -> { } // nothing of that kind can exist here
        }
    }

    @Override
    public PollerChannel openPoller() throws IOException {
        return KqueuePoller.open();
    }

    @Override
    public ShmObject createShm(String name, long objectSize) throws IOException {
        return name == null ? MachShmObject.create(objectSize) : PosixShmObject.create(name, objectSize);
    }

    @Override
    public ShmObject openShm(String name) throws IOException {
        return PosixShmObject.open(name);
    }

    @Override
    public ShmObject shmFromHandle(RawHandle handle) throws IOException {
        if (handle.kind() != Handle.Kind.MACH_PORT && handle.kind() != Handle.Kind.MACH_MEMORY) {
            closeHandle(handle.kind(), handle.value());
            throw new IllegalArgumentException("a " + handle.kind() + " handle holds no shared memory on macOS");
        }
        return MachShmObject.adopt((int) handle.value());
    }
}
