package dev.gips.internal;

import dev.gips.shm.Shm;
import dev.gips.spi.RawHandle;
import java.io.IOException;

/**
 * Lets {@code dev.gips.ipc.Handle} export a region's OS object without making that public API on {@link Shm}.
 * Installed by {@link Shm}'s static initializer.
 */
public interface ShmAccess {
    /**
     * A duplicate of the region's OS object, owned by the caller.
     *
     * @throws java.nio.channels.ClosedChannelException if the region is closed
     * @throws IOException if the OS cannot duplicate it
     */
    RawHandle export(Shm shm) throws IOException;

    /** The installed access. */
    static ShmAccess get() {
        ShmAccess a = Installed.access;
        if (a == null) {
            try {
                Class.forName(Shm.class.getName(), true, Shm.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = Installed.access;
        }
        return a;
    }

    /** Called once by {@link Shm}. */
    static void install(ShmAccess access) {
        Installed.access = access;
    }

    /** Holder of the installed instance. */
    final class Installed {
        static volatile ShmAccess access;

        private Installed() {}
    }
}
