package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Real peer processes for tests: child JVMs, Python stdlib peers, another user through setpriv. */
final class Peers {
    private Peers() {}

    static final String PYTHON = "/usr/bin/python3";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /**
     * Where Python scripts are copied for any user to run. Created when this class loads, that is before a test's
     * first {@link #openFds()}: creating a temp directory opens /dev/random and /dev/urandom for good, which must not
     * count as a leak.
     */
    private static final Path SCRIPT_DIR = createScriptDir();

    private static Path createScriptDir() {
        try {
            Path dir = Files.createTempDirectory("gips-py-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Skips the calling test with {@code why} unless this process runs as root (a second user through
     * {@code setpriv}, {@code SO_SNDBUFFORCE}, files of other users). Where root is required, as in {@code .ci/run}
     * (environment variable {@code GIPS_TESTS_REQUIRE_ROOT=1}), not being root fails the test instead: CI must never
     * pass by skipping.
     */
    static void assumeRoot(String why) {
        if (isRoot()) {
            return;
        }
        String message = "needs root: " + why;
        if ("1".equals(System.getenv("GIPS_TESTS_REQUIRE_ROOT"))) {
            fail(message + " (GIPS_TESTS_REQUIRE_ROOT=1, so this is a failure, not a skip)");
        }
        org.junit.jupiter.api.Assumptions.abort(message);
    }

    /** Whether this process runs with uid 0. */
    static boolean isRoot() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

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

    /** A new memfd (close-on-exec) for tests that need a descriptor to send; the caller closes it. */
    static int memfd(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = SysMman.memfd_create(errno, arena.allocateFrom(name), SysMman.MFD_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("memfd_create: " + Errno.describe(Native.errno(errno)));
            }
            return fd;
        }
    }

    /** {@code n} handles, each of its own new memfd; the caller closes them. */
    static List<dev.gips.ipc.Handle> memfdHandles(int n) throws IOException {
        List<dev.gips.ipc.Handle> handles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int fd = memfd("gips-test-" + i);
            try {
                handles.add(dev.gips.ipc.Handle.ofFileDescriptor(fd));
            } finally {
                Fds.closeQuietly(fd);
            }
        }
        return handles;
    }

    /** Whether {@code fd} is an open descriptor of this process. */
    static boolean isOpenFd(int fd) {
        return Fcntl.fcntl(Native.threadCapture(), fd, Fcntl.F_GETFD, 0) >= 0;
    }

    /** The inode number of the object behind {@code fd}: equal for descriptors of the same file. */
    static long inode(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment st = arena.allocate(SysStat.STATX);
            if (SysStat.statx(errno, fd, arena.allocateFrom(""), SysStat.AT_EMPTY_PATH, SysStat.STATX_INO, st) < 0) {
                throw new IllegalStateException("statx of fd " + fd + ": " + Errno.describe(Native.errno(errno)));
            }
            return st.get(ValueLayout.JAVA_LONG, SysStat.STX_INO);
        }
    }

    /** What each open descriptor of this process refers to, for failure messages. */
    static String describeFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + "->?";
                }
            }).sorted().collect(Collectors.joining(", "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@code thread} is inside a method whose {@code Class.method} name is {@code frame} (for example
     * {@code "SysEpoll.epoll_wait"}), so that a test knows a call really blocks before it interrupts it.
     */
    static void awaitBlockedIn(Thread thread, String frame, Duration timeout) {
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

    /** Reads the first line a started peer writes to stdout (its "ready" signal), waiting at most {@code timeout}. */
    static String readLine(Process p, Duration timeout) throws IOException, InterruptedException {
        var line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
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

    /** Kills {@code p} with SIGKILL and waits (bounded) until it is gone. */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "peer did not die after SIGKILL");
    }

    /**
     * Waits until this process has at most {@code max} open descriptors, calling {@code settle} between checks (for
     * example a short {@code listener.accept(timeout)}, which lets a listener notice clients that hung up). Fails,
     * listing the descriptors, if that does not happen within {@code timeout}.
     */
    static void awaitFdsAtMost(long max, Duration timeout, Settle settle) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (openFds() > max) {
            if (System.nanoTime() - deadline > 0) {
                fail("descriptors leaked: " + openFds() + " open, at most " + max + " expected: " + describeFds());
            }
            settle.run();
        }
    }

    /** One bounded step that lets pending work finish; see {@link #awaitFdsAtMost}. */
    @FunctionalInterface
    interface Settle {
        void run() throws Exception;
    }

    /** How long tests wait for a message that should come: generous, for a loaded 2-core CI machine. */
    static final Duration WAIT = Duration.ofSeconds(20);

    /** The next message a listener receives, failing if none arrives within {@link #WAIT}. */
    static dev.gips.ipc.Pod acceptOne(dev.gips.ipc.Listener listener) throws IOException {
        return listener.accept(WAIT).orElseThrow(() -> new AssertionError("no message within " + WAIT));
    }

    /** The next message an endpoint receives, failing if none arrives within {@link #WAIT}. */
    static dev.gips.ipc.Message recvOne(dev.gips.ipc.Endpoint endpoint) throws IOException {
        return endpoint.recv(WAIT).orElseThrow(() -> new AssertionError("no reply within " + WAIT));
    }

    /** A connected AF_UNIX SOCK_SEQPACKET pair, closed together. */
    record SocketPair(int a, int b) implements AutoCloseable {
        static SocketPair open() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = Native.allocateCapture(arena);
                MemorySegment sv = arena.allocate(ValueLayout.JAVA_INT, 2);
                if (Posix.socketpair(errno, SysSocket.AF_UNIX, SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC, 0,
                        sv) < 0) {
                    throw new IllegalStateException("socketpair: " + Errno.describe(Native.errno(errno)));
                }
                return new SocketPair(sv.getAtIndex(ValueLayout.JAVA_INT, 0), sv.getAtIndex(ValueLayout.JAVA_INT, 1));
            }
        }

        @Override
        public void close() {
            Fds.closeQuietly(a);
            Fds.closeQuietly(b);
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

    /** Starts {@code pb} and reads its stdout line by line as it comes; see {@link Running}. */
    static Running start(ProcessBuilder pb) throws IOException {
        return new Running(pb.start());
    }

    /**
     * A started peer whose stdout lines can be awaited one by one (for example a "ready" line before connecting).
     * Closing it kills the process if it is still alive.
     */
    static final class Running implements AutoCloseable {
        private static final String END = new String("<end of stdout>");
        final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer stdout = new StringBuffer();
        private final Thread reader;
        private final java.util.concurrent.CompletableFuture<String> stderr;

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

        long pid() {
            return process.pid();
        }

        /** The next stdout line; fails (with what the peer printed) if none comes within {@code timeout}. */
        String nextLine(Duration timeout) throws InterruptedException {
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
        String pollLine(Duration timeout) throws InterruptedException {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == END) {
                lines.add(END);
                return null;
            }
            return line;
        }

        /** Waits for the process to exit with status 0 within {@code timeout}; returns its whole stdout. */
        String finish(Duration timeout) throws InterruptedException {
            return finish(timeout, 0);
        }

        /** Waits for the process to exit with {@code status} within {@code timeout}; returns its whole stdout. */
        String finish(Duration timeout, int status) throws InterruptedException {
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
        String report() {
            boolean alive = process.isAlive();
            return "peer " + process.pid() + (alive ? " (running)" : " (exited " + process.exitValue() + ")")
                    + " stdout: [" + stdout + "]" + (alive ? "" : " stderr: [" + stderr.join() + "]");
        }

        /** Whether the process is still running. */
        boolean isAlive() {
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
        String stderr = err.join(); // also: both pipes are closed when this returns
        assertEquals(0, p.exitValue(), () -> "peer failed: stdout=" + stdout + " stderr=" + stderr);
        return stdout;
    }

    /**
     * Reads {@code in} to its end on a thread of its own: the common pool has one thread on a 2-core machine, so a
     * long-lived peer's stream read there would hold up every other peer's until that peer exits.
     */
    private static java.util.concurrent.CompletableFuture<String> readAsync(InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, task -> Thread.ofPlatform().daemon().name("peer-stream").start(task));
    }

    private static synchronized Path script(String name) {
        try {
            Path target = SCRIPT_DIR.resolve(name);
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
