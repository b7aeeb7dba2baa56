package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link Warmup}: in a fresh JVM (a child) that only connects, the warm-up thread links the calls every endpoint
 * makes, and none of those only a listener makes; with {@code -Dgips.warmup=false} the caller's thread links them
 * all. Which thread linked a call shows in the JVM's class-loading log: a binding's holder class loads when it is
 * linked.
 */
class WarmupTest {
    private static final Duration START = Duration.ofSeconds(60);   // a JVM starting on a busy 2-core machine

    /** Holder classes of calls that every listener and every endpoint makes: the warm-up links these. */
    private static final List<String> COMMON = List.of("SysStat$Statx", "SysSocket$Bind", "SysMman$Mmap",
            "SysSocket$Getsockopt", "SysSocket$Sendmsg", "SysMman$Munmap");
    /** Holder classes of calls only a listener makes: an endpoint's warm-up must not link them. */
    private static final List<String> LISTENER_ONLY = List.of("Unistd$Geteuid", "Fcntl$Openat", "SysSocket$Listen",
            "SysEpoll$EpollCtl", "SysSocket$Accept4");

    private static final Pattern LOADED = Pattern.compile("^\\[(\\d+)\\] dev\\.gips\\.linux\\.(\\S+) source:");

    /** Runs the child against a listener of ours; returns holder class → the ids of the threads that loaded it. */
    private static Map<String, List<String>> child(String... options) throws Exception {
        String name = Peers.uniqueName("warmup");
        // a file that does not exist yet: the JVM would keep an existing one as <file>.0
        Path dir = Files.createTempDirectory("gips-warmup");
        Path log = dir.resolve("class-load.log");
        try (Listener listener = Listener.bind(name)) {
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    // two CPUs whatever this machine has: the warm-up runs only with more than one
                    "-XX:ActiveProcessorCount=2", "-Xlog:class+load=info:file=" + log + ":tid"));
            cmd.addAll(List.of(options));
            cmd.addAll(List.of("-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    WarmupChild.class.getName(), name));
            String out;
            try (Peers.Running child = Peers.start(new ProcessBuilder(cmd))) {
                out = child.finish(START);
            }
            Pod pod = listener.accept();
            assertEquals("ping", new String(pod.message().payload(), StandardCharsets.UTF_8));
            Matcher main = Pattern.compile("main-tid (\\d+)").matcher(out);
            assertTrue(main.find(), "the child printed no main-tid: " + out);
            Map<String, List<String>> loaders = new HashMap<>();
            for (String line : Files.readAllLines(log)) {
                Matcher m = LOADED.matcher(line);
                if (m.find()) {
                    loaders.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(m.group(1));
                }
            }
            loaders.put("main", List.of(main.group(1)));
            return loaders;
        } finally {
            Files.deleteIfExists(log);
            Files.delete(dir);
        }
    }

    @Test
    void anEndpointsWarmupLinksTheCommonCallsAndNoneOfAListenersOwn() throws Exception {
        Map<String, List<String>> loaders = child();
        String main = loaders.get("main").get(0);
        for (String holder : COMMON) {
            List<String> by = loaders.get(holder);
            assertTrue(by != null && by.size() == 1 && !by.get(0).equals(main),
                    holder + " should be linked once, by the warm-up thread, not main (" + main + "): " + by);
        }
        for (String holder : LISTENER_ONLY) {
            assertEquals(null, loaders.get(holder), holder + " is a listener's call: an endpoint never links it");
        }
    }

    @Test
    void withoutWarmupTheCallersThreadLinksEverything() throws Exception {
        Map<String, List<String>> loaders = child("-Dgips.warmup=false");
        String main = loaders.get("main").get(0);
        for (String holder : COMMON) {
            assertEquals(List.of(main), loaders.get(holder), holder + " should be linked by main");
        }
    }
}
