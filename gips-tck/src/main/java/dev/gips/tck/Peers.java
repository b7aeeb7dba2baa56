package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real peer processes for tests (child JVMs), unique service names and bounded waits: what every backend's tests
 * use. A backend's tests extend this class with their own peers (on Linux: Python peers, another user through
 * setpriv, raw descriptors), so that they reach both through one name, {@code Peers}.
 */
public class Peers {
    /** For backends' subclasses, which add static members only. */
    protected Peers() {}

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** How long tests wait for a message that should come: generous, for a loaded 2-core CI machine. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    /** A service name no other test (or test run) uses. */
    public static String uniqueName(String tag) {
        return "gips-test-" + tag + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** The next message a listener receives, failing if none arrives within {@link #WAIT}. */
    public static dev.gips.ipc.Pod acceptOne(dev.gips.ipc.Listener listener) throws IOException {
        return listener.accept(WAIT).orElseThrow(() -> new AssertionError("no message within " + WAIT));
    }

    /** The next message an endpoint receives, failing if none arrives within {@link #WAIT}. */
    public static dev.gips.ipc.Message recvOne(dev.gips.ipc.Endpoint endpoint) throws IOException {
        return endpoint.recv(WAIT).orElseThrow(() -> new AssertionError("no reply within " + WAIT));
    }

    /**
     * Waits until {@code thread} is inside a method whose {@code Class.method} name is {@code frame} (for example
     * {@code "SysEpoll.epoll_wait"}, see {@link OsHook#blockedFrame}), so that a test knows a call really blocks
     * before it interrupts it.
     */
    public static void awaitBlockedIn(Thread thread, String frame, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (StackTraceElement e : thread.getStackTrace()) {
                String cls = e.getClassName();
                String simple = cls.substring(cls.lastIndexOf('.') + 1);
                if ((simple + "." + e.getMethodName()).equals(frame)) {
                    return;
                }
            }
            if (!thread.isAlive()) {
                throw new AssertionError(thread.getName() + " ended before it blocked in " + frame);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        throw new AssertionError(thread.getName() + " did not block in " + frame + " within " + timeout);
    }

    /**
     * Waits until this process holds at most {@code max} OS handles ({@link OsHook#openHandles()}), calling
     * {@code settle} between checks (for example a short {@code listener.accept(timeout)}, which lets a listener
     * notice clients that hung up). Fails, listing the handles, if that does not happen within {@code timeout}.
     */
    public static void awaitHandlesAtMost(long max, Duration timeout, Settle settle) throws Exception {
        OsHook hook = Kit.hook();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (hook.openHandles() > max) {
            if (System.nanoTime() - deadline > 0) {
                fail("handles leaked: " + hook.openHandles() + " open, at most " + max + " expected: "
                        + hook.describeHandles());
            }
            settle.run();
        }
    }

    /** One bounded step that lets pending work finish; see {@link #awaitHandlesAtMost}. */
    @FunctionalInterface
    public interface Settle {
        /** Runs the step. */
        void run() throws Exception;
    }

    /** Reads the first line a started peer writes to stdout (its "ready" signal), waiting at most {@code timeout}. */
    public static String readLine(Process p, Duration timeout) throws IOException, InterruptedException {
        var line = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder sb = new StringBuilder();
                InputStream in = p.getInputStream();
                for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                    sb.append((char) c);
                }
                return sb.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("reading from peer failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError("peer " + p.info().commandLine().orElse("?") + " wrote no line within "
                    + timeout + "; alive=" + p.isAlive());
        }
    }

    /**
     * Removes the file a server killed before it could close its listener left behind, where services have files
     * ({@link OsHook#serviceFile}).
     */
    public static void deleteServiceFile(String name) throws IOException {
        Optional<Path> file = Kit.hook().serviceFile(name);
        if (file.isPresent()) {
            Files.deleteIfExists(file.get());
        }
    }

    /** Kills {@code p} (SIGKILL on Unix) and waits (bounded) until it is gone. */
    public static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "peer did not die after SIGKILL");
    }

    /** A child JVM running {@code main} with the test class path and native access enabled. */
    public static ProcessBuilder javaChild(Class<?> main, String... args) {
        return javaChild(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                main, args);
    }

    /** A child JVM running {@code main} with class path {@code classPath} and native access enabled. */
    public static ProcessBuilder javaChild(String classPath, Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs {@code pb} to completion within {@code timeout}; returns stdout; fails with stderr if it exits non-zero. */
    public static String run(ProcessBuilder pb, Duration timeout) throws IOException, InterruptedException {
        Process p = pb.start();
        return finish(p, timeout);
    }

    /** Starts {@code pb} and reads its stdout line by line as it comes; see {@link Running}. */
    public static Running start(ProcessBuilder pb) throws IOException {
        return new Running(pb.start());
    }

    /**
     * A started peer whose stdout lines can be awaited one by one (for example a "ready" line before connecting).
     * Closing it kills the process if it is still alive.
     */
    public static final class Running implements AutoCloseable {
        private static final String END = new String("<end of stdout>");
        /** The peer's process. */
        public final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer stdout = new StringBuffer();
        private final Thread reader;
        private final CompletableFuture<String> stderr;

        private Running(Process process) throws IOException {
            this.process = process;
            process.getOutputStream().close(); // peers read no input; do not keep the pipe open
            this.stderr = readAsync(process.getErrorStream());
            this.reader = Thread.ofPlatform().daemon().name("peer-stdout-" + process.pid()).start(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        stdout.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (IOException e) {
                    stdout.append("<").append(e).append(">\n");
                } finally {
                    lines.add(END);
                }
            });
        }

        /** The peer's process id. */
        public long pid() {
            return process.pid();
        }

        /** The next stdout line; fails (with what the peer printed) if none comes within {@code timeout}. */
        public String nextLine(Duration timeout) throws InterruptedException {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || line == END) {
                if (line == END) {
                    lines.add(END);
                }
                fail("peer " + process.pid() + (line == null ? " printed no line within " + timeout
                        : " closed its stdout") + "; stdout so far: " + stdout + " alive: " + process.isAlive()
                        + (process.isAlive() ? "" : ", stderr: " + stderr.join()));
            }
            return line;
        }

        /** The next stdout line if one comes within {@code timeout}, else {@code null}; never fails. */
        public String pollLine(Duration timeout) throws InterruptedException {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == END) {
                lines.add(END);
                return null;
            }
            return line;
        }

        /** Waits for the process to exit with status 0 within {@code timeout}; returns its whole stdout. */
        public String finish(Duration timeout) throws InterruptedException {
            return finish(timeout, 0);
        }

        /** Waits for the process to exit with {@code status} within {@code timeout}; returns its whole stdout. */
        public String finish(Duration timeout, int status) throws InterruptedException {
            boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.destroyForcibly();
            }
            reader.join(timeout.toMillis());
            try {
                stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS); // its pipe is closed once this completes
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                fail("stderr of peer " + process.pid() + " not closed: " + e);
            }
            assertTrue(done, "peer " + process.pid() + " did not finish in " + timeout + "; stdout: " + stdout);
            assertEquals(status, process.exitValue(),
                    () -> "peer exited " + process.exitValue() + ": stdout=" + stdout + " stderr=" + stderr.join());
            return stdout.toString();
        }

        /** What the peer printed so far, and its stderr if it has exited: for failure messages. */
        public String report() {
            boolean alive = process.isAlive();
            return "peer " + process.pid() + (alive ? " (running)" : " (exited " + process.exitValue() + ")")
                    + " stdout: [" + stdout + "]" + (alive ? "" : " stderr: [" + stderr.join() + "]");
        }

        /** Whether the process is still running. */
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Waits for a started process; returns stdout; fails with its stderr if it exits non-zero. */
    public static String finish(Process p, Duration timeout) throws IOException, InterruptedException {
        p.getOutputStream().close();
        var out = readAsync(p.getInputStream());
        var err = readAsync(p.getErrorStream());
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "peer " + p.info().commandLine().orElse("?") + " did not finish in " + timeout);
        String stdout = out.join();
        String stderr = err.join(); // also: both pipes are closed when this returns
        assertEquals(0, p.exitValue(), () -> "peer failed: stdout=" + stdout + " stderr=" + stderr);
        return stdout;
    }

    /**
     * Reads {@code in} to its end on a thread of its own: the common pool has one thread on a 2-core machine, so a
     * long-lived peer's stream read there would hold up every other peer's until that peer exits.
     */
    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, task -> Thread.ofPlatform().daemon().name("peer-stream").start(task));
    }
}
