package dev.gips.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a service name lives. Every name gips 0.2.0 accepts resolves as it does there: an absolute path is used as
 * is, any other name is the socket file {@code /tmp/<name>} ({@code @name} included). A name that starts with a NUL
 * character ({@code "\0name"}, the kernel's own notation) is the abstract socket {@code name}: gips 0.2.0 never
 * reaches one, since it puts {@code /tmp/} before such a name and the kernel then reads the path only up to the NUL,
 * so no name means one thing here and another there.
 */
final class UnixAddress {
    /** {@code sun_path} holds 108 bytes; we keep a NUL terminator for paths, as C peers expect. */
    static final int MAX_PATH_BYTES = SysSocket.SUN_PATH_SIZE - 1;

    private final Where where;
    private final byte[] sunPath;     // what goes into sun_path: path bytes, or NUL + abstract name
    private final boolean isAbstract;

    private UnixAddress(Where where, byte[] sunPath, boolean isAbstract) {
        this.where = where;
        this.sunPath = sunPath;
        this.isAbstract = isAbstract;
    }

    /** Resolves a service name; refuses names that cannot be a socket address with the reason. */
    static UnixAddress of(String name) {
        if (name.startsWith("\0")) {
            String bare = name.substring(1);
            String shown = "\\0" + bare.replace("\0", "\\0");
            if (bare.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("abstract socket name \"" + shown + "\" contains a NUL character"
                        + " after its leading one");
            }
            byte[] bytes = bare.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0) {
                throw new IllegalArgumentException("abstract socket name \"\\0\" is empty");
            }
            if (bytes.length > MAX_PATH_BYTES) {
                throw new IllegalArgumentException("abstract socket name \"" + shown + "\" is " + bytes.length
                        + " bytes; sun_path holds at most " + MAX_PATH_BYTES + " after its leading NUL");
            }
            byte[] sun = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, sun, 1, bytes.length);
            // "@name" is how ss, lsof and systemd show an abstract address
            return new UnixAddress(new Where(shown, "@" + bare), sun, true);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("service name must not contain a NUL character (only an abstract"
                    + " socket name starts with one): \"" + name.replace("\0", "\\0") + "\"");
        }
        String path = name.startsWith("/") ? name : "/tmp/" + name;
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            // the name once: it is most of the path, and may be long
            throw new IllegalArgumentException((name.startsWith("/") ? "socket path \"" + name + "\" is "
                    : "service \"" + name + "\" is too long: its socket path /tmp/<name> is ") + bytes.length
                    + " bytes; sun_path holds at most " + MAX_PATH_BYTES + " (use a shorter name or path)");
        }
        return new UnixAddress(new Where(name, path), bytes, false);
    }

    /**
     * The address of the socket file at {@code path} as is, with no name rules applied: for paths the library makes
     * itself (see {@link SocketFile}).
     *
     * @throws IllegalArgumentException if the path does not fit {@code sun_path}
     */
    static UnixAddress ofPath(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("socket path " + path + " is " + bytes.length
                    + " bytes; sun_path holds at most " + MAX_PATH_BYTES);
        }
        return new UnixAddress(new Where(path, path), bytes, false);
    }

    Where where() {
        return where;
    }

    boolean isAbstract() {
        return isAbstract;
    }

    /** The socket file's path; for path addresses only. */
    String path() {
        return where.address();
    }

    /**
     * For a path address that {@code connect} did not find: the first directory on the way to it that does not exist,
     * or {@code null} if they all do (then the socket file itself is missing).
     */
    String missingDirectory() {
        Path missing = null;
        for (Path p = Path.of(path()).getParent(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing = p;
        }
        return missing == null ? null : missing.toString();
    }

    /** A {@code sockaddr_un} for this address. */
    MemorySegment sockaddr(Arena arena) {
        MemorySegment sa = arena.allocate(SysSocket.SOCKADDR_UN);
        sa.set(ValueLayout.JAVA_SHORT, SysSocket.SUN_FAMILY, (short) SysSocket.AF_UNIX);
        MemorySegment.copy(sunPath, 0, sa, ValueLayout.JAVA_BYTE, SysSocket.SUN_PATH, sunPath.length);
        return sa;
    }

    /** The {@code addrlen} to pass with {@link #sockaddr}: abstract names count exactly, paths with their NUL. */
    int sockaddrLength() {
        return (int) SysSocket.SUN_PATH + sunPath.length + (isAbstract ? 0 : 1);
    }
}
