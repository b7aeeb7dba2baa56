package dev.gips.internal;

import dev.gips.ipc.Handle;
import dev.gips.poll.Source;
import dev.gips.shm.Shm;
import dev.gips.spi.RawHandle;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * What one core package lends another without making it API, as the JDK's {@code SharedSecrets} does. Two packages
 * lend: {@code dev.gips.ipc} the OS object inside a {@link Handle} (to {@code Shm.from}) and the SPI channel behind a
 * {@link Source} (to {@code Poller}); {@code dev.gips.shm} a copy of a region's OS object (to {@code Handle.of}).
 * ipc and shm need each other (a region travels as a handle, a handle becomes a region): this class is the only
 * place that cycle passes through.
 *
 * <p>Each package installs its part from a static initializer ({@link Handle}'s, {@link Shm}'s); a getter
 * initialises that class first, so the order in which an application touches core's classes does not matter.
 */
public final class SharedSecrets {
    private SharedSecrets() {}

    /** What {@code dev.gips.ipc} lends. */
    public interface IpcAccess {
        /**
         * Takes the OS object out of {@code handle}, which is closed without closing the object; the caller owns it.
         *
         * @throws IllegalStateException if the handle is closed
         */
        long take(Handle handle);

        /**
         * The SPI channel of {@code source}.
         *
         * @throws IllegalArgumentException if {@code source} is not one of gips' own sources
         * @throws ClosedChannelException if it is closed
         */
        SourceChannel channelOf(Source source) throws ClosedChannelException;
    }

    /** What {@code dev.gips.shm} lends. */
    public interface ShmAccess {
        /**
         * A duplicate of the region's OS object, owned by the caller.
         *
         * @throws ClosedChannelException if the region is closed
         * @throws IOException if the OS cannot duplicate it
         */
        RawHandle export(Shm shm) throws IOException;
    }

    private static volatile IpcAccess ipc;
    private static volatile ShmAccess shm;

    /** Called once, by {@link Handle}. */
    public static void setIpcAccess(IpcAccess access) {
        ipc = access;
    }

    /** Called once, by {@link Shm}. */
    public static void setShmAccess(ShmAccess access) {
        shm = access;
    }

    /** What {@code dev.gips.ipc} lends. */
    public static IpcAccess ipc() {
        if (ipc == null) {
            initialize(Handle.class);
        }
        return ipc;
    }

    /** What {@code dev.gips.shm} lends. */
    public static ShmAccess shm() {
        if (shm == null) {
            initialize(Shm.class);
        }
        return shm;
    }

    private static void initialize(Class<?> installer) {
        try {
            Class.forName(installer.getName(), true, installer.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
