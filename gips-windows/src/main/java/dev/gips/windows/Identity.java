package dev.gips.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who a process or a pipe client is: user SID, group SIDs and elevation read from an access token, never from
 * anything the peer sends and never through a pid that could have been reused (gips bug W-10).
 */
final class Identity {
    private Identity() {}

    /** The credentials of this process. */
    static Credentials currentProcess() throws IOException {
        return ofProcess(Native.CURRENT_PROCESS, Kernel32.GetCurrentProcessId(Native.threadCapture()) & 0xFFFF_FFFFL);
    }

    /** The user SID string of this process, for security descriptors. */
    static String currentUserSid() throws IOException {
        return currentProcess().uid();
    }

    /**
     * The credentials of the client at the other end of a server pipe, from the token the kernel attached to the
     * connection: the server impersonates the client on this thread just long enough to open the thread token.
     * Clients of this backend connect with {@code SECURITY_IDENTIFICATION}, which allows exactly that and no more.
     *
     * @return {@code null} if the kernel needs a message to be read first ({@code ERROR_CANNOT_IMPERSONATE})
     */
    static Credentials pipeClient(long pipe, long pid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment out = arena.allocate(ADDRESS);
            if (Advapi32.ImpersonateNamedPipeClient(err, pipe) == 0) {
                int e = Native.lastError(err);
                if (e == WinError.ERROR_CANNOT_IMPERSONATE) {
                    return null;
                }
                throw Where.PROCESS.error("ImpersonateNamedPipeClient", e);
            }
            int opened;
            int openError;
            try {
                // openAsSelf: the access check uses the server's own identity, not the client's
                opened = Advapi32.OpenThreadToken(err, Native.CURRENT_THREAD, Advapi32.TOKEN_QUERY, 1, out);
                openError = Native.lastError(err);
            } finally {
                if (Advapi32.RevertToSelf(err) == 0) {
                    // running on as the client would be a privilege change: this thread must not go on
                    throw new InternalError(Where.PROCESS.message("RevertToSelf",
                            WinError.describe(Native.lastError(err))));
                }
            }
            if (opened == 0) {
                throw Where.PROCESS.error("OpenThreadToken (impersonating the pipe client)", openError);
            }
            return fromTokenClosing(out.get(ADDRESS, 0).address(), pid);
        }
    }

    /** The credentials in the token of {@code process} (an open process handle) whose pid is {@code pid}. */
    static Credentials ofProcess(long process, long pid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment out = arena.allocate(ADDRESS);
            if (Advapi32.OpenProcessToken(err, process, Advapi32.TOKEN_QUERY, out) == 0) {
                throw Where.PROCESS.error("OpenProcessToken of pid " + pid, Native.lastError(err));
            }
            return fromTokenClosing(out.get(ADDRESS, 0).address(), pid);
        }
    }

    /** {@link #fromToken}, then closes the token whatever happens. */
    private static Credentials fromTokenClosing(long token, long pid) throws IOException {
        try {
            return fromToken(token, pid);
        } finally {
            Kernel32.CloseHandle(Native.threadCapture(), token);
        }
    }

    /**
     * Reads user, groups and elevation from a token. Groups are the primary group, then those that grant access:
     * enabled, not deny-only, not the integrity label, so a UAC-filtered token's deny-only Administrators does not
     * match a gid allowlist.
     */
    static Credentials fromToken(long token, long pid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment user = tokenInformation(token, Advapi32.TokenUser, arena, err);
            String uid = sidString(user.get(ADDRESS, Advapi32.TOKEN_USER_User + Advapi32.SID_AND_ATTRIBUTES_Sid),
                    arena, err);
            MemorySegment groups = tokenInformation(token, Advapi32.TokenGroups, arena, err);
            int count = groups.get(JAVA_INT, Advapi32.TOKEN_GROUPS_GroupCount);
            long entry = Advapi32.SID_AND_ATTRIBUTES.byteSize();
            if (count < 0 || Advapi32.TOKEN_GROUPS_Groups + count * entry > groups.byteSize()) {
                throw Where.PROCESS.error("GetTokenInformation(TokenGroups)", count + " groups do not fit "
                        + groups.byteSize() + " bytes");
            }
            // the primary group first, as Credentials.gidList promises on every OS
            MemorySegment primary = tokenInformation(token, Advapi32.TokenPrimaryGroup, arena, err);
            List<String> gids = new ArrayList<>(count + 1);
            gids.add(sidString(primary.get(ADDRESS, Advapi32.TOKEN_PRIMARY_GROUP_PrimaryGroup), arena, err));
            for (int i = 0; i < count; i++) {
                long at = Advapi32.TOKEN_GROUPS_Groups + i * entry;
                int attributes = groups.get(JAVA_INT, at + Advapi32.SID_AND_ATTRIBUTES_Attributes);
                if ((attributes & Advapi32.SE_GROUP_ENABLED) == 0
                        || (attributes & (Advapi32.SE_GROUP_USE_FOR_DENY_ONLY | Advapi32.SE_GROUP_INTEGRITY)) != 0) {
                    continue;
                }
                String gid = sidString(groups.get(ADDRESS, at + Advapi32.SID_AND_ATTRIBUTES_Sid), arena, err);
                if (!gids.contains(gid)) {
                    gids.add(gid);
                }
            }
            MemorySegment elevation = tokenInformation(token, Advapi32.TokenElevation, arena, err);
            boolean elevated = elevation.get(JAVA_INT, Advapi32.TOKEN_ELEVATION_TokenIsElevated) != 0;
            return new Credentials(pid, uid, gids, elevated);
        }
    }

    /** {@code GetTokenInformation} twice: once for the size (no fixed buffer: gips bug W-10), once for the data. */
    private static MemorySegment tokenInformation(long token, int infoClass, Arena arena, MemorySegment err)
            throws IOException {
        MemorySegment size = arena.allocate(JAVA_INT);
        if (Advapi32.GetTokenInformation(err, token, infoClass, MemorySegment.NULL, 0, size) == 0
                && Native.lastError(err) != WinError.ERROR_INSUFFICIENT_BUFFER) {
            throw Where.PROCESS.error("GetTokenInformation(class " + infoClass + ")", Native.lastError(err));
        }
        int n = size.get(JAVA_INT, 0);
        MemorySegment buf = arena.allocate(Math.max(n, 8), 8);
        if (Advapi32.GetTokenInformation(err, token, infoClass, buf, (int) buf.byteSize(), size) == 0) {
            throw Where.PROCESS.error("GetTokenInformation(class " + infoClass + ")", Native.lastError(err));
        }
        return buf;
    }

    /** {@code S-1-5-21-…} for a SID, through {@code ConvertSidToStringSidW} (its buffer freed with LocalFree). */
    static String sidString(MemorySegment sid, Arena arena, MemorySegment err) throws IOException {
        MemorySegment out = arena.allocate(ADDRESS);
        if (Advapi32.ConvertSidToStringSidW(err, sid, out) == 0) {
            throw Where.PROCESS.error("ConvertSidToStringSidW", Native.lastError(err));
        }
        MemorySegment str = out.get(ADDRESS, 0);
        try {
            return Native.readWide(str, 256);
        } finally {
            Kernel32.LocalFree(err, str);
        }
    }

    /** The SID string of the account {@code name} if it is of one of the {@code kinds}; empty if none is. */
    static Optional<String> lookup(String name, int... kinds) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment wname = Native.wide(arena, name);
            MemorySegment sidSize = arena.allocate(JAVA_INT);
            MemorySegment domainSize = arena.allocate(JAVA_INT);
            MemorySegment use = arena.allocate(JAVA_INT);
            MemorySegment sid = arena.allocate(68, 8); // SECURITY_MAX_SID_SIZE
            MemorySegment domain = arena.allocate(2 * 256, 2);
            sidSize.set(JAVA_INT, 0, (int) sid.byteSize());
            domainSize.set(JAVA_INT, 0, 256);
            if (Advapi32.LookupAccountNameW(err, wname, sid, sidSize, domain, domainSize, use) == 0) {
                int e = Native.lastError(err);
                if (e == WinError.ERROR_NONE_MAPPED) {
                    return Optional.empty();
                }
                throw new Where(name, null).error("LookupAccountNameW", e);
            }
            int kind = use.get(JAVA_INT, 0);
            for (int k : kinds) {
                if (k == kind) {
                    return Optional.of(sidString(sid, arena, err));
                }
            }
            return Optional.empty();
        }
    }

    /**
     * {@code SECURITY_ATTRIBUTES} for the SDDL string {@code sddl}, allocated in {@code arena}; the security
     * descriptor is {@code LocalFree}d when the arena closes (gips leaked it: W-11).
     */
    static MemorySegment securityAttributes(String sddl, Arena arena) throws IOException {
        MemorySegment err = Native.allocateCapture(arena);
        MemorySegment out = arena.allocate(ADDRESS);
        if (Advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(err, Native.wide(arena, sddl),
                Advapi32.SDDL_REVISION_1, out) == 0) {
            throw new Where(sddl, null).error("ConvertStringSecurityDescriptorToSecurityDescriptorW",
                    Native.lastError(err));
        }
        MemorySegment sd = out.get(ADDRESS, 0);
        Native.owned(sd, 0, arena, () -> Kernel32.LocalFree(Native.threadCapture(), sd));
        MemorySegment sa = arena.allocate(MinWinBase.SECURITY_ATTRIBUTES);
        sa.set(JAVA_INT, MinWinBase.SECURITY_ATTRIBUTES_nLength, (int) MinWinBase.SECURITY_ATTRIBUTES.byteSize());
        sa.set(ADDRESS, MinWinBase.SECURITY_ATTRIBUTES_lpSecurityDescriptor, sd);
        sa.set(JAVA_INT, MinWinBase.SECURITY_ATTRIBUTES_bInheritHandle, 0);
        return sa;
    }
}
