package dev.gips.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README never lies: each of its Java blocks is a tagged region of a source file the build compiles (and the
 * adoption test runs), its dependency snippet names this version, and its test command is the one {@code .ci/run}
 * runs.
 */
class ReadmeTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path README = ROOT.resolve("README.md");
    private static final Path QUICKSTART = Path.of("src/main/java/dev/gips/examples/quickstart");
    /** {@code <!-- from PATH#TAG -->} on the line before a {@code ```java} fence. */
    private static final Pattern FROM = Pattern.compile("<!-- from (\\S+)#(\\S+) -->");
    private static final Pattern TAG = Pattern.compile("^\\s*// (tag|end)::([\\w-]+)\\[\\]\\s*$");

    record Block(int line, String from, String tag, String code) {}

    @Test
    void everyJavaBlockIsATaggedRegionOfACompiledSource() throws IOException {
        List<Block> blocks = javaBlocks(Files.readAllLines(README));
        assertFalse(blocks.isEmpty(), "README has no Java blocks");
        for (Block b : blocks) {
            if (b.from == null) {
                fail("README.md:" + b.line + ": a ```java block without <!-- from PATH#TAG --> on the line before");
            }
            String region = region(ROOT.resolve(b.from), b.tag);
            assertEquals(region, b.code, "README.md:" + b.line + " differs from " + b.from + "#" + b.tag);
        }
    }

    @Test
    void everyQuickStartRegionIsShownInTheReadme() throws IOException {
        Set<String> shown = new LinkedHashSet<>();
        for (Block b : javaBlocks(Files.readAllLines(README))) {
            shown.add(Path.of(b.from).getFileName() + "#" + b.tag);
        }
        try (Stream<Path> files = Files.list(QUICKSTART)) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    Matcher m = TAG.matcher(line);
                    if (m.matches() && m.group(1).equals("tag")) {
                        String id = f.getFileName() + "#" + m.group(2);
                        assertTrue(shown.contains(id), id + " is tagged for the README but not shown there");
                    }
                }
            }
        }
    }

    @Test
    void dependencySnippetNamesThisVersion() throws IOException {
        String readme = Files.readString(README);
        String version = System.getProperty("gips.version");
        assertTrue(readme.contains("<artifactId>gips-all</artifactId>"), "README shows no gips-all dependency");
        Matcher m = Pattern.compile("<groupId>dev\\.gips</groupId>\\s*<artifactId>[^<]+</artifactId>\\s*"
                + "<version>([^<]+)</version>").matcher(readme);
        int seen = 0;
        while (m.find()) {
            assertEquals(version, m.group(1), "README names another version of gips: " + m.group());
            seen++;
        }
        assertTrue(seen >= 2, "README shows no gips-all and gips-bom dependency with a version");
    }

    @Test
    void testCommandIsTheOneCiRuns() throws IOException {
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));
        int marker = ci.indexOf("# The README's test command.");
        assertTrue(marker >= 0 && marker + 1 < ci.size(), ".ci/run does not mark the README's test command");
        String command = ci.get(marker + 1).strip().replace(" \"$@\"", "");   // the arguments .ci/run is given
        assertTrue(Files.readString(README).contains("```sh\n" + command + "\n```"),
                "README does not show .ci/run's test command in a block of its own: " + command);
    }

    @Test
    void javadocOverviewStartsWhereTheReadmeStarts() throws IOException {
        List<String> readme = Files.readAllLines(README);
        int first = readme.indexOf("# gips for Java") + 2;
        int end = readme.subList(first, readme.size()).indexOf("") + first;
        String intro = String.join(" ", readme.subList(first, end))
                .replaceAll("\\[([^]]+)]\\([^)]+\\)", "$1").replace("`", "");
        String overview = Files.readString(ROOT.resolve("gips-core/src/main/javadoc/overview.html"));
        Matcher p = Pattern.compile("<p>(.*?)</p>", Pattern.DOTALL).matcher(overview);
        assertTrue(p.find(), "the overview has no paragraph");
        String start = p.group(1).replaceAll("<[^>]+>", "");
        assertEquals(intro.replaceAll("\\s+", " "), start.replaceAll("\\s+", " "),
                "the overview's first paragraph is the README's");
    }

    private static List<Block> javaBlocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals("```java")) {
                continue;
            }
            Matcher from = i > 0 ? FROM.matcher(lines.get(i - 1).strip()) : null;
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).equals("```")) {
                end++;
            }
            String code = String.join("\n", lines.subList(start, end));
            boolean marked = from != null && from.matches();
            blocks.add(new Block(i + 1, marked ? from.group(1) : null, marked ? from.group(2) : null, code));
            i = end;
        }
        return blocks;
    }

    /** The lines between {@code // tag::name[]} and {@code // end::name[]}, without their common indentation. */
    private static String region(Path file, String tag) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> region = null;
        for (String line : lines) {
            Matcher m = TAG.matcher(line);
            if (m.matches() && m.group(2).equals(tag)) {
                if (m.group(1).equals("tag")) {
                    region = new ArrayList<>();
                    continue;
                }
                if (region == null) {
                    break;
                }
                int indent = region.stream().filter(l -> !l.isBlank())
                        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
                return String.join("\n", region.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
            }
            if (region != null) {
                region.add(line);
            }
        }
        throw new AssertionError(file + " has no region " + tag);
    }
}
