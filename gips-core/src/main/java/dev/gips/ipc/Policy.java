package dev.gips.ipc;

import dev.gips.spi.Backend;
import dev.gips.spi.Backends;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
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
 * nobody, and is logged once at WARN. Ids are compared as numbers, not as text: on Linux and macOS an entry of
 * digits is a uid or gid ({@code "0000"} is root, {@code "01000"} is 1000); on Windows, where users and groups are
 * SIDs, an entry {@code S-1-…} is a SID, compared component by component ({@code "S-1-5-018"} is
 * {@code S-1-5-18}), and an entry of digits is not an id (Windows has none) but an account name to look up.
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

    /** The rules' entries as ids, and how the backend writes ids (digits on Unix, SIDs on Windows). */
    private record Resolved(Set<String> uids, Set<String> gids, boolean numericIds) {}

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
        if (ids.uids != null && !ids.uids.contains(canonical(credentials.uid(), ids.numericIds))) {
            throw new PermissionDeniedException(who + ": uid is not one of " + allowedUids);
        }
        if (ids.gids != null && !anyIn(ids.gids, credentials.gidList(), ids.numericIds)) {
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
            boolean numeric = allowedUids == null && allowedGids == null || numericIds();
            r = new Resolved(resolveAll(allowedUids, true, numeric), resolveAll(allowedGids, false, numeric),
                    numeric);
            resolved = r;
        }
        return r;
    }

    /** Whether the backend's ids are numbers; without a backend (core's own tests), the Unix rule. */
    private static boolean numericIds() {
        try {
            return Backends.get().numericIds();
        } catch (RuntimeException e) {
            return true; // no backend here: no names can be resolved either, and numeric ids still compare
        }
    }

    private static boolean anyIn(Set<String> allowed, List<String> ids, boolean numericIds) {
        for (String id : ids) {
            if (allowed.contains(canonical(id, numericIds))) {
                return true;
            }
        }
        return false;
    }

    /** {@code id} in the form rules are compared in: {@link #canonicalId} if it is written as an id, else as is. */
    private static String canonical(String id, boolean numericIds) {
        String c = canonicalId(id, numericIds);
        return c != null ? c : id;
    }

    /**
     * The canonical form of an entry written as an id, or {@code null} for a name. With numeric ids (Unix), digits
     * are a uid or gid up to 2<sup>32</sup>−1, returned without leading zeros. Otherwise (Windows SIDs), an entry
     * {@code S-1-…} of decimal components is a SID, returned with a capital S and each component without leading
     * zeros, as {@code ConvertSidToStringSidW} writes it; digits alone are a name there.
     */
    static String canonicalId(String s, boolean numericIds) {
        if (numericIds) {
            return isDigits(s, 0, s.length()) ? unsigned32(s, 0, s.length()) : null;
        }
        if (s.length() < 4 || (s.charAt(0) != 'S' && s.charAt(0) != 's') || s.charAt(1) != '-') {
            return null;
        }
        StringBuilder sb = new StringBuilder("S");
        int start = 2;
        while (start <= s.length()) {
            int end = s.indexOf('-', start);
            if (end < 0) {
                end = s.length();
            }
            if (!isDigits(s, start, end)) {
                return null; // e.g. a hexadecimal authority: not in the form we write, so compared as given
            }
            int first = start;
            while (first < end - 1 && s.charAt(first) == '0') {
                first++;
            }
            sb.append('-').append(s, first, end);
            start = end + 1;
        }
        return sb.toString();
    }

    private static boolean isDigits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Digits {@code s[from, to)} as an unsigned 32-bit id without leading zeros, or {@code null} if larger. */
    private static String unsigned32(String s, int from, int to) {
        while (from < to - 1 && s.charAt(from) == '0') {
            from++;
        }
        if (to - from > 10) {
            return null;
        }
        long v = Long.parseLong(s, from, to, 10);
        return v <= 0xFFFF_FFFFL ? Long.toString(v) : null;
    }

    private static Set<String> resolveAll(Set<String> entries, boolean users, boolean numericIds) {
        if (entries == null) {
            return null;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String e : entries) {
            String asId = canonicalId(e, numericIds);
            if (asId != null) {
                ids.add(asId);
                continue;
            }
            String kind = users ? "user" : "group";
            try {
                Backend b = Backends.get();
                var id = users ? b.userId(e) : b.groupId(e);
                if (id.isPresent()) {
                    ids.add(id.get());
                } else {
                    LOG.warn("policy names {} \"{}\", which does not exist here: it matches nobody{}", kind, e,
                            isDigits(e, 0, e.length()) ? " (ids here are SIDs, S-1-…, not numbers)" : "");
                }
            } catch (IOException | RuntimeException ex) {
                LOG.warn("policy names {} \"{}\", which could not be resolved ({}): it matches nobody", kind, e,
                        ex.toString());
            }
        }
        return Set.copyOf(ids);
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
