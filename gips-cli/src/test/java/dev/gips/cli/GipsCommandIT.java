package dev.gips.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code gips} command as a user runs it: {@code java -jar gips-cli-VERSION.jar …}, the packaged jar with no
 * other flag (its manifest enables native access), each command a process of its own, against a {@code serve}
 * process. Every assertion is on what a person would read: stdout, stderr, the exit status.
 */
class GipsCommandIT {
    private static final Path JAR = Path.of(System.getProperty("gips.cli.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String UID = uid();

    private String name;
    private Path dir;

    @BeforeEach
    void names() throws IOException {
        name = "gips-cli-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        dir = Files.createTempDirectory("gips-cli-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        Files.deleteIfExists(Path.of("/tmp", name));
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @Test
    void callServeAndProbeTalkToEachOther() throws Exception {
        Path request = dir.resolve("request.bin");
        Files.write(request, new byte[] {0, 1, 2, (byte) 0xff});
        Path shared = dir.resolve("shared.txt");
        Files.writeString(shared, "a file passed as a descriptor");
        try (Server server = Server.start("serve", name, "--count", "4")) {
            assertEquals("serving " + name + " (echo, pid " + server.pid() + ")", server.firstLine());

            Result text = Result.of(cli("call", name, "hello there"));
            text.assertOk();
            assertEquals(List.of("server: pid=" + server.pid() + " uid=" + UID + " groups=" + groups()
                    + " privileged=" + UID.equals("0"), "reply: 11 bytes: \"hello there\""), text.lines());

            Result hex = Result.of(cli("call", name, "--hex", "de ad be ef"));
            hex.assertOk();
            assertEquals("reply: 4 bytes (hex): deadbeef", hex.lines().get(1));

            Result file = Result.of(cli("call", name, "--file", request.toString(), "--handle", shared.toString()));
            file.assertOk();
            assertEquals("reply: 4 bytes (hex): 000102ff", file.lines().get(1));
            // the echo server sent the descriptor back: the same file
            assertTrue(file.lines().get(2).matches("  handle 1: FILE_DESCRIPTOR \\d+ -> " + shared), file.out);

            Result probe = Result.of(cli("probe", name));
            probe.assertOk();
            assertEquals("listening: yes", probe.lines().get(0));
            assertTrue(probe.lines().get(1).startsWith("server: pid=" + server.pid() + " uid=" + UID), probe.out);
            assertTrue(probe.lines().get(2).startsWith("speaks: gips for Java ("), probe.out);

            // a probe sends nothing: the server counted three messages and serves a fourth, then exits
            Result raw = Result.of(cli("call", name, "--raw", "--", "--not-an-option"));
            raw.assertExit(0);
            assertEquals("--not-an-option", raw.out);
            assertTrue(raw.err.startsWith("server: pid=" + server.pid()), raw.err);

            List<String> served = server.finish();
            assertEquals(6, served.size(), String.join("\n", served));
            assertTrue(served.get(1).matches("message from pid=\\d+ uid=" + UID + " .*: 11 bytes: \"hello there\""),
                    served.get(1));
            assertTrue(served.get(2).endsWith(": 4 bytes (hex): deadbeef"), served.get(2));
            assertTrue(served.get(3).endsWith(": 4 bytes (hex): 000102ff"), served.get(3));
            assertTrue(served.get(4).matches("  handle 1: FILE_DESCRIPTOR \\d+ -> " + shared), served.get(4));
            assertTrue(served.get(5).endsWith(": 15 bytes: \"--not-an-option\""), served.get(5));
        }
        assertTrue(!Files.exists(Path.of("/tmp", name)), "serve removes its socket file when it is done");
    }

    @Test
    void aServiceThatDoesNotAnswerOrRefusesIsAFailure() throws Exception {
        try (Server server = Server.start("serve", name, "--print")) {
            server.firstLine();
            Result silent = Result.of(cli("call", name, "anyone?", "--timeout", "500ms"));
            silent.assertExit(1);
            assertEquals("gips call: no reply from " + name + " within 500 ms\n", silent.err);
            assertTrue(server.nextLine().endsWith(": 7 bytes: \"anyone?\""), "serve --print shows the message");
        }
        try (Server server = Server.start("serve", name, "--allow-uid", "4000000000")) {
            server.firstLine();
            Result refused = Result.of(cli("call", name, "let me in"));
            refused.assertExit(1);
            assertEquals("gips call: " + name + " closed the connection without a reply (its policy may refuse this"
                    + " user: uid " + UID + ")\n", refused.err);
        }
    }

    @Test
    void callWaitsForAServerStartedJustBefore() throws Exception {
        // "gips serve NAME &" then at once "gips call --wait 30s NAME …": the call starts while serve's JVM starts
        try (Server server = Server.start("serve", name, "--count", "1")) {
            Result call = Result.of(cli("call", "--wait", "30s", name, "first"));
            call.assertOk();
            assertEquals("reply: 5 bytes: \"first\"", call.lines().get(1));
            server.finish();
        }
    }

    @Test
    void probingANameNobodyServesSaysSo() throws Exception {
        Result probe = Result.of(cli("probe", name));
        probe.assertExit(1);
        assertEquals("listening: no (connect \"" + name + "\" (/tmp/" + name + "): no service is listening: is the"
                + " server running? (ENOENT: No such file or directory))\n", probe.out);
    }

    @Test
    void probingAPlainGipsServiceSaysSo() throws Exception {
        // a plain SOCK_SEQPACKET server of gips 0.2.0's wire format, as Rust gips makes it: mode 0666, no mark
        Path socket = Path.of("/tmp", name);
        Process plain = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
                "import os, socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
                "s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666); s.listen(8)",
                "print('LISTENING', flush=True)",
                "c, _ = s.accept(); c.recv(16)"), socket.toString()).start();
        try {
            assertEquals("LISTENING", new String(plain.getInputStream().readNBytes(10), UTF_8).strip());
            Result probe = Result.of(cli("probe", name));
            probe.assertOk();
            assertEquals("speaks: plain gips (" + socket + " has no gips for Java mark: mode 666)",
                    probe.lines().get(2));
        } finally {
            plain.destroyForcibly();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void aBadCommandLineSaysWhatIsWrong() throws Exception {
        Result none = Result.of(cli());
        none.assertExit(2);
        assertTrue(none.err.startsWith("gips: call, serve and probe gips services"), none.err);
        for (List<String> bad : List.of(List.of("call"), List.of("call", name, "--hex", "xyz"),
                List.of("call", name, "text", "--file", "f"), List.of("serve", name, "--count", "0"),
                List.of("launch", name), List.of("probe", name, "--color"))) {
            Result r = Result.of(cli(bad.toArray(String[]::new)));
            r.assertExit(2);
            assertTrue(r.err.startsWith("gips " + bad.get(0) + ": ") && r.err.endsWith("(gips help shows the"
                    + " commands)\n"), bad + ": " + r.err);
        }
        Result help = Result.of(cli("help"));
        help.assertOk();
        assertTrue(help.out.contains("gips call NAME"), help.out);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** {@code java -jar gips-cli.jar args}, as the README says to run it. */
    private static ProcessBuilder cli(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private record Result(int exit, String out, String err) {
        static Result of(ProcessBuilder pb) throws Exception {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = read(p.getInputStream());
            CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("gips did not finish: " + pb.command());
            }
            return new Result(p.exitValue(), out.get(), err.get());
        }

        List<String> lines() {
            return out.lines().toList();
        }

        void assertOk() {
            assertExit(0);
            assertEquals("", err, "gips writes nothing to stderr when all is well (no SLF4J or JDK warnings)");
        }

        void assertExit(int status) {
            assertEquals(status, exit, () -> "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err);
        }
    }

    /** A {@code gips serve} process whose stdout is read line by line. */
    private static final class Server implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final CompletableFuture<String> err;

        private Server(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.err = read(process.getErrorStream());
        }

        static Server start(String... args) throws IOException {
            Process p = cli(args).start();
            p.getOutputStream().close();
            return new Server(p);
        }

        long pid() {
            return process.pid();
        }

        /** The line it prints once it serves. */
        String firstLine() throws Exception {
            String line = nextLine();
            assertTrue(line != null && line.startsWith("serving "), "serve printed " + line + "; stderr: "
                    + (process.isAlive() ? "(running)" : err.join()));
            return line;
        }

        /** The next line it prints; read on another thread, so that a silent server fails the test. */
        String nextLine() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return "<" + e + ">";
                }
            }, task -> Thread.ofPlatform().daemon().start(task)).get(60, TimeUnit.SECONDS);
        }

        /** Waits for it to exit 0 (it was given --count); returns every line it printed, the first included. */
        List<String> finish() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "serve did not stop after --count messages");
            List<String> rest = out.lines().toList();
            assertEquals(0, process.exitValue(), "serve failed: " + err.join());
            List<String> all = new ArrayList<>(List.of("serving"));
            all.addAll(rest);
            return all;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();   // SIGTERM, as Ctrl-C would: its shutdown hook closes the listener
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, task -> Thread.ofPlatform().daemon().start(task));
    }

    private static String uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** This process's groups as the kernel reports a peer's: the primary group first. */
    private static String groups() throws Exception {
        return String.join(",", dev.gips.ipc.Credentials.currentProcess().gidList());
    }
}
