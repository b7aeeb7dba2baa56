package dev.gips.macos;

import dev.gips.spi.UnimplementedBackend;

/**
 * The macOS backend (Mach ports, kqueue, Mach memory entries). Not implemented yet: it registers so that core can
 * say why macOS is not supported, and reports itself unsupported everywhere.
 */
public final class MacosBackend extends UnimplementedBackend {
    /** For {@link java.util.ServiceLoader}. */
    public MacosBackend() {
        super("macos", "macOS", System.getProperty("os.name", "").startsWith("Mac OS X")
                || System.getProperty("os.name", "").startsWith("Darwin"));
    }
}
