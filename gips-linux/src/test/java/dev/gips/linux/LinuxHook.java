package dev.gips.linux;

import dev.gips.tck.OsHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the contract kit needs from Linux: descriptors counted in {@code /proc/self/fd}, regions in {@code /dev/shm},
 * socket files, the frames blocking calls wait in, and user nobody (through setpriv, as root) as the second user.
 */
public final class LinuxHook implements OsHook {
    private static Path readableClassPath; // guarded by LinuxHook.class

    /** Constructed by {@link java.util.ServiceLoader}. */
    public LinuxHook() {}

    @Override
    public String name() {
        return "Linux";
    }

    @Override
    public Optional<String> unavailable() {
        String os = System.getProperty("os.name", "");
        return os.startsWith("Linux") ? Optional.empty()
                : Optional.of("the Linux backend runs on Linux only (os.name=" + os + ")");
    }

    @Override
    public long openHandles() {
        return Peers.openFds();
    }

    @Override
    public String describeHandles() {
        return Peers.describeFds();
    }

    @Override
    public void warmUp() {
        ParkingPoller.read();
        ParkingPoller.write();
        Peers.warmUp();
    }

    /** Entries of {@code /dev/shm} that hold this process's pid: other test JVMs create objects there too. */
    @Override
    public Set<String> shmNames() {
        String pid = Long.toString(ProcessHandle.current().pid());
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(pid))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All descriptors, those of regions (memfds, and {@code /dev/shm} files of this pid), and memfd mappings. */
    @Override
    public Map<String, Long> shmResources() {
        String pid = Long.toString(ProcessHandle.current().pid());
        long regionFds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            regionFds = s.map(LinuxHook::target)
                    .filter(t -> t.startsWith("/memfd:gips-shm") || t.startsWith("/dev/shm/") && t.contains(pid))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("file descriptors", Peers.openFds(), "shared memory descriptors", regionFds,
                "memfd mappings", ShmTesting.memfdMappings());
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed since the listing
        }
    }

    /** As gips 0.2.0 resolves names: an absolute path as is, anything else under {@code /tmp}; none for "\0name". */
    @Override
    public Optional<Path> serviceFile(String name) {
        if (name.startsWith("\0")) {
            return Optional.empty();
        }
        return Optional.of(name.startsWith("/") ? Path.of(name) : Path.of("/tmp", name));
    }

    @Override
    public String blockedFrame(Blocking call) {
        return switch (call) {
            case ACCEPT, ACCEPT_TIMED -> "SysEpoll.epoll_wait";
            case RECV -> "SysSocket.recvmsg";
            case RECV_TIMED -> "Poll.poll";
        };
    }

    /** User nobody, group nogroup, no supplementary groups, from a copy of the class path that nobody may read. */
    @Override
    public ProcessBuilder javaChildAsOtherUser(Class<?> main, String... args) {
        Peers.assumeRoot("runs a child JVM as user nobody through setpriv");
        return Peers.asNobody(Peers.javaChild(classPathOf(readableClassPath()), main, args));
    }

    @Override
    public String unusedUserId(List<String> ours) {
        return unusedId(ours);
    }

    @Override
    public String unusedGroupId(List<String> ours) {
        return unusedId(ours);
    }

    private static String unusedId(List<String> ours) {
        long id = 4_000_000_000L;
        while (ours.contains(Long.toString(id))) {
            id++;
        }
        return Long.toString(id);
    }

    /**
     * A world-readable copy of this JVM's test class path (the Maven repository under {@code /root} is closed to
     * user nobody): each jar as is, each class directory into {@code classes-N/}. Made once per JVM, removed at exit.
     */
    static synchronized Path readableClassPath() {
        if (readableClassPath != null) {
            return readableClassPath;
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try {
            Path dir = Files.createTempDirectory("gips-cp-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            int n = 0;
            for (String entry : cp.split(java.io.File.pathSeparator)) {
                Path source = Path.of(entry);
                if (Files.isDirectory(source)) {
                    copyTree(source, dir.resolve("classes-" + n++));
                } else if (Files.isRegularFile(source)) {
                    Path copy = dir.resolve(n++ + "-" + source.getFileName());
                    Files.copy(source, copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            readableClassPath = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("copying the class path for user nobody", e);
        }
    }

    /** The class path of a copy made by {@link #readableClassPath()}: its jars and every copied class directory. */
    static String classPathOf(Path dir) {
        List<String> entries = new ArrayList<>(List.of(dir + "/*"));
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).sorted().forEach(p -> entries.add(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(d).toString());
                Files.createDirectories(target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(f).toString());
                Files.copy(f, target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory: what is left goes with the next cleanup of /tmp
        }
    }
}
