package dev.gips.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves descriptors open in this process or objects in {@code /dev/shm}: counts
 * {@code /proc/self/fd} and lists {@code /dev/shm} before the class and after it. Process-wide singletons that are
 * created lazily and kept for good (the backend, the two virtual-thread parking pollers, the temp directory of
 * {@link Peers}) are created before the baseline rather than excused afterwards. Hang-ups a listener has not yet
 * noticed and Cleaner work may lag, so the check waits (bounded) for the count to come back.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        warmUp();
        context.getStore(NS).put("fds", Peers.openFds());
        context.getStore(NS).put("shm", shmEntries());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        long fds = context.getStore(NS).get("fds", Long.class);
        @SuppressWarnings("unchecked")
        Set<String> shm = context.getStore(NS).get("shm", Set.class);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((Peers.openFds() > fds || !newShm(shm).isEmpty()) && System.nanoTime() < deadline) {
            System.gc(); // lets a Cleaner close what a test abandoned on purpose
            Thread.sleep(50);
        }
        long now = Peers.openFds();
        if (now > fds) {
            throw new AssertionError(context.getDisplayName() + " leaked " + (now - fds) + " descriptors ("
                    + fds + " before, " + now + " after): " + Peers.describeFds());
        }
        Set<String> left = newShm(shm);
        if (!left.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left in /dev/shm: " + left);
        }
    }

    private static void warmUp() {
        dev.gips.spi.Backends.get();
        ParkingPoller.read();
        ParkingPoller.write();
        Peers.uniqueName("warm-up");
    }

    private static Set<String> newShm(Set<String> before) {
        Set<String> now = shmEntries();
        now.removeAll(before);
        // other test JVMs of other engineers may create objects too: only gips test names of this process count
        String pid = Long.toString(ProcessHandle.current().pid());
        return now.stream().filter(n -> n.contains(pid)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> shmEntries() {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
