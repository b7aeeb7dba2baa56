package dev.gips.internal;

import dev.gips.ipc.Handle;

/**
 * Lets core packages other than {@code dev.gips.ipc} adopt and take raw handles without making that public API.
 * Installed by {@link Handle}'s static initializer.
 */
public interface HandleAccess {
    /** Wraps a raw OS object the caller owns into a {@link Handle} that owns it. */
    Handle adopt(Handle.Kind kind, long value);

    /** Takes the raw OS object out of {@code handle}, which is closed without closing the object. */
    long take(Handle handle);

    /** The raw value, still owned by {@code handle}. */
    long peek(Handle handle);

    /** The installed access. */
    static HandleAccess get() {
        HandleAccess a = Installed.access;
        if (a == null) {
            try {
                Class.forName(Handle.class.getName(), true, Handle.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = Installed.access;
        }
        return a;
    }

    /** Called once by {@link Handle}. */
    static void install(HandleAccess access) {
        Installed.access = access;
    }

    /** Holder of the installed instance. */
    final class Installed {
        static volatile HandleAccess access;

        private Installed() {}
    }
}
