package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On a non-Windows OS the backend loads, says why it is unsupported, and touches no Windows symbol: core's
 * {@code ServiceLoader} lookup loads {@link WindowsBackend} and no binding class, which a child JVM with
 * {@code -Xlog:class+load} shows.
 */
class BackendLoadingTest {
    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    @Test
    void isUnsupportedOffWindowsWithACause() {
        WindowsBackend b = new WindowsBackend();
        assertEquals("windows", b.name());
        if (WINDOWS) {
            assertTrue(b.isSupported(), () -> String.valueOf(b.unsupportedCause()));
            return;
        }
        assertFalse(b.isSupported());
        assertEquals("os.name is " + System.getProperty("os.name") + ", not Windows", b.unsupportedCause().getMessage());
        assertEquals(java.util.Set.of(Handle.Kind.WINDOWS_HANDLE), b.handleKinds());
    }

    @Test
    void serviceLoaderTouchesNoBindingClass() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-Xlog:class+load=info:stdout", "-cp", cp, LoadProbe.class.getName())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        if (WINDOWS) {
            assertTrue(text.contains("backend windows supported=true cause=none"), text);
            return;
        }
        assertTrue(text.contains("backend windows supported=false cause=os.name is "
                + System.getProperty("os.name") + ", not Windows"), text);
        assertTrue(text.contains("probe done"), text);
        List<String> loaded = text.lines()
                .filter(l -> l.contains("dev.gips.windows.") && !l.contains("LoadProbe") && l.contains("source:"))
                .map(l -> l.replaceAll(".*\\] (\\S+) source:.*", "$1"))
                .filter(c -> !c.startsWith("dev.gips.windows.WindowsBackend$$Lambda")) // the probe's own lambda
                .toList();
        assertEquals(List.of("dev.gips.windows.WindowsBackend"), loaded,
                "only the backend class may load off Windows");
    }

    @Test
    void bindingsLoadOffWindowsButLinkOnlyOnACall() {
        // constants and layouts are usable (WindowsLayoutTest reads them all); a call links kernel32 and fails
        assertEquals(32, MinWinBase.OVERLAPPED.byteSize());
        if (WINDOWS) {
            assertEquals(ProcessHandle.current().pid(), Kernel32.GetCurrentProcessId(Native.threadCapture()));
            return;
        }
        LinkageError e = assertThrows(LinkageError.class, () -> Kernel32.GetCurrentProcessId(Native.threadCapture()));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        assertTrue(chain.toString().contains("kernel32.dll"), chain.toString());
    }
}
