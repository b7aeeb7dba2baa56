package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Rust peer program ({@code src/test/rust/peer}): servers and clients on the public API of the real gips 0.2.0,
 * built once per test JVM by {@code src/test/rust/build.sh} from the vendored crate ({@code ../shared/vendor} beside
 * the project, or {@code GIPS_INTEROP_VENDOR}), Debian's crate sources and cargo, then copied to a world-readable
 * directory so that user nobody can run it too. Its output is one line per event; {@code main.rs} lists them.
 *
 * <p>Where the vendored crate, cargo or Debian's crate sources are missing, every test of a class that uses
 * {@link Required} is skipped with that one-line reason; where {@code GIPS_TESTS_REQUIRE_RUST=1} (as in
 * {@code .ci/run}) the same reason fails it instead: CI must never pass by skipping.
 */
final class RustPeer {
    private RustPeer() {}

    static final String REQUIRE_ENV = "GIPS_TESTS_REQUIRE_RUST";
    /** How long one step of a peer may take: generous, for a loaded 2-core CI machine. */
    static final Duration WAIT = Peers.WAIT;
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
    /** Crates gips needs from Debian's sources ({@code apt-get install librust-<name>-dev}). */
    private static final List<String> DEBIAN_CRATES = List.of("cfg-if", "crossbeam", "serde", "serde-derive", "libc",
            "thiserror", "log", "tracing");
    private static final Path DEBIAN_REGISTRY = Path.of("/usr/share/cargo/registry");

    /**
     * The largest payload one datagram carries with the system's default send buffer: the kernel refuses an AF_UNIX
     * datagram longer than {@code sk_sndbuf - 32} (EMSGSIZE), and neither gips sets {@code SO_SNDBUF}.
     */
    static final int DATAGRAM_LIMIT = defaultSendBuffer() - 32;

    private static int defaultSendBuffer() {
        try (var in = Files.newInputStream(Path.of("/proc/sys/net/core/wmem_default"))) {
            return Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path binary;       // guarded by RustPeer.class
    private static String unavailable; // guarded by RustPeer.class: why there is no binary

    /**
     * Skips (or, where required, fails) each test of the class unless the peer is built, building it if needed:
     * before each test rather than once before all, so that every skipped test is reported with the reason. After
     * each test, removes the socket files of the Rust servers it started: gips removes its file when it ends
     * normally, but not when a test that failed killed it.
     */
    static final class Required implements BeforeEachCallback, AfterEachCallback {
        @Override
        public void beforeEach(ExtensionContext context) {
            binary();
        }

        @Override
        public void afterEach(ExtensionContext context) throws IOException {
            List<Path> paths;
            synchronized (SERVER_PATHS) {
                paths = new ArrayList<>(SERVER_PATHS);
                SERVER_PATHS.clear();
            }
            for (Path path : paths) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Socket files of the Rust servers started since the last test ended (names are unique per test). */
    private static final List<Path> SERVER_PATHS = new ArrayList<>();

    /** The peer's path, building it on first use; skips or fails the calling test if it cannot be built here. */
    static synchronized Path binary() {
        if (binary == null && unavailable == null) {
            unavailable = missingPrerequisite();
            if (unavailable == null) {
                binary = build();
            }
        }
        if (binary == null) {
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                fail(unavailable + " (" + REQUIRE_ENV + "=1, so this is a failure, not a skip)");
            }
            Assumptions.abort(unavailable);
        }
        return binary;
    }

    /** Where the vendored crate is: {@code GIPS_INTEROP_VENDOR}, else {@code ../shared/vendor} beside the project. */
    static Path vendor() {
        String env = System.getenv("GIPS_INTEROP_VENDOR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        String property = System.getProperty("gips.interop.vendor");
        return (property != null ? Path.of(property) : Path.of("../../shared/vendor")).toAbsolutePath().normalize();
    }

    /** Why the peer cannot be built here, in one line; {@code null} if everything it needs is present. */
    private static String missingPrerequisite() {
        Path vendor = vendor();
        if (!Files.isRegularFile(vendor.resolve("gips-0.2.0-aa33fb2.tar.gz"))) {
            return "the Rust interoperability tests need the vendored gips 0.2.0: none at " + vendor
                    + " (../shared/vendor beside the project, or GIPS_INTEROP_VENDOR)";
        }
        if (cargo() == null) {
            return "the Rust interoperability tests need cargo: none on PATH nor in ~/.cargo/bin";
        }
        List<String> missing = new ArrayList<>();
        for (String crate : DEBIAN_CRATES) {
            String wanted = crate.replace('-', '_');
            try (var entries = Files.list(DEBIAN_REGISTRY)) {
                if (entries.map(p -> p.getFileName().toString()) // <crate>-<version>, e.g. serde_derive-1.0.152
                        .noneMatch(n -> n.lastIndexOf('-') > 0
                                && n.substring(0, n.lastIndexOf('-')).replace('-', '_').equals(wanted))) {
                    missing.add("librust-" + crate + "-dev");
                }
            } catch (IOException e) {
                missing.add("librust-" + crate + "-dev");
            }
        }
        if (!missing.isEmpty()) {
            return "the Rust interoperability tests need Debian's crate sources in " + DEBIAN_REGISTRY
                    + ": apt-get install " + String.join(" ", missing);
        }
        return null;
    }

    /** {@code cargo} on PATH, else {@code ~/.cargo/bin/cargo}; {@code null} if neither exists. */
    static Path cargo() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "cargo"))) {
                return Path.of(dir, "cargo");
            }
        }
        Path home = Path.of(System.getProperty("user.home"), ".cargo", "bin", "cargo");
        return Files.isExecutable(home) ? home : null;
    }

    private static Path build() {
        Path sources = Path.of(System.getProperty("gips.interop.sources", "src/test/rust")).toAbsolutePath();
        Path work = Path.of(System.getProperty("gips.interop.work", "target/rust")).toAbsolutePath();
        long start = System.nanoTime();
        try {
            Files.createDirectories(work);
            Path log = work.resolve("build.log"); // a file, not a pipe: the wait below stays bounded
            Process p = new ProcessBuilder("bash", sources.resolve("build.sh").toString(), vendor().toString(),
                    work.toString(), cargo().toString()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            p.getOutputStream().close();
            boolean done = p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String output = Files.readString(log);
            if (!done) {
                fail("building the Rust peer took more than " + BUILD_TIMEOUT + ": " + output);
            }
            assertEquals(0, p.exitValue(), () -> "building the Rust peer against the vendored gips failed:\n"
                    + output);
            String[] lines = output.strip().split("\n");
            Path built = Path.of(lines[lines.length - 1].strip());
            System.out.printf("Rust peer built in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, built);
            // a copy in a directory every user may enter, so that setpriv --reuid=nobody can run it
            Path dir = Files.createTempDirectory("gips-rust-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            dir.toFile().deleteOnExit();
            Path copy = dir.resolve("gips-interop-peer");
            Files.copy(built, copy, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
            copy.toFile().deleteOnExit();
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("building the Rust peer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while building the Rust peer", e);
        }
    }

    /** The peer with {@code args}, not yet started. */
    static ProcessBuilder command(String... args) {
        if (args.length > 1 && args[0].equals("serve")) {
            synchronized (SERVER_PATHS) {
                SERVER_PATHS.add(args[1].startsWith("/") ? Path.of(args[1]) : Path.of("/tmp", args[1]));
            }
        }
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /**
     * A Rust server ({@code serve NAME MODE OPTIONS}) that has bound {@code name}: its first line, {@code ready
     * path=...}, has been read.
     */
    static Peers.Running serve(String name, String mode, String... options) throws IOException, InterruptedException {
        return started(command(serveArgs(name, mode, options)));
    }

    static String[] serveArgs(String name, String mode, String... options) {
        List<String> args = new ArrayList<>(List.of("serve", name, mode));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    /** Starts a server command and waits for its {@code ready} line. */
    static Peers.Running started(ProcessBuilder server) throws IOException, InterruptedException {
        Peers.Running running = Peers.start(server);
        String ready = running.nextLine(WAIT);
        if (!ready.startsWith("ready ")) {
            running.close();
            fail("Rust server did not start: " + ready + "; " + running.report());
        }
        return running;
    }

    /** A Rust client ({@code client NAME STEPS}), started. */
    static Peers.Running client(String name, String... steps) throws IOException {
        List<String> args = new ArrayList<>(List.of("client", name));
        args.addAll(List.of(steps));
        return Peers.start(command(args.toArray(String[]::new)));
    }

    /** The next line of {@code peer}, which must be {@code expected}. */
    static void expectLine(Peers.Running peer, String expected) throws InterruptedException {
        String line = peer.nextLine(WAIT);
        assertEquals(expected, line, peer::report);
    }

    /** The next line of {@code peer}, which must start with {@code prefix}; returns it. */
    static String expectLineStartingWith(Peers.Running peer, String prefix) throws InterruptedException {
        String line = peer.nextLine(WAIT);
        if (!line.startsWith(prefix)) {
            fail("expected a line starting with \"" + prefix + "\", got \"" + line + "\"; " + peer.report());
        }
        return line;
    }

    /** The test payload of {@code len} bytes, the same bytes as {@code pattern} in {@code main.rs}. */
    static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) ((i * 7) ^ ((i >>> 8) * 13) ^ len);
        }
        return b;
    }

    /** FNV-1a 64 as 16 hex digits, as {@code fnv} in {@code main.rs}. */
    static String fnv(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return String.format("%016x", h);
    }

    /** How the peer describes a payload: {@code len=N fds=K fnv=H} plus {@code text=T} for short printable ones. */
    static String describe(byte[] payload, int fds) {
        boolean printable = payload.length > 0 && payload.length <= 64;
        for (byte b : payload) {
            printable &= b > 0x20 && b < 0x7f;
        }
        return "len=" + payload.length + " fds=" + fds + " fnv=" + fnv(payload)
                + (printable ? " text=" + new String(payload, java.nio.charset.StandardCharsets.US_ASCII) : "");
    }
}
