package dev.gips.ipc;

import java.util.Objects;

/**
 * A service name and the {@link Policy} that guards it. Immutable.
 *
 * <p>Names: on Linux an absolute path is the socket file and anything else is {@code /tmp/<name>}, {@code @name}
 * included, exactly as gips 0.2.0 resolves them; a name that starts with a NUL character ({@code "\0name"}, the
 * kernel's own notation) is the abstract socket {@code name}, which gips 0.2.0 cannot reach. On macOS a name is a
 * bootstrap service name, on Windows {@code \\.\pipe\<name>}; a leading NUL is refused there. Reverse-DNS names
 * ({@code com.example.echo}) work everywhere.
 *
 * {@snippet :
 * var descriptor = new ServiceDescriptor("com.example.useronly").withAllowedUid("1000", "1001");
 * try (Listener listener = Listener.bind(descriptor)) { ... }
 * }
 */
public final class ServiceDescriptor {
    private final String name;
    private final Policy policy;
    private final boolean sharedMemoryChannel;

    /**
     * A descriptor with the unrestricted policy.
     *
     * @throws IllegalArgumentException if the name is empty, is a NUL character alone, or contains a NUL character
     *                                  anywhere but at its start
     */
    public ServiceDescriptor(String name) {
        this(checkName(name), new Policy(), true);
    }

    private ServiceDescriptor(String name, Policy policy, boolean sharedMemoryChannel) {
        this.name = name;
        this.policy = policy;
        this.sharedMemoryChannel = sharedMemoryChannel;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("service name must not be empty");
        }
        if (name.equals("\0")) {
            throw new IllegalArgumentException("service name must not be empty: \"\\0\" is the empty abstract"
                    + " socket name");
        }
        // a leading NUL is the Linux spelling of an abstract socket name; each backend decides whether it has them
        int nul = name.indexOf('\0', 1);
        if (nul >= 0) {
            throw new IllegalArgumentException("service name must not contain a NUL character (at index " + nul
                    + "; only an abstract socket name starts with one): \"" + name.replace("\0", "\\0") + "\"");
        }
        return name;
    }

    /** This service with {@code policy} instead of its current one. */
    public ServiceDescriptor withPolicy(Policy policy) {
        return new ServiceDescriptor(name, Objects.requireNonNull(policy, "policy"), sharedMemoryChannel);
    }

    /**
     * This service with the shared-memory channel on (the default) or off. On Linux, when both ends are gips for Java
     * and neither turned it off, a client that keeps talking (16 messages) moves its messages into a pair of rings in
     * memory the two processes share, and the socket carries only descriptors, payloads too large for a ring record,
     * the hang-up and wake-ups (see the README, "Shared-memory channel"). Each connection that uses it takes 128 KiB of
     * shared memory, and a blocking receive spins up to 50 µs before it sleeps: turn it off on either side to keep
     * every message on the socket (many mostly idle connections, a host where a receive must never spin). Other
     * platforms, and plain gips peers, always use the socket (or port, or pipe).
     */
    public ServiceDescriptor withSharedMemoryChannel(boolean enabled) {
        return new ServiceDescriptor(name, policy, enabled);
    }

    /** Whether the shared-memory channel may be used: true unless turned off (see {@link #withSharedMemoryChannel}). */
    public boolean sharedMemoryChannel() {
        return sharedMemoryChannel;
    }

    /** See {@link Policy#withAllowedUid}. */
    public ServiceDescriptor withAllowedUid(String... uids) {
        return withPolicy(policy.withAllowedUid(uids));
    }

    /** See {@link Policy#withAllowedGid}. */
    public ServiceDescriptor withAllowedGroup(String... groups) {
        return withPolicy(policy.withAllowedGid(groups));
    }

    /** See {@link Policy#withCredentialValidator}. */
    public ServiceDescriptor withCredentialValidator(CredentialValidator validator) {
        return withPolicy(policy.withCredentialValidator(validator));
    }

    /** See {@link Policy#requirePrivileged}. */
    public ServiceDescriptor requirePrivileged() {
        return withPolicy(policy.requirePrivileged());
    }

    /** The service name as given. */
    public String name() {
        return name;
    }

    /** The access policy. */
    public Policy policy() {
        return policy;
    }

    @Override
    public String toString() {
        return "ServiceDescriptor[" + name + ", " + policy + (sharedMemoryChannel ? "" : ", no shared-memory channel")
                + "]";
    }
}
