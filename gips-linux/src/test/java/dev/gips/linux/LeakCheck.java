package dev.gips.linux;

/**
 * The kit's leak check under the name Linux's tests use: fails a test class that leaves descriptors open in this
 * process ({@code /proc/self/fd}) or objects of this process in {@code /dev/shm}; see {@link LinuxHook}.
 */
public final class LeakCheck extends dev.gips.tck.LeakCheck {
    /** Constructed by JUnit, through {@code @ExtendWith}. */
    public LeakCheck() {}
}
