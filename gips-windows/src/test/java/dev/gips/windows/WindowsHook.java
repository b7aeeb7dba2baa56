package dev.gips.windows;

import dev.gips.tck.OsHook;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * What the contract kit needs from Windows. Loads on any OS and calls nothing native: the suites run only where
 * {@link #unavailable()} is empty, on Windows.
 *
 * <p>Handles are not counted ({@link #openHandles()} is {@link #NOT_COUNTED}, so the suites' handle counts compare
 * equal): the process's handle count includes each JVM thread's handle and the events the JVM keeps pooled after its
 * threads end, so it moves with threads, not with what gips holds.
 */
public final class WindowsHook implements OsHook {
    /** Constructed by {@link java.util.ServiceLoader}. */
    public WindowsHook() {}

    @Override
    public String name() {
        return "Windows";
    }

    @Override
    public Optional<String> unavailable() {
        String os = System.getProperty("os.name", "");
        return os.startsWith("Windows") ? Optional.empty()
                : Optional.of("the Windows backend runs on Windows only (os.name=" + os + ")");
    }

    @Override
    public long openHandles() {
        return NOT_COUNTED;
    }

    /** Blocking receives wait for the I/O completion thread's signal ({@code Waits.await}). */
    @Override
    public String blockedFrame(Blocking call) {
        return "Waits.await";
    }

    @Override
    public ProcessBuilder javaChildAsOtherUser(Class<?> main, String... args) {
        Assumptions.abort("no second user on Windows in these tests: they run one only on Linux (setpriv, as root)");
        throw new AssertionError("unreachable");
    }

    /** A SID of a domain no machine has. */
    @Override
    public String unusedUserId(List<String> ours) {
        return unusedSid(ours);
    }

    @Override
    public String unusedGroupId(List<String> ours) {
        return unusedSid(ours);
    }

    private static String unusedSid(List<String> ours) {
        for (long rid = 4_000_000_000L; ; rid++) {
            String sid = "S-1-5-21-1-2-3-" + rid;
            if (!ours.contains(sid)) {
                return sid;
            }
        }
    }

    @Override
    public Optional<String> lacks(Feature feature) {
        return feature == Feature.SHM_UNLINK
                ? Optional.of("a section's name lives until its last handle closes: unlink() cannot remove it"
                        + " (README, Windows details)")
                : Optional.empty();
    }
}
