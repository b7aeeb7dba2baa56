package dev.gips.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The backend loads on any OS without touching a Mach symbol: in a child JVM that logs every class it loads,
 * {@code ServiceLoader} finds the macOS backend, which says it is unsupported and why, and not one binding class
 * (nor {@code Native}, nor any holder class of a downcall handle) is even loaded.
 */
class LazyLoadingTest {
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (dev\\.gips\\.macos\\.[\\w$]+) ");

    private static List<String> runProbe(String... jvmOptions) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+load=info:stdout", "-cp", cp));
        cmd.addAll(List.of(jvmOptions));
        cmd.add(LoadProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private static Set<String> macosClasses(List<String> lines) {
        Set<String> loaded = new TreeSet<>();
        for (String line : lines) {
            Matcher m = LOADED.matcher(line);
            if (m.find()) {
                loaded.add(m.group(1));
            }
        }
        return loaded;
    }

    private static final boolean ON_MAC = MacosBackend.platformProblem(System.getProperty("os.name", ""),
            System.getProperty("os.arch", "")) == null;

    @Test
    void elsewhereOnlyTheBackendClassIsLoadedAndItSaysWhy() throws Exception {
        // on a Mac, pretend to be Linux: the backend must then stay just as inert
        List<String> lines = ON_MAC ? runProbe("-Dos.name=Linux") : runProbe();
        String os = ON_MAC ? "Linux" : System.getProperty("os.name");
        assertEquals(Set.of("dev.gips.macos.LoadProbe", "dev.gips.macos.MacosBackend"), macosClasses(lines),
                "no binding class may be loaded on Linux: " + macosClasses(lines));
        assertTrue(lines.contains("backend macos supported=false cause=WrongPlatform: os.name is "
                + os + ", not macOS"), String.join("\n", lines));
    }

    @Test
    void aJvmThatClaimsToBeMacOsFailsTheProbeWithACauseInsteadOfThrowing() throws Exception {
        // the probe links for real: getpid exists in glibc, the Mach task port global does not
        List<String> lines = runProbe("-Dos.name=Mac OS X");
        if (ON_MAC) {
            assertTrue(lines.contains("backend macos supported=true cause=none"), String.join("\n", lines));
            return;
        }
        String report = lines.stream().filter(l -> l.startsWith("backend macos")).findFirst().orElse("");
        assertTrue(report.startsWith("backend macos supported=false cause=UnsatisfiedLinkError: libSystem has no"
                + " symbol mach_task_self_"), String.join("\n", lines));
        Set<String> loaded = macosClasses(lines);
        assertTrue(loaded.contains("dev.gips.macos.MachPort$MachTaskSelf"), loaded.toString());
        assertFalse(loaded.contains("dev.gips.macos.MachMessage$MachMsg"), "nothing beyond the probe links");
    }

    @Test
    void platformChecksNameTheProperty() {
        assertNull(MacosBackend.platformProblem("Mac OS X", "aarch64"));
        assertNull(MacosBackend.platformProblem("Mac OS X", "x86_64"));
        Throwable linux = MacosBackend.platformProblem("Linux", "amd64");
        assertNotNull(linux);
        assertEquals("os.name is Linux, not macOS", linux.getMessage());
        assertEquals("os.arch ppc is not x86_64 or aarch64", MacosBackend.platformProblem("Mac OS X", "ppc")
                .getMessage());
    }

    @Test
    void inThisJvmTheBackendSaysWhetherItWorks() {
        MacosBackend b = new MacosBackend();
        assertEquals("macos", b.name());
        assertEquals(ON_MAC, b.isSupported());
        if (!ON_MAC) {
            assertTrue(b.unsupportedCause().getMessage().contains("not macOS"), b.unsupportedCause().getMessage());
        }
    }
}
