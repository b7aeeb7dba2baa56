package dev.gips.shm;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Region names: the POSIX shm rules, the same on every OS, checked here before a backend sees a name. */
final class ShmNames {
    private ShmNames() {}

    /** A name may have at most this many bytes after its leading {@code /} (POSIX {@code NAME_MAX}). */
    static final int NAME_MAX = 255;

    /**
     * The POSIX form of a region name: a leading {@code /} added if missing, so {@code "data"} and {@code "/data"}
     * are the same region.
     *
     * @throws IllegalArgumentException if the name is empty, contains a NUL or another {@code /}, is {@code .} or
     *                                  {@code ..}, or has more than {@value #NAME_MAX} bytes after the {@code /}
     */
    static String normalise(String name) {
        Objects.requireNonNull(name, "name");
        String bare = name.startsWith("/") ? name.substring(1) : name;
        String why = null;
        if (bare.isEmpty()) {
            why = "it is empty";
        } else if (bare.indexOf('/') >= 0) {
            why = "it contains a '/' after the first character";
        } else if (bare.indexOf('\0') >= 0) {
            why = "it contains a NUL character";
        } else if (bare.equals(".") || bare.equals("..")) {
            why = "it is '.' or '..'";
        } else if (bare.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            why = "it has more than " + NAME_MAX + " bytes";
        }
        if (why != null) {
            throw new IllegalArgumentException("invalid shared memory name \"" + name + "\": " + why);
        }
        return "/" + bare;
    }
}
