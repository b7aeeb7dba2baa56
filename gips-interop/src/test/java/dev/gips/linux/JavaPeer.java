package dev.gips.linux;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A gips for Java client in a child JVM that another user can run: {@code client NAME STEP...} with the steps
 * {@code peer}, {@code send=TEXT} and {@code recv}, printing lines in the Rust peer's format ({@code connected},
 * {@code peer pid= uid= gids=}, {@code sent len=}, {@code recv len=...}, {@code recv-eof}, {@code done}).
 * {@link #asNobody} starts it as user nobody, from a copy of the test class path that nobody may read (the Maven
 * repository under {@code /root} is closed to it).
 */
public final class JavaPeer {
    private JavaPeer() {}

    private static Path readableClassPath; // guarded by JavaPeer.class

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !args[0].equals("client")) {
            throw new IllegalArgumentException("usage: client NAME STEP...");
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.connect(args[1]);
        } catch (IOException e) {
            out("connect-error " + e);
            return;
        }
        try (endpoint) {
            out("connected");
            for (int i = 2; i < args.length; i++) {
                step(endpoint, args[i]);
            }
        }
        out("done");
    }

    private static void step(Endpoint endpoint, String step) throws IOException {
        if (step.equals("peer")) {
            Credentials c = endpoint.peerCredentials();
            out("peer pid=" + c.pid() + " uid=" + c.uid() + " gids=" + String.join(",", c.gidList()));
        } else if (step.startsWith("send=")) {
            byte[] payload = step.substring(5).getBytes(StandardCharsets.US_ASCII);
            try {
                endpoint.send(payload);
                out("sent len=" + payload.length);
            } catch (IOException e) {
                out("send-error " + e.getClass().getSimpleName());
            }
        } else if (step.equals("recv")) {
            try {
                Optional<Message> m = endpoint.recv(Peers.WAIT);
                if (m.isEmpty()) {
                    out("recv-timeout");
                    return;
                }
                try (Message message = m.get()) {
                    out("recv " + RustPeer.describe(message.payload(), message.handles().size()));
                }
            } catch (EOFException e) {
                out("recv-eof");
            } catch (IOException e) {
                out("recv-error " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } else {
            throw new IllegalArgumentException("unknown step " + step);
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** This class's {@code client} as user nobody (group nogroup, plus {@code groups}), not yet started. */
    static ProcessBuilder asNobody(List<String> groups, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", classPathOf(readableClassPath()), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                JavaPeer.class.getName()));
        cmd.addAll(List.of(args));
        return Peers.asNobody(new ProcessBuilder(cmd), groups.toArray(String[]::new));
    }

    /**
     * A world-readable copy of this JVM's test class path: each jar as is, each class directory into
     * {@code classes-N/}. Made once per JVM, removed at exit.
     */
    private static synchronized Path readableClassPath() {
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

    /** The class path {@link #asNobody} runs with: the jars ({@code dir/*}) and every copied class directory. */
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
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit: a temp directory left behind is harmless
        }
    }
}
