package dev.gips.internal;

import java.lang.ref.Cleaner;

/**
 * The one {@link Cleaner} of core, with one daemon thread: it releases the OS objects of handles and shared memory
 * regions that became unreachable without being closed.
 */
public final class Cleaners {
    private Cleaners() {}

    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread t = new Thread(runnable, "gips-cleaner");
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs {@code action} once {@code owner} is unreachable, or when the returned cleanable's {@code clean()} is
     * called, whichever comes first. {@code action} must not refer to {@code owner}, or it never becomes unreachable.
     */
    public static Cleaner.Cleanable register(Object owner, Runnable action) {
        return CLEANER.register(owner, action);
    }
}
