package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Real peer processes for tests: child JVMs, Python stdlib peers, another user through setpriv. */
final class Peers {
    private Peers() {}

    static final String PYTHON = "/usr/bin/python3";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Path scriptDir;

    /** A service name no other test (or test run) uses. */
    static String uniqueName(String tag) {
        return "gips-test-" + tag + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** Open descriptors of this process. */
    static long openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A child JVM running {@code main} with the test class path and native access enabled. */
    static ProcessBuilder javaChild(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /**
     * A Python stdlib peer: test resource {@code python/<script>}, copied to a world-readable temp directory so that
     * another user can run it.
     */
    static ProcessBuilder python(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script(script).toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** {@code pb} run as user nobody, group nogroup, no supplementary groups, plus {@code extraGroups} if given. */
    static ProcessBuilder asNobody(ProcessBuilder pb, String... extraGroups) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup"));
        cmd.add(extraGroups.length == 0 ? "--clear-groups" : "--groups=" + String.join(",", extraGroups));
        cmd.addAll(pb.command());
        return new ProcessBuilder(cmd);
    }

    /** Runs {@code pb} to completion within {@code timeout}; returns stdout; fails with stderr if it exits non-zero. */
    static String run(ProcessBuilder pb, Duration timeout) throws IOException, InterruptedException {
        Process p = pb.start();
        return finish(p, timeout);
    }

    /** Waits for a started process; returns stdout; fails with its stderr if it exits non-zero. */
    static String finish(Process p, Duration timeout) throws IOException, InterruptedException {
        p.getOutputStream().close();
        var out = readAsync(p.getInputStream());
        var err = readAsync(p.getErrorStream());
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "peer " + p.info().commandLine().orElse("?") + " did not finish in " + timeout);
        String stdout = out.join();
        assertEquals(0, p.exitValue(), () -> "peer failed: stdout=" + stdout + " stderr=" + err.join());
        return stdout;
    }

    private static java.util.concurrent.CompletableFuture<String> readAsync(InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
    }

    private static synchronized Path script(String name) {
        try {
            if (scriptDir == null) {
                scriptDir = Files.createTempDirectory("gips-py-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                scriptDir.toFile().deleteOnExit();
            }
            Path target = scriptDir.resolve(name);
            if (!Files.exists(target)) {
                try (InputStream in = Peers.class.getResourceAsStream("/python/" + name)) {
                    if (in == null) {
                        throw new IllegalArgumentException("no test resource python/" + name);
                    }
                    Files.copy(in, target);
                }
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                target.toFile().deleteOnExit();
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
