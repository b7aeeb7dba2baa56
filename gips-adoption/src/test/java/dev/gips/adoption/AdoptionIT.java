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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A developer's first minutes: a new Maven project outside this repository, whose pom is the README's one dependency
 * line, resolves gips from a private repository that holds only what {@code mvn verify} just packaged and its
 * dependencies (installed by maven-invoker-plugin into {@code target/repo}), compiles the README's quick start
 * unchanged and runs it. The consumer build's only remote repository is this build's own local repository, read
 * through {@code file:} for Maven's plugins; gips' artifacts there (if any) have no remote metadata, so gips resolves
 * from the private repository alone, and the test checks that every jar on the class path comes from there.
 * Also: what Maven Central asks of each published artifact (sources and Javadoc jars, licenses, SCM, names) and
 * the {@code Automatic-Module-Name}s the README promises.
 */
class AdoptionIT {
    private static final String VERSION = System.getProperty("gips.version");
    private static final Path REPO = Path.of(System.getProperty("gips.adoption.repo"));
    private static final Path ROOT = Path.of(System.getProperty("gips.root")).normalize();
    private static final Path QUICKSTART = ROOT.resolve("gips-examples/src/main/java/dev/gips/examples/quickstart");
    private static final Path WORK = Path.of("target/consumers").toAbsolutePath();
    private static final String PACKAGE = "dev/gips/examples/quickstart";
    private static final String MAIN = "dev.gips.examples.quickstart.QuickStart";

    @Test
    void quickStartRunsInAProjectThatDependsOnlyOnGipsAll() throws Exception {
        Path project = newProject("quickstart", """
                  <dependencies>
                    <dependency>
                      <groupId>dev.gips</groupId>
                      <artifactId>gips-all</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                """.formatted(VERSION));
        Path sources = project.resolve("src/main/java").resolve(PACKAGE);
        Files.createDirectories(sources);
        try (Stream<Path> files = Files.list(QUICKSTART)) {
            for (Path f : files.toList()) {
                Files.copy(f, sources.resolve(f.getFileName()));   // unchanged: the README's code, byte for byte
            }
        }
        List<Path> classpath = buildAndResolve(project, "compile");
        assertEquals(new TreeSet<>(Set.of("gips-all", "gips-core", "gips-linux", "gips-macos", "gips-windows",
                "slf4j-api")),
                artifactIds(classpath), "what one dependency on gips-all brings: " + classpath);

        String cp = project.resolve("target/classes") + File.pathSeparator + classpath.stream()
                .map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        Result run = run(project, List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", cp, MAIN));
        assertEquals(0, run.exit, "QuickStart failed:\n" + run);
        List<String> out = run.out.lines().toList();
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
        for (String line : run.err.lines().toList()) {
            assertTrue(line.startsWith("SLF4J(W): "), "unexpected on stderr: " + line + "\n" + run.err);
        }
    }

    @Test
    void bomPicksModulesWithoutVersions() throws Exception {
        Path project = newProject("bom", """
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
                """.formatted(VERSION));
        assertEquals(new TreeSet<>(Set.of("gips-core", "gips-linux", "slf4j-api")),
                artifactIds(buildAndResolve(project)));
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

    /** A project directory with a pom that holds {@code body} and nothing a user would not write. */
    private static Path newProject(String name, String body) throws IOException {
        Path project = WORK.resolve(name);
        if (Files.exists(project)) {
            try (Stream<Path> all = Files.walk(project)) {
                for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(project);
        Files.writeString(project.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>%s</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>22</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                %s
                  <build>
                    <plugins>
                      <plugin>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.3.1</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.13.0</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(name, body));
        // none of the machine's own settings; no network: every remote is this build's local repository
        Files.writeString(project.resolve("settings.xml"), """
                <settings>
                  <localRepository>%s</localRepository>
                  <mirrors>
                    <mirror>
                      <id>this-build</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(REPO, Path.of(System.getProperty("gips.mainRepo")).toUri()));
        return project;
    }

    /** Runs Maven (on this JDK) with {@code goals} and returns the project's runtime class path, in order. */
    private static List<Path> buildAndResolve(Path project, String... goals) throws Exception {
        Path classpathFile = project.resolve("target/classpath.txt");
        List<String> command = new ArrayList<>(List.of(mvn(), "-B", "-q", "-ntp", "-s", "settings.xml",
                "-Dmaven.repo.local=" + REPO));
        command.addAll(Arrays.asList(goals));
        command.addAll(List.of("org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + classpathFile));
        Result build = run(project, command);
        assertEquals(0, build.exit, "the consumer build failed:\n" + build);
        List<Path> classpath = new ArrayList<>();
        for (String entry : Files.readString(classpathFile).strip().split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (!jar.startsWith(REPO)) {
                fail(jar + " does not come from the private repository " + REPO);
            }
            classpath.add(jar);
        }
        return classpath;
    }

    /** The artifactIds of jars in a Maven repository: {@code …/<artifactId>/<version>/<file>.jar}. */
    private static Set<String> artifactIds(List<Path> jars) {
        return jars.stream().map(j -> j.getParent().getParent().getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Result run(Path dir, List<String> command) throws Exception {
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));   // a JDK 22+, as a user would have
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
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
