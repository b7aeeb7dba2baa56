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

    /**
     * A descriptor with the unrestricted policy.
     *
     * @throws IllegalArgumentException if the name is empty, is a NUL character alone, or contains a NUL character
     *                                  anywhere but at its start
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
