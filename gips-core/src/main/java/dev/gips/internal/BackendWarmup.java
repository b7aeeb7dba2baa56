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
        startDaemon("gips-warmup", new Find()); // without it, the caller finds the backend
    }

    /**
     * Runs {@code task} on a new daemon thread if warming up can help: with more than one CPU available (confined to
     * one, the JVM would merely switch between the threads) and not with {@code -Dgips.warmup=false}. The one rule for
     * core's warm-up and a backend's.
     *
     * @return whether the thread was started (not when the rule says no, nor when no thread can be created)
     */
    public static boolean startDaemon(String name, Runnable task) {
        if (Runtime.getRuntime().availableProcessors() < 2 || "false".equals(System.getProperty("gips.warmup"))) {
            return false;
        }
        try {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            return false; // no thread to spare (OutOfMemoryError: "unable to create native thread")
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
