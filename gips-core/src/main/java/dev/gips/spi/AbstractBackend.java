package dev.gips.spi;

import dev.gips.ipc.Handle;
import java.util.Objects;
import java.util.Set;

/**
 * What every backend answers alike, written once: its name, whether it works in this JVM and why not, the handle
 * kinds it moves, and the handle limit that holds unless the backend lowers it. A backend probes once, in a static
 * initializer with {@link BackendProbe#run}, and hands the result to this constructor, so that making an instance
 * (as {@link java.util.ServiceLoader} does) touches no binding.
 */
public abstract class AbstractBackend implements Backend {
    private final String name;
    private final Throwable unsupportedCause;
    private final Set<Handle.Kind> handleKinds;

    /**
     * A backend with these answers.
     *
     * @param name             the backend's short name ({@code "linux"})
     * @param unsupportedCause what its probe found: {@code null} if it works here, else why not
     * @param handleKinds      the handle kinds it sends and receives
     */
    protected AbstractBackend(String name, Throwable unsupportedCause, Set<Handle.Kind> handleKinds) {
        this.name = Objects.requireNonNull(name, "name");
        this.unsupportedCause = unsupportedCause;
        this.handleKinds = Set.copyOf(handleKinds);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean isSupported() {
        return unsupportedCause == null;
    }

    @Override
    public final Throwable unsupportedCause() {
        return unsupportedCause;
    }

    @Override
    public final Set<Handle.Kind> handleKinds() {
        return handleKinds;
    }

    /**
     * {@link Limits#MAX_HANDLES} whatever the payload; a backend whose messages need a handle of their own lowers
     * it.
     */
    @Override
    public int maxHandles(int payloadLength) {
        return Limits.MAX_HANDLES;
    }
}
