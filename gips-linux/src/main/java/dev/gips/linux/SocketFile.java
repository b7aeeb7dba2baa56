package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file of a listener bound to a path, for its whole life: bound (taking over a dead server's file, never
 * anything else), made reachable by every user (mode 0666, plus the sticky bit that marks a gips-java service: see
 * {@link Sockets#SERVICE_FILE_MODE}), and at close removed only if it is still the one bound.
 * No step follows a symbolic link that another user could have planted, or resolves a path again that another user
 * could have changed in between:
 * <ol>
 *   <li>The directory that holds the file is opened once, with {@code O_PATH}, by walking its path from {@code /}
 *       one component at a time with {@code O_NOFOLLOW}. A symbolic link is followed only where it sits in a
 *       directory that no user but root and this one can write; elsewhere bind is refused. Every later step works
 *       from that descriptor.</li>
 *   <li>If no other user can change the way to that directory or the socket's entry in it (nobody else can write
 *       any directory on the way, or a sticky directory such as {@code /tmp} protects the entry), the socket is bound
 *       at its path, and {@code getsockname}/{@code getpeername} report that path, as with gips 0.2.0.</li>
 *   <li>Otherwise it is bound in a private directory made inside that one (ours, mode 0700: nobody else can touch
 *       its entries), through {@code /proc/self/fd/N/<name>}; given mode 0666 and set listening there; and only then
 *       linked into place with {@code linkat}, which fails rather than replace anything. Peers then see the
 *       {@code /proc/self/fd/N/<name>} address the socket was bound to instead of its path.</li>
 *   <li>A file in the way is examined through a descriptor opened with {@code O_PATH | O_NOFOLLOW}: only a socket that
 *       no listener answers (probed through {@code /proc/self/fd/N}, so the probe reaches that very file) is removed,
 *       and only while its name still refers to it (gips bug L-2: gips removes whatever is there).</li>
 *   <li>{@link #remove} unlinks the name only while it refers to the socket bound (gips bug L-7).</li>
 * </ol>
 * What remains, and why this design: SECURITY.md, "Socket files and symbolic links".
 */
final class SocketFile {
    private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);

    private static final int MODE = Sockets.SERVICE_FILE_MODE;
    /** How often bind tries to take the name while stale files keep appearing in its way. */
    private static final int ATTEMPTS = 3;
    /** Most symbolic links followed on the way to the directory: the kernel's own limit (ELOOP). */
    private static final int MAX_LINKS = 40;
    private static final int PATH_MAX = 4096;
    private static final String PROC_FD = "/proc/self/fd/";
    private static final int STAT_MASK =
            SysStat.STATX_TYPE | SysStat.STATX_MODE | SysStat.STATX_UID | SysStat.STATX_INO;

    private final int dirFd;        // O_PATH descriptor of the directory that holds the file; closed by remove()
    private final String name;      // the file's name in that directory
    private final Stat bound;       // the socket bound, told from any later file of that name by device and inode
    private final Where where;

    private SocketFile(int dirFd, String name, Stat bound, Where where) {
        this.dirFd = dirFd;
        this.name = name;
        this.bound = bound;
        this.where = where;
    }

    /**
     * Binds {@code fd} to the socket file at {@code address}, gives the file mode {@link #MODE} and makes {@code fd} listen:
     * when the file appears at its path it already answers, so no other bind takes it for a dead server's.
     *
     * @throws IllegalArgumentException if the path ends in a directory name ({@code /}, {@code .} or {@code ..})
     * @throws IOException              naming the step that failed; nothing is left behind
     */
    static SocketFile bind(int fd, UnixAddress address, int backlog) throws IOException {
        Where where = address.where();
        String path = address.path();
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("service \"" + where.service() + "\" resolves to " + path
                    + ", which names a directory, not a socket file");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            Directory dir = openDirectory(path.substring(0, slash), where, arena, errno);
            boolean ok = false;
            try {
                Stat bound;
                if (dir.othersCanChange()) {
                    LOG.debug("service \"{}\": other users can change {}; binding in a private directory there",
                            where.service(), dir.path());
                    bound = bindPrivately(fd, dir, name, where, backlog, arena, errno);
                } else {
                    bound = bindInPlace(fd, address, dir, arena.allocateFrom(name), where, backlog, arena, errno);
                }
                ok = true;
                return new SocketFile(dir.fd(), name, bound, where);
            } finally {
                if (!ok) {
                    Fds.closeQuietly(dir.fd());
                }
            }
        }
    }

    /**
     * Removes the socket file if its name still refers to the socket bound (not a newer server's, nor anything put
     * there since), and closes the directory. Called once, when the listener is released.
     */
    void remove() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            if (!unlinkIfSame(dirFd, arena.allocateFrom(name), bound, arena, errno)) {
                LOG.debug("service \"{}\": left {}: it is no longer the socket this listener bound", where.service(),
                        where.address());
            }
        } finally {
            Fds.closeQuietly(dirFd);
        }
    }

    // ------------------------------------------------------------------------------------------- the two binds

    /** Binds at the path itself, which only root and this user can change (see {@link #openDirectory}). */
    private static Stat bindInPlace(int fd, UnixAddress address, Directory dir, MemorySegment name, Where where,
            int backlog, Arena arena, MemorySegment errno) throws IOException {
        MemorySegment sa = address.sockaddr(arena);
        for (int attempt = 1; SysSocket.bind(errno, fd, sa, address.sockaddrLength()) < 0; attempt++) {
            int e = Native.errno(errno);
            if (e != Errno.EADDRINUSE) {
                throw where.error("bind", e);
            }
            if (attempt == ATTEMPTS) {
                throw keepsChanging(where);
            }
            reclaimStale(dir.fd(), name, where, arena, errno);
        }
        // nobody but root and this user can replace our entry here, so the name refers to our socket
        Stat bound = stat(dir.fd(), name, arena, errno);
        if (bound == null || !bound.is(SysStat.S_IFSOCK)) {
            throw where.error("bind", "the socket file is not in " + dir.path() + " after bind: root or this user"
                    + " changed the path while binding");
        }
        boolean ok = false;
        try {
            // before listen() nobody can connect, so there is no window with the umask's mode
            if (SysStat.fchmodat(errno, dir.fd(), name, MODE, 0) < 0) {
                throw where.error("chmod " + Integer.toOctalString(MODE), Native.errno(errno));
            }
            listen(fd, backlog, where, errno);
            ok = true;
            return bound;
        } finally {
            if (!ok) {
                unlinkIfSame(dir.fd(), name, bound, arena, errno);
            }
        }
    }

    /**
     * Binds in a private directory made inside {@code dir}, sets the mode and listens there, then links the socket
     * into place under {@code name}; the private directory is gone afterwards, whatever happened.
     */
    private static Stat bindPrivately(int fd, Directory dir, String name, Where where, int backlog, Arena arena,
            MemorySegment errno) throws IOException {
        PrivateDirectory own = makePrivateDirectory(dir, where, arena, errno);
        String prefix = PROC_FD + own.fd() + "/";
        // the service's own name where it fits, so that ss and lsof show something recognisable
        String inner = (prefix + name).getBytes(StandardCharsets.UTF_8).length <= UnixAddress.MAX_PATH_BYTES
                ? name : "socket";
        MemorySegment innerName = arena.allocateFrom(inner);
        try {
            UnixAddress at = UnixAddress.ofPath(prefix + inner);
            if (SysSocket.bind(errno, fd, at.sockaddr(arena), at.sockaddrLength()) < 0) {
                int e = Native.errno(errno);
                throw where.error("bind", Errno.describe(e) + (e == Errno.ENOENT ? " (binding through "
                        + PROC_FD + "N: is /proc mounted?)" : ""));
            }
            Stat bound = stat(own.fd(), innerName, arena, errno);
            if (bound == null) {
                throw where.error("statx of the socket just bound", Native.errno(errno));
            }
            // only this user (or root) can write the private directory: innerName is our socket
            if (SysStat.fchmodat(errno, own.fd(), innerName, MODE, 0) < 0) {
                throw where.error("chmod " + Integer.toOctalString(MODE), Native.errno(errno));
            }
            listen(fd, backlog, where, errno);
            MemorySegment target = arena.allocateFrom(name);
            for (int attempt = 1; Unistd.linkat(errno, own.fd(), innerName, dir.fd(), target, 0) < 0; attempt++) {
                int e = Native.errno(errno);
                if (e != Errno.EEXIST) {
                    throw where.error("link into " + dir.path(), e);
                }
                if (attempt == ATTEMPTS) {
                    throw keepsChanging(where);
                }
                reclaimStale(dir.fd(), target, where, arena, errno);
            }
            return bound;
        } finally {
            Unistd.unlinkat(errno, own.fd(), innerName, 0); // the socket keeps its linked name, if it got one
            removePrivateDirectory(dir, own, arena, errno);
        }
    }

    /** A directory of ours inside another: its name there, an {@code O_PATH} descriptor, its identity. */
    private record PrivateDirectory(String name, int fd, Stat stat) {}

    private static PrivateDirectory makePrivateDirectory(Directory dir, Where where, Arena arena, MemorySegment errno)
            throws IOException {
        int euid = Unistd.geteuid();
        for (int attempt = 1; ; attempt++) {
            // it need not be unguessable: another user who can write here can block the bind anyway
            String name = ".gips-bind-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            MemorySegment c = arena.allocateFrom(name);
            if (SysStat.mkdirat(errno, dir.fd(), c, 0700) < 0) {
                int e = Native.errno(errno);
                if (e == Errno.EEXIST && attempt < ATTEMPTS) {
                    continue;
                }
                throw where.error("mkdir of a private directory in " + dir.path(), e);
            }
            int fd = Fcntl.openat(errno, dir.fd(), c, Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_NOFOLLOW
                    | Fcntl.O_CLOEXEC, 0);
            Stat s = fd < 0 ? null : stat(fd, SysStat.EMPTY_PATH, arena, errno);
            if (s != null && s.is(SysStat.S_IFDIR) && s.uid() == euid && (s.mode() & 077) == 0) {
                return new PrivateDirectory(name, fd, s);
            }
            Fds.closeQuietly(fd);
            // only a user who can write dir can have put something else there between mkdirat and openat
            throw where.error("bind", "the private directory " + dir.path() + "/" + name + " was replaced before it"
                    + " could be opened; not binding there");
        }
    }

    private static void removePrivateDirectory(Directory dir, PrivateDirectory own, Arena arena,
            MemorySegment errno) {
        MemorySegment c = arena.allocateFrom(own.name());
        // its name may have been moved by another user who can write dir: remove only our directory, by identity
        if (own.stat().sameFile(stat(dir.fd(), c, arena, errno))) {
            if (Unistd.unlinkat(errno, dir.fd(), c, Fcntl.AT_REMOVEDIR) < 0) {
                LOG.debug("could not remove the private directory {}/{}: {}", dir.path(), own.name(),
                        Errno.describe(Native.errno(errno)));
            }
        } else {
            LOG.debug("the private directory {}/{} was moved by another user; left it", dir.path(), own.name());
        }
        Fds.closeQuietly(own.fd());
    }

    private static void listen(int fd, int backlog, Where where, MemorySegment errno) throws IOException {
        if (SysSocket.listen(errno, fd, backlog) < 0) {
            throw where.error("listen", Native.errno(errno));
        }
    }

    private static IOException keepsChanging(Where where) {
        return where.error("bind", "address in use: a stale socket file was removed " + (ATTEMPTS - 1) + " times and"
                + " another file took its place each time");
    }

    // -------------------------------------------------------------------------------------------- stale files

    /**
     * Removes the file at {@code name} in {@code dirFd} if it is the socket of a dead service, and only then;
     * refuses otherwise. Returns normally also when the file went away meanwhile: the caller tries again.
     */
    private static void reclaimStale(int dirFd, MemorySegment name, Where where, Arena arena, MemorySegment errno)
            throws IOException {
        int fd = Fcntl.openat(errno, dirFd, name, Fcntl.O_PATH | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            int e = Native.errno(errno);
            if (e == Errno.ENOENT) {
                return;
            }
            throw where.error("bind", "address in use, and opening what is there failed with " + Errno.describe(e));
        }
        try {
            Stat s = stat(fd, SysStat.EMPTY_PATH, arena, errno);
            if (s == null) {
                throw where.error("bind", "address in use, and statx of what is there failed with "
                        + Errno.describe(Native.errno(errno)));
            }
            if (!s.is(SysStat.S_IFSOCK)) {
                throw where.error("bind", "address in use: the path exists and is not a socket; not removing it");
            }
            probe(fd, where, arena, errno);
            if (unlinkIfSame(dirFd, name, s, arena, errno)) {
                LOG.debug("removed stale socket {} of a dead service", where.address());
            }
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** Connects to the socket file open as {@code fd}; returns if nobody listens there, else refuses the bind. */
    private static void probe(int fd, Where where, Arena arena, MemorySegment errno) throws IOException {
        int probe = SysSocket.socket(errno, SysSocket.AF_UNIX,
                SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC | SysSocket.SOCK_NONBLOCK, 0);
        if (probe < 0) {
            throw where.error("socket", Native.errno(errno));
        }
        int r;
        int e;
        try {
            // through the descriptor's /proc link: the very file examined, whatever its name refers to by now
            UnixAddress pinned = UnixAddress.ofPath(PROC_FD + fd);
            r = SysSocket.connect(errno, probe, pinned.sockaddr(arena), pinned.sockaddrLength());
            e = Native.errno(errno);
        } finally {
            Fds.closeQuietly(probe);
        }
        if (r == 0 || e == Errno.EAGAIN) {
            throw where.error("bind", "address in use: a live service answers on this socket");
        }
        if (e != Errno.ECONNREFUSED) {
            throw where.error("bind", "address in use, and probing it failed with " + Errno.describe(e)
                    + (e == Errno.ENOENT ? " (the probe goes through " + PROC_FD + "N: is /proc mounted?)" : ""));
        }
    }

    /** Unlinks {@code name} in {@code dirFd} if it refers to {@code file}; whether it did. */
    private static boolean unlinkIfSame(int dirFd, MemorySegment name, Stat file, Arena arena, MemorySegment errno) {
        // between this check and the unlink only a user who can write the directory could swap the entry, and any
        // entry they put there is one they could remove themselves (SECURITY.md)
        if (!file.sameFile(stat(dirFd, name, arena, errno))) {
            return false;
        }
        return Unistd.unlinkat(errno, dirFd, name, 0) == 0;
    }

    // ------------------------------------------------------------------------------- opening the directory

    /**
     * The directory that holds the socket file, opened once; its path as walked (for messages); whether a user other
     * than root and this one can change what the socket's path leads to (a directory on the way, or our entry here).
     */
    private record Directory(int fd, String path, boolean othersCanChange) {}

    /**
     * Opens {@code path} by walking it from {@code /} with {@code O_PATH | O_NOFOLLOW}, one component at a time, so
     * that no symbolic link is followed unless it sits in a directory only root and this user can write.
     */
    private static Directory openDirectory(String path, Where where, Arena arena, MemorySegment errno)
            throws IOException {
        int euid = Unistd.geteuid();
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
        int fd = openRoot(where, arena, errno);
        try {
            Stat dir = statOrThrow(fd, "/", where, arena, errno);
            String walked = "";
            boolean othersCanChange = false;
            int links = 0;
            while (!todo.isEmpty()) {
                String c = todo.removeFirst();
                if (c.isEmpty() || c.equals(".")) {
                    continue;
                }
                String here = !c.equals("..") ? walked + "/" + c
                        : walked.substring(0, Math.max(0, walked.lastIndexOf('/')));
                int next = Fcntl.openat(errno, fd, arena.allocateFrom(c), Fcntl.O_PATH | Fcntl.O_NOFOLLOW
                        | Fcntl.O_CLOEXEC, 0);
                if (next < 0) {
                    int e = Native.errno(errno);
                    throw where.error("bind", Errno.describe(e) + (e == Errno.ENOENT ? " (the directory " + here
                            + " does not exist)" : " (opening the directory " + here + ")"));
                }
                Stat s;
                String target = null;
                try {
                    s = statOrThrow(next, here, where, arena, errno);
                    if (s.is(SysStat.S_IFLNK)) {
                        if (dir.othersMayWrite(euid)) {
                            throw where.error("bind", here + " is a symbolic link in a directory that other users"
                                    + " can write (" + (walked.isEmpty() ? "/" : walked) + "); not following it:"
                                    + " name the directory it leads to instead");
                        }
                        target = readLink(next, here, where, arena, errno);
                    } else if (!s.is(SysStat.S_IFDIR)) {
                        throw where.error("bind", Errno.describe(Errno.ENOTDIR) + " (" + here + " is not a"
                                + " directory)");
                    }
                } catch (IOException | RuntimeException e) {
                    Fds.closeQuietly(next);
                    throw e;
                }
                if (target != null) {
                    Fds.closeQuietly(next);
                    if (++links > MAX_LINKS) {
                        throw where.error("bind", Errno.describe(Errno.ELOOP) + " (resolving " + here + ")");
                    }
                    Deque<String> resolved = new ArrayDeque<>(List.of(target.split("/")));
                    resolved.addAll(todo);
                    todo = resolved;
                    if (target.startsWith("/")) {
                        int root = openRoot(where, arena, errno);
                        Fds.closeQuietly(fd);
                        fd = root;
                        dir = statOrThrow(fd, "/", where, arena, errno);
                        walked = "";
                    }
                    continue;
                }
                // another user can swap this entry, unless a sticky directory protects it; and ".." leads wherever
                // this directory has been moved to
                othersCanChange |= c.equals("..") || dir.othersMayWrite(euid) && !dir.protectsEntryOf(s.uid(), euid);
                Fds.closeQuietly(fd);
                fd = next;
                dir = s;
                walked = here;
            }
            // the socket's entry will be ours; another user can remove or replace it unless a sticky bit protects it
            othersCanChange |= dir.othersMayWrite(euid) && !dir.protectsEntryOf(euid, euid);
            return new Directory(fd, walked.isEmpty() ? "/" : walked, othersCanChange);
        } catch (IOException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    private static int openRoot(Where where, Arena arena, MemorySegment errno) throws IOException {
        int fd = Fcntl.openat(errno, SysStat.AT_FDCWD, arena.allocateFrom("/"),
                Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            throw where.error("bind", Errno.describe(Native.errno(errno)) + " (opening /)");
        }
        return fd;
    }

    private static String readLink(int fd, String here, Where where, Arena arena, MemorySegment errno)
            throws IOException {
        MemorySegment buf = arena.allocate(PATH_MAX);
        long n = Unistd.readlinkat(errno, fd, SysStat.EMPTY_PATH, buf, PATH_MAX);
        if (n < 0 || n == PATH_MAX) {
            throw where.error("bind", Errno.describe(n < 0 ? Native.errno(errno) : Errno.ENAMETOOLONG)
                    + " (reading the symbolic link " + here + ")");
        }
        return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------- statx

    /** What {@code statx} says about one file. */
    private record Stat(int mode, int uid, int devMajor, int devMinor, long ino) {
        /** Whether the file is of {@code type}: {@code S_IFSOCK}, {@code S_IFDIR}, {@code S_IFLNK}. */
        boolean is(int type) {
            return (mode & SysStat.S_IFMT) == type;
        }

        boolean sameFile(Stat other) {
            return other != null && ino == other.ino && devMajor == other.devMajor && devMinor == other.devMinor;
        }

        /**
         * For a directory: whether a user other than root and {@code euid} may add, rename or remove its entries.
         * Group write counts: the group may hold other users.
         */
        boolean othersMayWrite(int euid) {
            return !trusted(uid, euid) || (mode & (SysStat.S_IWGRP | SysStat.S_IWOTH)) != 0;
        }

        /**
         * For a directory: whether its sticky bit keeps every other user from renaming or removing an entry owned by
         * {@code owner}.
         */
        boolean protectsEntryOf(int owner, int euid) {
            return (mode & SysStat.S_ISVTX) != 0 && trusted(uid, euid) && trusted(owner, euid);
        }

        private static boolean trusted(int uid, int euid) {
            return uid == 0 || uid == euid;
        }
    }

    /**
     * {@code statx} of {@code path} in {@code dirFd} ({@link SysStat#EMPTY_PATH}: of {@code dirFd} itself), never
     * following a symbolic link; {@code null} if it failed, with the errno in {@code errno}.
     */
    private static Stat stat(int dirFd, MemorySegment path, Arena arena, MemorySegment errno) {
        MemorySegment st = arena.allocate(SysStat.STATX);
        int flags = SysStat.AT_SYMLINK_NOFOLLOW | (path == SysStat.EMPTY_PATH ? SysStat.AT_EMPTY_PATH : 0);
        if (SysStat.statx(errno, dirFd, path, flags, STAT_MASK, st) < 0) {
            return null;
        }
        return new Stat(Short.toUnsignedInt(st.get(JAVA_SHORT, SysStat.STX_MODE)), st.get(JAVA_INT, SysStat.STX_UID),
                st.get(JAVA_INT, SysStat.STX_DEV_MAJOR), st.get(JAVA_INT, SysStat.STX_DEV_MINOR),
                st.get(JAVA_LONG, SysStat.STX_INO));
    }

    private static Stat statOrThrow(int fd, String what, Where where, Arena arena, MemorySegment errno)
            throws IOException {
        Stat s = stat(fd, SysStat.EMPTY_PATH, arena, errno);
        if (s == null) {
            throw where.error("bind", Errno.describe(Native.errno(errno)) + " (statx of " + what + ")");
        }
        return s;
    }
}
