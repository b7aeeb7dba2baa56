package dev.gips.macos;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.ipc.Credentials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Credentials of senders (from their audit token) and of this process, and user and group name lookups. */
final class Identity {
    private static final Logger LOG = LoggerFactory.getLogger(Identity.class);

    private Identity() {}

    /**
     * A sender's credentials: pid, euid and egid from the audit token the kernel attached to its message, and the
     * supplementary groups the directory gives its effective user (an audit token carries no group list).
     */
    static Credentials sender(int[] auditToken) {
        return Bsm.credentials(auditToken, groupsOf(auditToken[Bsm.EUID], auditToken[Bsm.EGID]));
    }

    /** This process as a peer sees it. */
    static Credentials currentProcess() throws IOException {
        MemorySegment errno = Native.threadCapture();
        for (;;) {
            int n = Unistd.getgroups(errno, 0, MemorySegment.NULL);
            if (n < 0) {
                throw Where.PROCESS.errno("getgroups", Native.errno(errno));
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = arena.allocate(JAVA_INT, Math.max(n, 1));
                int m = Unistd.getgroups(errno, n, list);
                if (m < 0 && Native.errno(errno) == Errno.EINVAL) {
                    continue; // groups changed between the two calls
                }
                if (m < 0) {
                    throw Where.PROCESS.errno("getgroups", Native.errno(errno));
                }
                int[] token = new int[8];
                token[Bsm.PID] = Unistd.getpid();
                token[Bsm.EUID] = Unistd.geteuid();
                token[Bsm.EGID] = Unistd.getegid();
                return Bsm.credentials(token, list.asSlice(0, 4L * m).toArray(JAVA_INT));
            }
        }
    }

    /** The groups of user {@code uid}, from {@code getgrouplist}; empty when the user has no name. */
    static int[] groupsOf(int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(Pwd.PASSWD);
            MemorySegment result = arena.allocate(ADDRESS);
            MemorySegment buf = arena.allocate(16 * 1024);
            int rc = Pwd.getpwuid_r(uid, entry, buf, buf.byteSize(), result);
            if (rc != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                LOG.debug("uid {} has no user name (getpwuid_r: {}); its groups are unknown",
                        Integer.toUnsignedString(uid), rc == 0 ? "not found" : Errno.describe(rc));
                return new int[0];
            }
            MemorySegment name = entry.get(ADDRESS, Pwd.PW_NAME);
            for (int capacity = 64; capacity <= 65536; capacity *= 4) {
                MemorySegment groups = arena.allocate(JAVA_INT, capacity);
                MemorySegment count = arena.allocateFrom(JAVA_INT, capacity);
                if (Unistd.getgrouplist(name, gid, groups, count) == 0) {
                    return groups.asSlice(0, 4L * count.get(JAVA_INT, 0)).toArray(JAVA_INT);
                }
            }
            return new int[0];
        }
    }

    static Optional<String> userId(String name) throws IOException {
        return lookup(name, true);
    }

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
                    throw Where.of(name).errno(user ? "getpwnam_r" : "getgrnam_r", rc);
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
