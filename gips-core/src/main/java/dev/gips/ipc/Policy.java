package dev.gips.ipc;

import dev.gips.spi.Backend;
import dev.gips.spi.Backends;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use a service. Immutable: each {@code with…} returns a new policy.
 *
 * <p>A listener checks its policy once per client, when the client connects, against {@link Credentials} the kernel
 * vouches for. The rules apply in this order and all must pass:
 * <ol>
 *   <li>{@link #requirePrivileged()}: the client runs as root (Unix) or elevated (Windows);</li>
 *   <li>{@link #withAllowedUid}: the client's user is one of these;</li>
 *   <li>{@link #withAllowedGid}: one of the client's groups, primary or supplementary, is one of these;</li>
 *   <li>{@link #withCredentialValidator}: the validator does not throw.</li>
 * </ol>
 *
 * <p>Users and groups may be given as numeric ids or as names (SID strings or account names on Windows); names are
 * resolved with the OS user database the first time the policy is checked. A name that does not resolve matches
 * nobody, and is logged once at WARN.
 *
 * {@snippet :
 * Policy p = new Policy().withAllowedUid("0", "alice").withAllowedGid("staff");
 * Listener listener = Listener.bind(new ServiceDescriptor("com.example.secure").withPolicy(p));
 * }
 */
public final class Policy {
    private static final Logger LOG = LoggerFactory.getLogger(Policy.class);

    private final Set<String> allowedUids;   // null: any user
    private final Set<String> allowedGids;   // null: any group
    private final CredentialValidator validator;
    private final boolean privileged;
    private volatile Resolved resolved;      // ids of allowedUids / allowedGids, computed on first check

    private record Resolved(Set<String> uids, Set<String> gids) {}

    /** The unrestricted policy: every local process may connect. */
    public Policy() {
        this(null, null, null, false);
    }

    private Policy(Set<String> uids, Set<String> gids, CredentialValidator validator, boolean privileged) {
        this.allowedUids = uids;
        this.allowedGids = gids;
        this.validator = validator;
        this.privileged = privileged;
    }

    /** A policy that admits only privileged clients. */
    public static Policy privilegedOnly() {
        return new Policy().requirePrivileged();
    }

    /**
     * Admits only these users, in addition to any allowed before.
     *
     * @param uids numeric user ids or user names (SIDs or account names on Windows); at least one
     */
    public Policy withAllowedUid(String... uids) {
        return new Policy(union(allowedUids, uids, "uid"), allowedGids, validator, privileged);
    }

    /**
     * Admits only clients with one of these groups (primary or supplementary), in addition to any allowed before.
     *
     * @param groups numeric group ids or group names (SIDs or account names on Windows); at least one
     */
    public Policy withAllowedGid(String... groups) {
        return new Policy(allowedUids, union(allowedGids, groups, "group"), validator, privileged);
    }

    /**
     * Adds a custom rule, run after the others; with several, all must pass, in the order added. Whatever the
     * validator throws refuses the client ({@link #check} wraps it in a {@link PermissionDeniedException}), an
     * {@link Error} included.
     */
    public Policy withCredentialValidator(CredentialValidator validator) {
        Objects.requireNonNull(validator, "validator");
        CredentialValidator before = this.validator;
        CredentialValidator combined = before == null ? validator : c -> {
            before.validate(c);
            validator.validate(c);
        };
        return new Policy(allowedUids, allowedGids, combined, privileged);
    }

    /** Admits only privileged clients (uid 0 on Unix, an elevated token on Windows). */
    public Policy requirePrivileged() {
        return new Policy(allowedUids, allowedGids, validator, true);
    }

    /** Whether the policy admits everyone. */
    public boolean isUnrestricted() {
        return allowedUids == null && allowedGids == null && validator == null && !privileged;
    }

    /**
     * Refuses {@code credentials} that break a rule.
     *
     * @throws PermissionDeniedException naming the rule and the client; it wraps whatever a validator threw
     */
    public void check(Credentials credentials) throws PermissionDeniedException {
        Objects.requireNonNull(credentials, "credentials");
        if (isUnrestricted()) {
            return;
        }
        String who = "pid " + credentials.pid() + " (uid " + credentials.uid() + ", groups " + credentials.gidList() + ")";
        if (privileged && !credentials.isPrivileged()) {
            throw new PermissionDeniedException(who + " is not privileged");
        }
        Resolved ids = resolve();
        if (ids.uids != null && !ids.uids.contains(credentials.uid())) {
            throw new PermissionDeniedException(who + ": uid is not one of " + allowedUids);
        }
        if (ids.gids != null && Collections.disjoint(ids.gids, credentials.gidList())) {
            throw new PermissionDeniedException(who + ": no group is one of " + allowedGids);
        }
        if (validator != null) {
            try {
                validator.validate(credentials);
            } catch (Throwable e) {
                // always wrapped, so that the message names the client; a broken validator refuses rather than
                // letting the client in or taking the server down: an Error too (a StackOverflowError in a validator
                // that recursed, an AssertionError), since the validator runs on a client's behalf in accept()
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt(); // thrown sneakily; keep the status for the caller
                }
                throw new PermissionDeniedException(who + " refused by the credential validator: "
                        + (e instanceof PermissionDeniedException ? e.getMessage() : e.toString()), e);
            }
        }
    }

    /** Resolves every name now, so that {@code bind} can warn about names that match nobody. */
    void resolveNames() {
        resolve();
    }

    private Resolved resolve() {
        Resolved r = resolved;
        if (r == null) {
            r = new Resolved(resolveAll(allowedUids, true), resolveAll(allowedGids, false));
            resolved = r;
        }
        return r;
    }

    private static Set<String> resolveAll(Set<String> entries, boolean users) {
        if (entries == null) {
            return null;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String e : entries) {
            if (isNumericId(e)) {
                ids.add(e);
                continue;
            }
            String kind = users ? "user" : "group";
            try {
                Backend b = Backends.get();
                var id = users ? b.userId(e) : b.groupId(e);
                if (id.isPresent()) {
                    ids.add(id.get());
                } else {
                    LOG.warn("policy names {} \"{}\", which does not exist here: it matches nobody", kind, e);
                }
            } catch (IOException | RuntimeException ex) {
                LOG.warn("policy names {} \"{}\", which could not be resolved ({}): it matches nobody", kind, e,
                        ex.toString());
            }
        }
        return Set.copyOf(ids);
    }

    private static boolean isNumericId(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return Long.parseLong(s) <= 0xFFFF_FFFFL;
    }

    private static Set<String> union(Set<String> before, String[] added, String what) {
        Objects.requireNonNull(added, what + "s");
        if (added.length == 0) {
            throw new IllegalArgumentException("at least one " + what + " is required");
        }
        Set<String> all = before == null ? new LinkedHashSet<>() : new LinkedHashSet<>(before);
        for (String s : added) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException(what + " must not be null or blank: " + Arrays.toString(added));
            }
            all.add(s.strip());
        }
        return Collections.unmodifiableSet(all);
    }

    @Override
    public String toString() {
        if (isUnrestricted()) {
            return "Policy[unrestricted]";
        }
        StringBuilder sb = new StringBuilder("Policy[");
        if (privileged) {
            sb.append("privileged ");
        }
        if (allowedUids != null) {
            sb.append("uids=").append(allowedUids).append(' ');
        }
        if (allowedGids != null) {
            sb.append("groups=").append(allowedGids).append(' ');
        }
        if (validator != null) {
            sb.append("validator ");
        }
        sb.setLength(sb.length() - 1);
        return sb.append(']').toString();
    }
}
