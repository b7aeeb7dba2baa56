package dev.gips.adoption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A developer's first minutes: a new Maven project outside this repository, whose {@code pom.xml} is the one the
 * README shows (cut from the README, so the two cannot drift), built by Maven on the JDK this build's Maven runs on
 * (17 in {@code .ci/run} and CI: the README's setup) from an empty local repository. gips resolves from a private
 * repository that holds only what {@code mvn verify} just packaged (installed by maven-invoker-plugin into
 * {@code target/repo}), Maven's plugins from this build's own local repository, read through {@code file:}: no
 * network. The project compiles the README's quick start unchanged and runs it as the README says
 * ({@code mvn -q compile exec:exec}); the test checks that the gips jars on its class path are the ones just
 * packaged. Also: what Maven Central asks of each published artifact (sources and Javadoc jars, licenses, SCM,
 * names), the {@code Automatic-Module-Name}s the README promises, and the API's Javadoc.
 */
class AdoptionIT {
    private static final String VERSION = System.getProperty("gips.version");
    private static final Path REPO = Path.of(System.getProperty("gips.adoption.repo"));
    private static final Path ROOT = Path.of(System.getProperty("gips.root")).normalize();
    private static final Path QUICKSTART = ROOT.resolve("gips-examples/src/main/java/dev/gips/examples/quickstart");
    private static final Path WORK = Path.of("target/consumers").toAbsolutePath();
    private static final Path README = ROOT.resolve("README.md");
    /** The line before the README's consumer pom. */
    private static final String POM_MARKER = "<!-- consumer pom: the adoption test (gips-adoption, AdoptionIT) builds"
            + " exactly this file -->";
    /** The JDK this build's Maven runs on, and consumer builds' Maven too. */
    private static final Path MAVEN_JDK = Path.of(System.getProperty("gips.adoption.mavenJdk"));
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
    private static final String PACKAGE = "dev/gips/examples/quickstart";
    private static final String MAIN = "dev.gips.examples.quickstart.QuickStart";

    @Test
    void theReadmesPomBuildsAndRunsTheQuickStartWithMavenOnTheReadmesJdk() throws Exception {
        Path project = quickStartProject("quickstart");
        assertEquals(MAVEN_JDK.toRealPath(), mavenRuntime(project), "the consumer's Maven runs on the build's JDK");
        Result run = maven(project, "compile", "exec:exec");
        assertEquals(0, run.exit, "the README's pom did not build and run the quick start (Maven on " + MAVEN_JDK
                + "):\n" + run);
        List<String> classpath = classpath(project);
        assertEquals(new TreeSet<>(Set.of("gips-all", "gips-core", "gips-linux", "gips-macos", "gips-windows",
                "slf4j-api")),
                artifactIds(classpath), "what one dependency on gips-all brings: " + classpath);

        List<String> out = run.out.lines().filter(l -> !l.isBlank()).toList();
        List<String> expected = List.of(
                "Received: Hello from client!",
                "Received: Hello from server!",
                "Received a FILE_DESCRIPTOR",
                "Connected process:",
                "  PID: \\d+",
                "  UID: \\d+",
                "  Groups: \\[\\d+(, \\d+)*\\]",
                "  Privileged: (true|false)",
                "Event loop served 3 clients",
                "Shared data: Shared data",
                "At 100: 42");
        assertEquals(expected.size(), out.size(), "QuickStart printed:\n" + run.out);
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(out.get(i).matches(expected.get(i)), "line " + (i + 1) + ": " + out.get(i));
        }
        // with only slf4j-api, SLF4J says once that it logs nowhere; with the flag the JDK warns about nothing
        for (String line : run.err.lines().filter(l -> !l.isBlank()).toList()) {
            assertTrue(line.startsWith("SLF4J(W): "), "unexpected on stderr: " + line + "\n" + run.err);
        }
    }

    /**
     * Issue 18, item 3, the way a user meets it: the quick start's server in one process and its client started
     * right after it in another ({@code Server &} then the client). Today the client usually fails with
     * {@code connect "…" (/tmp/…): ENOENT}: the server has not bound its name yet.
     * The quick start's client ({@code Echo.client}, the README's first block) waits for its server through
     * {@code Endpoint.connect(name, Duration)} (issue 18, item 3).
     */
    @Test
    void theQuickStartsClientStartedRightAfterItsServerIsServed() throws Exception {
        Path project = quickStartProject("back-to-back");
        // a main that runs one side of the README's first block, as two terminals would
        Files.writeString(project.resolve("src/main/java").resolve(PACKAGE).resolve("BackToBack.java"), """
                package dev.gips.examples.quickstart;

                public final class BackToBack {
                    public static void main(String[] args) throws Exception {
                        if (args[0].equals("server")) {
                            Echo.server(args[1]);
                        } else {
                            Echo.client(args[1]);
                        }
                    }
                }
                """);
        Result build = maven(project, "compile");
        assertEquals(0, build.exit, "the consumer build failed:\n" + build);
        String cp = project.resolve("target/classes") + File.pathSeparator + String.join(File.pathSeparator,
                classpath(project));
        String name = "gips-adoption-back-to-back-" + ProcessHandle.current().pid();
        List<String> java = List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "dev.gips.examples.quickstart.BackToBack");
        Path serverOut = Files.createTempFile(WORK, "server", ".txt");
        List<String> serverCommand = new ArrayList<>(java);
        serverCommand.addAll(List.of("server", name));
        Process server = new ProcessBuilder(serverCommand).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(serverOut.toFile()).start();
        try {
            List<String> clientCommand = new ArrayList<>(java);
            clientCommand.addAll(List.of("client", name));
            Result client = run(project, clientCommand);     // right after the server, as "Server &" then the client
            assertEquals(0, client.exit, "the client started right after its server failed:\n" + client);
            assertEquals("Received: Hello from server!", client.out.strip());
            assertTrue(server.waitFor(1, TimeUnit.MINUTES), "the server did not finish");
            assertEquals("Received: Hello from client!", Files.readString(serverOut).lines()
                    .filter(l -> l.startsWith("Received")).findFirst().orElse(""));
        } finally {
            server.destroyForcibly();
            server.waitFor(1, TimeUnit.MINUTES);
            Files.delete(serverOut);
            Files.deleteIfExists(Path.of("/tmp", name));   // the socket file of a server killed while it waited
        }
    }

    @Test
    void bomPicksModulesWithoutVersions() throws Exception {
        Path project = newProject("bom", pom("bom", """
                  <dependencyManagement>
                    <dependencies>
                      <dependency>
                        <groupId>dev.gips</groupId>
                        <artifactId>gips-bom</artifactId>
                        <version>%s</version>
                        <type>pom</type>
                        <scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                    <dependency>
                      <groupId>dev.gips</groupId>
                      <artifactId>gips-core</artifactId>
                    </dependency>
                    <dependency>
                      <groupId>dev.gips</groupId>
                      <artifactId>gips-linux</artifactId>
                    </dependency>
                  </dependencies>
                """.formatted(VERSION)));
        Result build = maven(project);
        assertEquals(0, build.exit, "the consumer build failed:\n" + build);
        assertEquals(new TreeSet<>(Set.of("gips-core", "gips-linux", "slf4j-api")), artifactIds(classpath(project)));
    }

    @Test
    void publishedArtifactsCarrySourcesJavadocLicensesAndModuleNames() throws Exception {
        for (String module : List.of("core", "linux", "macos", "windows", "all")) {
            String artifact = "gips-" + module;
            Path target = ROOT.resolve(artifact).resolve("target");
            for (String classifier : List.of("", "-sources", "-javadoc")) {
                Path jar = target.resolve(artifact + "-" + VERSION + classifier + ".jar");
                assertTrue(Files.size(jar) > 0, jar + " is empty");
            }
            try (JarFile jar = new JarFile(target.resolve(artifact + "-" + VERSION + ".jar").toFile())) {
                assertEquals("dev.gips." + module,
                        jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), artifact);
                for (String license : List.of("META-INF/LICENSE-APACHE-2.0", "META-INF/LICENSE-MIT")) {
                    assertTrue(jar.getEntry(license) != null, artifact + " has no " + license);
                }
            }
            String pom = Files.readString(REPO.resolve("dev/gips").resolve(artifact).resolve(VERSION)
                    .resolve(artifact + "-" + VERSION + ".pom"));
            for (String element : List.of("<name>", "<description>")) {
                assertTrue(pom.contains(element), artifact + "'s pom has no " + element);
            }
        }
        // the API's Javadoc: an overview page, the SPI grouped apart from the API, nothing internal
        try (JarFile javadoc = new JarFile(ROOT.resolve("gips-core/target/gips-core-" + VERSION + "-javadoc.jar")
                .toFile())) {
            List<String> internal = javadoc.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("dev/gips/internal")).toList();
            assertEquals(List.of(), internal, "gips-core's Javadoc shows internal packages");
            String index = new String(javadoc.getInputStream(javadoc.getEntry("index.html")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertTrue(index.contains("General inter-process solution for the JVM"), "no overview page");
            assertTrue(index.contains("Backend SPI"), "the SPI is not grouped apart from the API");
            assertTrue(!index.contains("All rights reserved"), "the footer contradicts the licenses");
        }
        // inherited by the modules above; the BOM has no parent and carries its own
        for (String artifact : List.of("gips-parent", "gips-bom")) {
            String pom = Files.readString(REPO.resolve("dev/gips").resolve(artifact).resolve(VERSION)
                    .resolve(artifact + "-" + VERSION + ".pom"));
            for (String element : List.of("<url>", "<name>Apache-2.0</name>", "<name>MIT</name>", "<scm",
                    "<connection>", "<developers>")) {
                assertTrue(pom.contains(element), artifact + "'s pom has no " + element);
            }
        }
    }

    /** The README's consumer pom: the {@code ```xml} block after {@link #POM_MARKER}, as it stands. */
    private static String readmePom() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int marker = lines.indexOf(POM_MARKER);
        assertTrue(marker >= 0 && lines.get(marker + 1).equals("```xml"), "README.md has no " + POM_MARKER
                + " before a ```xml block");
        int end = lines.subList(marker + 2, lines.size()).indexOf("```") + marker + 2;
        return String.join("\n", lines.subList(marker + 2, end)) + "\n";
    }

    /** A project with the README's pom and the quick start's files, unchanged. */
    private static Path quickStartProject(String name) throws IOException {
        Path project = newProject(name, readmePom());
        Path sources = project.resolve("src/main/java").resolve(PACKAGE);
        Files.createDirectories(sources);
        try (Stream<Path> files = Files.list(QUICKSTART)) {
            for (Path f : files.toList()) {
                Files.copy(f, sources.resolve(f.getFileName()));   // unchanged: the README's code, byte for byte
            }
        }
        return project;
    }

    /** A generated pom that holds {@code body} and nothing a user would not write. */
    private static String pom(String name, String body) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>%s</artifactId>
                  <version>1.0</version>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                %s
                </project>
                """.formatted(name, body);
    }

    /**
     * A project directory {@code WORK/name} with {@code pom} and a {@code settings.xml}: an empty local repository
     * ({@code WORK/name-m2}), the private repository as the one place gips comes from, and for everything else this
     * build's local repository; none of the machine's own settings, no network.
     */
    private static Path newProject(String name, String pom) throws IOException {
        Path project = WORK.resolve(name);
        Path localRepository = WORK.resolve(name + "-m2");
        delete(project);
        delete(localRepository);
        Files.createDirectories(project);
        Files.writeString(project.resolve("pom.xml"), pom);
        Files.writeString(project.resolve("settings.xml"), """
                <settings>
                  <localRepository>%s</localRepository>
                  <mirrors>
                    <mirror>
                      <id>this-build</id>
                      <mirrorOf>*,!gips-private</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                  <profiles>
                    <profile>
                      <id>gips-private</id>
                      <repositories>
                        <repository>
                          <id>gips-private</id>
                          <url>%s</url>
                          <snapshots>
                            <enabled>true</enabled>
                          </snapshots>
                        </repository>
                      </repositories>
                    </profile>
                  </profiles>
                  <activeProfiles>
                    <activeProfile>gips-private</activeProfile>
                  </activeProfiles>
                </settings>
                """.formatted(localRepository, Path.of(System.getProperty("gips.mainRepo")).toUri(), REPO.toUri()));
        return project;
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * Runs Maven on {@link #MAVEN_JDK} in {@code project} with {@code goals}, and writes the project's runtime class
     * path to {@code target/classpath.txt} (see {@link #classpath}).
     */
    private static Result maven(Path project, String... goals) throws Exception {
        List<String> command = new ArrayList<>(List.of(mvn(), "-B", "-q", "-ntp", "-Dstyle.color=never", "-s",
                "settings.xml"));
        command.addAll(Arrays.asList(goals));
        command.addAll(List.of("org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + project.resolve("target/classpath.txt")));
        if (Arrays.asList(goals).contains("exec:exec")) {
            command.remove("exec:exec");
            command.add("exec:exec");    // last: what it prints is all that is left on stdout
        }
        return run(project, command, MAVEN_JDK);
    }

    /** The JDK that {@code mvn -v} reports in {@code project}'s environment. */
    private static Path mavenRuntime(Path project) throws Exception {
        Result v = run(project, List.of(mvn(), "-v", "-Dstyle.color=never"), MAVEN_JDK);
        assertEquals(0, v.exit, v.toString());
        String runtime = v.out.lines().filter(l -> l.contains("runtime: ")).findFirst().orElseThrow(
                () -> new AssertionError("mvn -v names no runtime:\n" + v));
        return Path.of(runtime.substring(runtime.indexOf("runtime: ") + "runtime: ".length()).strip()).toRealPath();
    }

    /**
     * The runtime class path a {@link #maven} run wrote, in order; every gips jar on it is byte for byte the one in
     * the private repository, that is what this build just packaged.
     */
    private static List<String> classpath(Path project) throws IOException {
        List<String> classpath = new ArrayList<>();
        for (String entry : Files.readString(project.resolve("target/classpath.txt")).strip()
                .split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (jar.getFileName().toString().startsWith("gips-")) {
                Path artifact = jar.getParent().getParent();
                Path packaged = REPO.resolve("dev/gips").resolve(artifact.getFileName()).resolve(VERSION)
                        .resolve(artifact.getFileName() + "-" + VERSION + ".jar");
                assertEquals(-1, Files.mismatch(jar, packaged), jar + " is not " + packaged);
            }
            classpath.add(entry);
        }
        return classpath;
    }

    /** The artifactIds of jars in a Maven repository: {@code …/<artifactId>/<version>/<file>.jar}. */
    private static Set<String> artifactIds(List<String> jars) {
        return jars.stream().map(j -> Path.of(j).getParent().getParent().getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Result run(Path dir, List<String> command) throws Exception {
        return run(dir, command, Path.of(System.getProperty("java.home")));
    }

    /** Runs {@code command} in {@code dir} with {@code JAVA_HOME} at {@code javaHome}; waits at most 5 minutes. */
    private static Result run(Path dir, List<String> command, Path javaHome) throws Exception {
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        // Debian's Maven 3.8 writes colour resets even with -B
        Result r = new Result(p.exitValue(), ANSI.matcher(Files.readString(out, StandardCharsets.UTF_8)).replaceAll(""),
                ANSI.matcher(Files.readString(err, StandardCharsets.UTF_8)).replaceAll(""));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static String mvn() {
        boolean windows = System.getProperty("os.name").startsWith("Windows");
        return Path.of(System.getProperty("maven.home"), "bin", windows ? "mvn.cmd" : "mvn").toString();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
