package dev.gips.internal;

import dev.gips.poll.Source;
import dev.gips.spi.SourceChannel;

/**
 * Lets {@code dev.gips.poll} reach the SPI channel behind a {@code Listener}, {@code Endpoint} or
 * {@code Connection} without making that public API. Installed by {@code dev.gips.ipc.Listener}.
 */
public interface SourceAccess {
    /**
     * The SPI channel of {@code source}.
     *
     * @throws IllegalArgumentException if {@code source} is not one of gips' own sources
     * @throws java.nio.channels.ClosedChannelException if it is closed
     */
    SourceChannel channelOf(Source source) throws java.nio.channels.ClosedChannelException;

    /** The installed access. */
    static SourceAccess get() {
        SourceAccess a = Installed.access;
        if (a == null) {
            try {
                Class.forName("dev.gips.ipc.Listener", true, SourceAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = Installed.access;
        }
        return a;
    }

    /** Called once by {@code Listener}. */
    static void install(SourceAccess access) {
        Installed.access = access;
    }

    /** Holder of the installed instance. */
    final class Installed {
        static volatile SourceAccess access;

        private Installed() {}
    }
}
