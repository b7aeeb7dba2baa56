package dev.gips.spi;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import dev.gips.ipc.ServiceDescriptor;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that registers before it is written, so that core can say why an OS is not supported yet. It is never
 * supported; every operation throws {@link UnsupportedOperationException}.
 */
public abstract class UnimplementedBackend implements Backend {
    private final String name;
    private final Throwable cause;

    /**
     * @param name       the backend's name, e.g. {@code "macos"}
     * @param osName     the OS as people write it, e.g. {@code "macOS"}
     * @param runningOnIt whether the running JVM is on that OS
     */
    protected UnimplementedBackend(String name, String osName, boolean runningOnIt) {
        this.name = name;
        this.cause = new UnsupportedOperationException(runningOnIt
                ? "the " + osName + " backend is not implemented yet"
                : "os.name is " + System.getProperty("os.name") + ", not " + osName);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean isSupported() {
        return false;
    }

    @Override
    public final Throwable unsupportedCause() {
        return cause;
    }

    @Override
    public final Set<Handle.Kind> handleKinds() {
        return Set.of();
    }

    @Override
    public final int maxHandles(int payloadLength) {
        return 0;
    }

    @Override
    public final ListenerChannel bind(ServiceDescriptor descriptor) {
        throw notYet();
    }

    @Override
    public final EndpointChannel connect(ServiceDescriptor descriptor, long timeoutNanos) {
        throw notYet();
    }

    @Override
    public final Credentials currentProcess() {
        throw notYet();
    }

    @Override
    public final Optional<String> userId(String name) {
        throw notYet();
    }

    @Override
    public final Optional<String> groupId(String name) {
        throw notYet();
    }

    @Override
    public final long duplicateHandle(Handle.Kind kind, long value) {
        throw notYet();
    }

    @Override
    public final void closeHandle(Handle.Kind kind, long value) {
        throw notYet();
    }

    private UnsupportedOperationException notYet() {
        return new UnsupportedOperationException(cause.getMessage());
    }
}
