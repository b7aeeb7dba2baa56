package dev.gips.windows;

import dev.gips.spi.UnimplementedBackend;

/**
 * The Windows backend (message-mode named pipes, IOCP, file mappings). Not implemented yet: it registers so that
 * core can say why Windows is not supported, and reports itself unsupported everywhere.
 */
public final class WindowsBackend extends UnimplementedBackend {
    /** For {@link java.util.ServiceLoader}. */
    public WindowsBackend() {
        super("windows", "Windows", System.getProperty("os.name", "").startsWith("Windows"));
    }
}
