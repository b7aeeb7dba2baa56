package dev.gips.macos;

import dev.gips.tck.OsHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * What the contract kit needs from macOS. Loads on any OS and calls nothing native: the suites run only where
 * {@link #unavailable()} is empty, on a Mac.
 *
 * <p>Handles counted are file descriptors ({@code /dev/fd}: kqueues, named regions), not Mach ports: the JVM's
 * threads hold ports of their own (a thread port, a reply port for MIG calls), created and released as threads come
 * and go, so a count of port names would report thread churn as leaks.
 */
public final class MacosHook implements OsHook {
    /** Constructed by {@link java.util.ServiceLoader}. */
    public MacosHook() {}

    @Override
    public String name() {
        return "macOS";
    }

    @Override
    public Optional<String> unavailable() {
        String os = System.getProperty("os.name", "");
        return os.startsWith("Mac") ? Optional.empty()
                : Optional.of("the macOS backend runs on macOS only (os.name=" + os + ")");
    }

    @Override
    public long openHandles() {
        try (Stream<Path> s = Files.list(Path.of("/dev/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describeHandles() {
        try (Stream<Path> s = Files.list(Path.of("/dev/fd"))) {
            return "file descriptors " + s.map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.joining(", "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every blocking receive waits in {@code mach_msg} on the object's port set ({@code Mailbox.receive}). */
    @Override
    public String blockedFrame(Blocking call) {
        return "MachMessage.mach_msg";
    }

    @Override
    public ProcessBuilder javaChildAsOtherUser(Class<?> main, String... args) {
        Assumptions.abort("no second user on macOS in these tests: they run one only on Linux (setpriv, as root)");
        throw new AssertionError("unreachable");
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

    @Override
    public Optional<String> lacks(Feature feature) {
        return feature == Feature.WRITABLE_ONLY_WITH_ROOM
                ? Optional.of("a Connection always reports WRITABLE: Mach has no \"queue has room\" event (README,"
                        + " macOS details)")
                : Optional.empty();
    }
}
