package dev.gips.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Where a service name lives, with the rules of gips 0.2.0: an absolute path is used as is, {@code @name} is an
 * abstract socket, anything else is {@code /tmp/<name>}.
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
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("service name must not contain a NUL character: \""
                    + name.replace("\0", "\\0") + "\"");
        }
        if (name.startsWith("@")) {
            byte[] bytes = name.substring(1).getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0) {
                throw new IllegalArgumentException("abstract socket name \"@\" is empty");
            }
            if (bytes.length > MAX_PATH_BYTES) {
                throw new IllegalArgumentException("abstract socket name \"" + name + "\" is " + bytes.length
                        + " bytes; sun_path holds at most " + MAX_PATH_BYTES + " after its leading NUL");
            }
            byte[] sun = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, sun, 1, bytes.length);
            return new UnixAddress(new Where(name, name), sun, true);
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
