package dev.gips.windows;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.spi.Backend;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.ListenerChannel;
import java.util.Optional;
import java.util.Set;

/**
 * The Windows backend. Not implemented yet: it registers so that core can say why Windows is not supported, and
 * reports itself unsupported everywhere.
 */
public final class WindowsBackend implements Backend {
    private static final Throwable UNSUPPORTED = probe();

    /** For {@link java.util.ServiceLoader}. */
    public WindowsBackend() {}

    private static Throwable probe() {
        String os = System.getProperty("os.name", "");
        if (!(os.startsWith("Windows"))) {
            return new UnsupportedOperationException("os.name is " + os + ", not Windows");
        }
        return new UnsupportedOperationException("the Windows backend is not implemented yet");
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public boolean isSupported() {
        return false;
    }

    @Override
    public Throwable unsupportedCause() {
        return UNSUPPORTED;
    }

    @Override
    public Set<Handle.Kind> handleKinds() {
        return Set.of();
    }

    @Override
    public int maxHandles(int payloadLength) {
        return 0;
    }

    @Override
    public ListenerChannel bind(ServiceDescriptor descriptor) {
        throw notYet();
    }

    @Override
    public EndpointChannel connect(ServiceDescriptor descriptor) {
        throw notYet();
    }

    @Override
    public Credentials currentProcess() {
        throw notYet();
    }

    @Override
    public Optional<String> userId(String name) {
        throw notYet();
    }

    @Override
    public Optional<String> groupId(String name) {
        throw notYet();
    }

    @Override
    public long duplicateHandle(Handle.Kind kind, long value) {
        throw notYet();
    }

    @Override
    public void closeHandle(Handle.Kind kind, long value) {
        throw notYet();
    }

    private static UnsupportedOperationException notYet() {
        return new UnsupportedOperationException("the Windows backend is not implemented yet");
    }
}
