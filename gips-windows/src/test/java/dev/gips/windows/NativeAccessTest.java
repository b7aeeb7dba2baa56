package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: a JVM that denies native access gets an error that names the cause and the fix, with the linker's
 * {@link IllegalCallerException} in its cause chain. Off Windows, the child JVM claims to be Windows ({@code os.name}),
 * so the backend's probe really looks up kernel32, a restricted call, and is refused before it looks.
 */
class NativeAccessTest {
    @Test
    void deniedNativeAccessSaysHowToEnableItAndKeepsTheCause() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // JDK 24+ has --illegal-native-access; on 22 and 23 any --enable-native-access denies the modules it omits
        String deny = Runtime.version().feature() >= 24 ? "--illegal-native-access=deny"
                : "--enable-native-access=java.base";
        List<String> cmd = new ArrayList<>(List.of(java, deny, "-Dos.name=Windows 11", "-cp", cp,
                NativeAccessChild.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        List<String> chain = out.lines().toList();
        assertEquals("java.lang.UnsupportedOperationException: gips' windows backend cannot run in this JVM: native"
                + " access is denied, so gips cannot call Windows: run java with --enable-native-access=ALL-UNNAMED (gips"
                + " on the class path) or --enable-native-access=dev.gips.windows (on the module path); an executable jar"
                + " can say \"Enable-Native-Access: ALL-UNNAMED\" in its manifest", chain.get(0), out);
        assertTrue(chain.stream().anyMatch(l -> l.startsWith("java.lang.IllegalCallerException: ")), out);
    }
}
