package dev.gips.macos;

import dev.gips.ipc.Credentials;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What an {@code audit_token_t} holds, in the order of libbsm's {@code audit_token_to_au32}
 * ({@code <bsm/libbsm.h>}). Reading the eight words directly avoids linking the by-value struct accessors. The
 * groups are the effective gid's, word 2, not the real ids of words 3 and 4 (gips bug M-2).
 */
final class Bsm {
    private Bsm() {}

    static final int AUID = 0;
    static final int EUID = 1;
    static final int EGID = 2;
    static final int RUID = 3;
    static final int RGID = 4;
    static final int PID = 5;
    static final int ASID = 6;
    static final int PIDVERSION = 7;

    /**
     * The sender's credentials from its audit token: pid, effective uid, effective gid followed by its
     * supplementary groups (which the token does not carry: the caller supplies them, or an empty array).
     */
    static Credentials credentials(int[] token, int[] groups) {
        if (token.length != 8) {
            throw new IllegalArgumentException("an audit token has 8 words, not " + token.length);
        }
        int euid = token[EUID];
        Set<String> gids = new LinkedHashSet<>();
        gids.add(Integer.toUnsignedString(token[EGID]));
        for (int g : groups) {
            gids.add(Integer.toUnsignedString(g));
        }
        return new Credentials(Integer.toUnsignedLong(token[PID]), Integer.toUnsignedString(euid), List.copyOf(gids),
                euid == 0);
    }
}
