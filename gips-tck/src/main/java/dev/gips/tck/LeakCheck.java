package dev.gips.tck;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves OS handles open in this process or shared memory names in the OS: counts
 * {@link OsHook#openHandles()} and lists {@link OsHook#shmNames()} before the class and after it. Process-wide
 * singletons that are created lazily and kept for good (the backend, what {@link OsHook#warmUp()} creates) are
 * created before the baseline rather than excused afterwards. Hang-ups a listener has not yet noticed and Cleaner
 * work may lag, so the check waits (bounded) for the count to come back.
 */
public class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    /** Constructed by JUnit, through {@code @ExtendWith}; a backend may extend it to use it under its own name. */
    public LeakCheck() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        OsHook hook = Kit.hook();
        dev.gips.spi.Backends.get();
        hook.warmUp();
        Peers.uniqueName("warm-up");
        context.getStore(NS).put("handles", hook.openHandles());
        context.getStore(NS).put("shm", new TreeSet<>(hook.shmNames()));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        OsHook hook = Kit.hook();
        long handles = context.getStore(NS).get("handles", Long.class);
        @SuppressWarnings("unchecked")
        Set<String> shm = context.getStore(NS).get("shm", Set.class);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((hook.openHandles() > handles || !newShm(hook, shm).isEmpty()) && System.nanoTime() < deadline) {
            System.gc(); // lets a Cleaner close what a test abandoned on purpose
            Thread.sleep(50);
        }
        if (handles == OsHook.NOT_COUNTED) {
            context.publishReportEntry("handles", hook.name() + " does not count handles: no leak check of them");
        }
        long now = hook.openHandles();
        if (now > handles) {
            throw new AssertionError(context.getDisplayName() + " leaked " + (now - handles) + " handles ("
                    + handles + " before, " + now + " after): " + hook.describeHandles());
        }
        Set<String> left = newShm(hook, shm);
        if (!left.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left shared memory names: " + left);
        }
    }

    private static Set<String> newShm(OsHook hook, Set<String> before) {
        Set<String> now = new TreeSet<>(hook.shmNames());
        now.removeAll(before);
        return now;
    }
}
