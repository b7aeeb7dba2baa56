package dev.gips.spi;

/** Limits that hold on every backend. */
public final class Limits {
    /** Largest payload of one message, in bytes: 16 MiB. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    /** Most handles in one message (Linux's {@code SCM_MAX_FD}); a backend may lower it per message. */
    public static final int MAX_HANDLES = 253;

    private Limits() {}
}
