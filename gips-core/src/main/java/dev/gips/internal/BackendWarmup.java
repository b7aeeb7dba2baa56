package dev.gips.internal;

import dev.gips.spi.Backends;

/**
 * Finds the backend on a daemon thread while the first {@code Listener} or {@code Endpoint} class initializes, so
 * that a fresh JVM's two slowest first steps run side by side: the backend's probe links its first native calls
 * (tens of milliseconds: the JDK generates the linker's classes and call stubs) while the caller's thread goes on to
 * initialize SLF4J (also tens of milliseconds with a logging backend on the class path). The caller's thread meets
 * the result in {@link Backends#get()}, whose holder class the JVM initializes once, whichever thread comes first:
 * nothing is done twice and every outcome is the one a single thread would see.
 *
 * <p>Only with more than one CPU available (a JVM confined to one CPU would merely switch between the two), and not
 * with {@code -Dgips.warmup=false}.
 */
public final class BackendWarmup {
    private BackendWarmup() {}

    private static boolean started;

    /** Starts the warm-up once per JVM, if it can help. */
    public static synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        if (Runtime.getRuntime().availableProcessors() < 2 || "false".equals(System.getProperty("gips.warmup"))) {
            return;
        }
        try {
            Thread t = new Thread(new Find(), "gips-warmup");
            t.setDaemon(true);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            // no thread to spare (OutOfMemoryError: "unable to create native thread"): the caller finds the backend
        }
    }

    /** A class rather than a lambda: the first lambda of a fresh JVM costs it a generated class. */
    private static final class Find implements Runnable {
        @Override
        public void run() {
            try {
                Backends.get();
            } catch (RuntimeException | Error e) {
                // the caller's own Backends.get() reports it
            }
        }
    }
}
