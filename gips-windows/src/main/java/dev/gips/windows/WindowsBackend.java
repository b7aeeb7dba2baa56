package dev.gips.windows;

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
 * The Windows backend: message-mode named pipes in gips 0.2.0's framing, I/O completion ports, file mappings,
 * through {@code java.lang.foreign}. Loads on any OS: the probe checks {@code os.name} before anything touches a
 * binding, and the bindings link their DLLs only on a first call.
 */
public final class WindowsBackend extends AbstractBackend {
    private static final Throwable UNSUPPORTED = probe();

    /** For {@link java.util.ServiceLoader}. */
    public WindowsBackend() {
        super("windows", UNSUPPORTED, Set.of(Handle.Kind.WINDOWS_HANDLE));
    }

    private static Throwable probe() {
        // links kernel32 now, so that denied native access fails here and not in the middle of a call
        return new BackendProbe("Windows", List.of("Windows"), "dev.gips.windows")
                .run(() -> Kernel32.GetCurrentProcessId(Native.threadCapture()));
    }

    @Override
    public ListenerChannel bind(ServiceDescriptor descriptor) throws IOException {
        return PipeListener.bind(descriptor.name());
    }

    @Override
    public EndpointChannel connect(ServiceDescriptor descriptor, long timeoutNanos) throws IOException {
        return PipeEndpoint.connect(descriptor.name(), timeoutNanos);
    }

    @Override
    public Credentials currentProcess() throws IOException {
        return Identity.currentProcess();
    }

    /** Users and groups are SIDs: an entry of digits in a policy is an account name here. */
    @Override
    public boolean numericIds() {
        return false;
    }

    @Override
    public Optional<String> userId(String name) throws IOException {
        return Identity.lookup(name, Advapi32.SidTypeUser);
    }

    @Override
    public Optional<String> groupId(String name) throws IOException {
        return Identity.lookup(name, Advapi32.SidTypeGroup, Advapi32.SidTypeAlias,
                Advapi32.SidTypeWellKnownGroup);
    }

    @Override
    public long duplicateHandle(Handle.Kind kind, long value) throws IOException {
        requireHandle(kind);
        return Handles.duplicate(value);
    }

    @Override
    public void closeHandle(Handle.Kind kind, long value) {
        if (kind == Handle.Kind.WINDOWS_HANDLE) {
            Handles.close(value);
        }
    }

    @Override
    public PollerChannel openPoller() throws IOException {
        return IocpPoller.open();
    }

    @Override
    public ShmObject createShm(String name, long objectSize) throws IOException {
        return FileMappingShmObject.create(name, objectSize);
    }

    @Override
    public ShmObject openShm(String name) throws IOException {
        return FileMappingShmObject.open(name);
    }

    @Override
    public ShmObject shmFromHandle(RawHandle handle) throws IOException {
        if (handle.kind() != Handle.Kind.WINDOWS_HANDLE) {
            closeHandle(handle.kind(), handle.value());
            throw new IllegalArgumentException(handle.kind() + " handles do not exist on Windows");
        }
        return FileMappingShmObject.adopt(handle.value(), null);
    }

    private static void requireHandle(Handle.Kind kind) {
        if (kind != Handle.Kind.WINDOWS_HANDLE) {
            throw new IllegalArgumentException(kind + " handles do not exist on Windows");
        }
    }
}
