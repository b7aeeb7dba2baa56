package dev.gips.ipc;

import java.util.Objects;

/**
 * A service name and the {@link Policy} that guards it. Immutable.
 *
 * <p>Names: on Linux an absolute path is the socket file, a name starting with {@code @} is an abstract socket,
 * anything else is {@code /tmp/<name>}; on macOS a bootstrap service name; on Windows {@code \\.\pipe\<name>}.
 * Reverse-DNS names ({@code com.example.echo}) work everywhere.
 *
 * {@snippet :
 * var descriptor = new ServiceDescriptor("com.example.useronly").withAllowedUid("1000", "1001");
 * try (Listener listener = Listener.bind(descriptor)) { ... }
 * }
 */
public final class ServiceDescriptor {
    private final String name;
    private final Policy policy;

    /**
     * A descriptor with the unrestricted policy.
     *
     * @throws IllegalArgumentException if the name is empty or contains a NUL character
     */
    public ServiceDescriptor(String name) {
        this(checkName(name), new Policy());
    }

    private ServiceDescriptor(String name, Policy policy) {
        this.name = name;
        this.policy = policy;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("service name must not be empty");
        }
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("service name must not contain a NUL character (at index " + nul
                    + "): \"" + name.replace("\0", "\\0") + "\"");
        }
        return name;
    }

    /** This service with {@code policy} instead of its current one. */
    public ServiceDescriptor withPolicy(Policy policy) {
        return new ServiceDescriptor(name, Objects.requireNonNull(policy, "policy"));
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
        return "ServiceDescriptor[" + name + ", " + policy + "]";
    }
}
