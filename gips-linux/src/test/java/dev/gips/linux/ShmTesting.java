package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Names for shared memory tests, and the check that none of them is left in {@code /dev/shm}. */
final class ShmTesting implements AfterAllCallback {
    /** Every region name of this test JVM starts with this, also those its peers create. */
    static final String PREFIX = "gips-shm-test-" + ProcessHandle.current().pid() + "-";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A fresh region name without the leading slash, as a user would often write it. */
    static String name(String tag) {
        return PREFIX + tag + "-" + COUNTER.incrementAndGet();
    }

    /** Entries of {@code /dev/shm} that this test JVM or its peers created. */
    static List<String> leftovers() {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of {@code /proc/self/maps} that map one of our memfds. */
    static long memfdMappings() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("/memfd:gips-shm")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails the test class if it left a region name behind. */
    @Override
    public void afterAll(ExtensionContext context) {
        assertEquals(List.of(), leftovers(), "/dev/shm entries left behind by " + context.getDisplayName());
    }
}
