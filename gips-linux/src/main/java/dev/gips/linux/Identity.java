package dev.gips.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credentials of peers ({@code SO_PEERCRED} + {@code SO_PEERGROUPS}: gips bug L-3) and of this process, and name
 * lookups.
 */
final class Identity {
    private static final Logger LOG = LoggerFactory.getLogger(Identity.class);

    private Identity() {}

    /** The peer of connected socket {@code fd}, as the kernel recorded it at connect. */
    static Credentials peer(int fd, Where where) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment ucred = arena.allocate(SysSocket.UCRED);
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) SysSocket.UCRED.byteSize());
            if (SysSocket.getsockopt(errno, fd, SysSocket.SOL_SOCKET, SysSocket.SO_PEERCRED, ucred, len) < 0) {
                throw where.error("getsockopt(SO_PEERCRED)", Native.errno(errno));
            }
            int pid = ucred.get(JAVA_INT, SysSocket.UCRED_PID);
            int uid = ucred.get(JAVA_INT, SysSocket.UCRED_UID);
            int gid = ucred.get(JAVA_INT, SysSocket.UCRED_GID);
            return credentials(pid, uid, gid, peerGroups(arena, errno, fd, where));
        }
    }

    private static int[] peerGroups(Arena arena, MemorySegment errno, int fd, Where where) throws IOException {
        int capacity = 64;
        for (;;) {
            MemorySegment groups = arena.allocate(JAVA_INT, capacity);
            MemorySegment len = arena.allocateFrom(JAVA_INT, capacity * 4);
            if (SysSocket.getsockopt(errno, fd, SysSocket.SOL_SOCKET, SysSocket.SO_PEERGROUPS, groups, len) == 0) {
                return groups.asSlice(0, len.get(JAVA_INT, 0)).toArray(JAVA_INT);
            }
            int e = Native.errno(errno);
            if (e == Errno.ERANGE && len.get(JAVA_INT, 0) > capacity * 4) {
                capacity = len.get(JAVA_INT, 0) / 4; // the kernel says how much it needs
                continue;
            }
            if (e == Errno.ENOPROTOOPT) {
                // kernels before 4.13: only the primary group is known
                LOG.debug("SO_PEERGROUPS is not supported by this kernel; group rules see primary groups only");
                return new int[0];
            }
            throw where.error("getsockopt(SO_PEERGROUPS)", e);
        }
    }

    /** This process as a peer sees it: pid, effective uid and gid, all supplementary groups (gips bug B-X7). */
    static Credentials currentProcess() throws IOException {
        MemorySegment errno = Native.threadCapture();
        for (;;) {
            int n = Unistd.getgroups(errno, 0, MemorySegment.NULL);
            if (n < 0) {
                throw new IOException("getgroups: " + Errno.describe(Native.errno(errno)));
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = arena.allocate(JAVA_INT, Math.max(n, 1));
                int m = Unistd.getgroups(errno, n, list);
                if (m < 0 && Native.errno(errno) == Errno.EINVAL) {
                    continue; // groups changed between the two calls
                }
                if (m < 0) {
                    throw new IOException("getgroups: " + Errno.describe(Native.errno(errno)));
                }
                return credentials(Unistd.getpid(), Unistd.geteuid(), Unistd.getegid(),
                        list.asSlice(0, 4L * m).toArray(JAVA_INT));
            }
        }
    }

    private static Credentials credentials(int pid, int uid, int gid, int[] groups) {
        Set<String> gids = new LinkedHashSet<>();
        gids.add(Integer.toUnsignedString(gid));
        for (int g : groups) {
            gids.add(Integer.toUnsignedString(g));
        }
        return new Credentials(Integer.toUnsignedLong(pid), Integer.toUnsignedString(uid), List.copyOf(gids),
                uid == 0);
    }

    /** The uid of user {@code name}, from the user database. */
    static Optional<String> userId(String name) throws IOException {
        return lookup(name, true);
    }

    /** The gid of group {@code name}, from the group database. */
    static Optional<String> groupId(String name) throws IOException {
        return lookup(name, false);
    }

    private static Optional<String> lookup(String name, boolean user) throws IOException {
        long size = 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            MemorySegment entry = arena.allocate(user ? Pwd.PASSWD : Pwd.GROUP);
            MemorySegment result = arena.allocate(ADDRESS);
            for (;;) {
                MemorySegment buf = arena.allocate(size);
                int rc = user
                        ? Pwd.getpwnam_r(cname, entry, buf, size, result)
                        : Pwd.getgrnam_r(cname, entry, buf, size, result);
                if (rc == Errno.ERANGE && size < (1 << 24)) {
                    size *= 4;
                    continue;
                }
                if (rc != 0) {
                    throw new Where(name, null).error(user ? "getpwnam_r" : "getgrnam_r", rc);
                }
                if (result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    return Optional.empty();
                }
                int id = entry.get(JAVA_INT, user ? Pwd.PW_UID : Pwd.GR_GID);
                return Optional.of(Integer.toUnsignedString(id));
            }
        }
    }
}
