package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: JDK 22 and 23 refuse to link a call with both {@code captureCallState} and {@code critical(true)}
 * (JDK-8313680, allowed from JDK 24 by JDK-8336768), which out-of-band payloads use for {@code write} and
 * {@code pread}, and inline payloads for {@code send} and {@code recv} (issue 20). There gips links none of them and
 * copies through a native buffer. Only JDK 25 runs here, so the test
 * forces that path with {@code -Dgips.linux.critical=false} in a child JVM and checks, from the JVM's class loading
 * log, that the critical bindings were never linked, while every byte still arrives.
 */
class CriticalFallbackTest {
    private static final Duration START = Duration.ofSeconds(60);   // a JVM starting on a busy 2-core machine
    private static final List<String> CRITICAL_HOLDERS =
            List.of("dev.gips.linux.Unistd$WriteCritical", "dev.gips.linux.Unistd$PreadCritical",
                    "dev.gips.linux.SysSocket$SendCritical", "dev.gips.linux.SysSocket$RecvCritical");

    @Test
    void criticalWithErrnoOnlyFromJdk24UnlessTurnedOff() {
        assertFalse(Native.criticalWithErrno(22, null));
        assertFalse(Native.criticalWithErrno(23, null));
        assertTrue(Native.criticalWithErrno(24, null));
        assertTrue(Native.criticalWithErrno(25, "true"));
        assertFalse(Native.criticalWithErrno(25, "false"));
    }

    @Test
    void withoutCriticalCallsPayloadsTravelThroughANativeBuffer() throws Exception {
        List<String> out = child("-Dgips.linux.critical=false");
        assertTrue(out.contains("critical=false"), String.join("\n", out));
        assertTrue(out.contains("ok"), String.join("\n", out));
        for (String holder : CRITICAL_HOLDERS) {
            assertFalse(loaded(out, holder), holder + " was linked although critical calls were off");
        }
    }

    @Test
    void onThisJdkTheCriticalCallsAreUsed() throws Exception {
        // the other side of the test above: the log does show the holders when they are used
        List<String> out = child();
        assertEquals(Runtime.version().feature() >= 24, out.contains("critical=true"), String.join("\n", out));
        assertTrue(out.contains("ok"), String.join("\n", out));
        if (Runtime.version().feature() >= 24) {
            for (String holder : CRITICAL_HOLDERS) {
                assertTrue(loaded(out, holder), holder + " was not linked: " + String.join("\n", out));
            }
        }
    }

    private static boolean loaded(List<String> log, String cls) {
        return log.stream().anyMatch(l -> l.contains("[class,load] " + cls + " "));
    }

    private static List<String> child(String... options) throws Exception {
        List<String> cmd = new ArrayList<>(Peers.javaChild(CriticalFallbackChild.class,
                Peers.uniqueName("critical")).command());
        cmd.addAll(1, List.of("-Xlog:class+load=info:stdout"));
        cmd.addAll(1, List.of(options));
        try (Peers.Running child = Peers.start(new ProcessBuilder(cmd))) {
            return child.finish(START).lines().toList();
        }
    }
}
