package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: a JVM that denies native access (what a future JDK does by default) gets an error that names the real
 * cause and the fix, with the linker's {@link IllegalCallerException} in its cause chain, not "no gips backend
 * supports os.name=Linux … Add dev.gips:gips-all".
 */
class NativeAccessTest {
    private static final Duration START = Duration.ofSeconds(60);   // a JVM starting on a busy 2-core machine

    /**
     * How to make this JVM deny native access to code not enabled for it: JDK 24+ has {@code --illegal-native-access};
     * on JDK 22 and 23 any {@code --enable-native-access} denies every module it does not list (not run here: only JDK
     * 25 is installed).
     */
    private static final String DENY = Runtime.version().feature() >= 24 ? "--illegal-native-access=deny"
            : "--enable-native-access=java.base";

    private static List<String> child(String... options) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                NativeAccessChild.class.getName(), Peers.uniqueName("native-access")));
        try (Peers.Running child = Peers.start(new ProcessBuilder(cmd))) {
            return child.finish(START).lines().toList();
        }
    }

    @Test
    void deniedNativeAccessSaysHowToEnableItAndKeepsTheCause() throws Exception {
        List<String> chain = child(DENY);
        String all = String.join("\n", chain);
        assertEquals("java.lang.UnsupportedOperationException: gips' linux backend cannot run in this JVM: native"
                + " access is denied, so gips cannot call Linux: run java with --enable-native-access=ALL-UNNAMED (gips"
                + " on the class path) or --enable-native-access=dev.gips.linux (on the module path); an executable jar"
                + " can say \"Enable-Native-Access: ALL-UNNAMED\" in its manifest", chain.get(0), all);
        assertFalse(all.contains("gips-all"), "the backend is there: adding jars would not help: " + all);
        assertTrue(chain.stream().anyMatch(l -> l.startsWith("java.lang.IllegalCallerException: ")),
                "the linker's own exception is in the cause chain: " + all);
    }

    @Test
    void enablingNativeAccessIsAllItTakes() throws Exception {
        assertEquals(List.of("bound"), child(DENY, "--enable-native-access=ALL-UNNAMED"));
    }
}
