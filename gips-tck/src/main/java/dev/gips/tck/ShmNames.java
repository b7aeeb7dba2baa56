package dev.gips.tck;

import java.util.concurrent.atomic.AtomicInteger;

/** Names of shared memory regions for the suites: unique, holding this process's pid, short enough for macOS. */
public final class ShmNames {
    private ShmNames() {}

    /** Every region name of this test JVM starts with this (after the slash). */
    public static final String PREFIX = "tck-" + ProcessHandle.current().pid() + "-";
    /** macOS holds at most 31 bytes of a POSIX shm name, its slash included (PSHMNAMLEN). */
    private static final int MAX = 31;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A fresh region name without the leading slash, as a user would often write it. */
    public static String name(String tag) {
        String name = PREFIX + tag + "-" + COUNTER.incrementAndGet();
        if (name.length() + 1 > MAX) {
            throw new IllegalArgumentException("tag \"" + tag + "\" makes the name " + name + " too long for macOS");
        }
        return name;
    }
}
