package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Linux side of the test peers: Python stdlib peers, another user through setpriv, raw descriptors; the kit's
 * {@link dev.gips.tck.Peers}, which this class extends, has the child JVMs, names and bounded waits, so that tests
 * reach both through {@code Peers}.
 */
final class Peers extends dev.gips.tck.Peers {
    private Peers() {}

    /** Loads this class, which creates {@link #SCRIPT_DIR}: see {@link LinuxHook#warmUp()}. */
    static void warmUp() {}

    static final String PYTHON = "/usr/bin/python3";
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
     * Waits until this process has at most {@code max} open descriptors, calling {@code settle} between checks (for
     * example a short {@code listener.accept(timeout)}, which lets a listener notice clients that hung up). Fails,
     * listing the descriptors, if that does not happen within {@code timeout}.
     */
    static void awaitFdsAtMost(long max, Duration timeout, Settle settle) throws Exception {
        awaitHandlesAtMost(max, timeout, settle); // the Linux hook's handles are this process's descriptors
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
