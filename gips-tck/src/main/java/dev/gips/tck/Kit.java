package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The kit's entry: the list of its suites, the {@link OsHook} of the backend under test, and, as an extension of
 * every suite, the condition that skips the suite with the hook's reason where it cannot run (the macOS and Windows
 * suites on Linux).
 *
 * <p>A backend runs the kit with one test class that holds a {@link Nested} one-line subclass of every suite, and
 * checks with {@link #assertRunsEverySuite} that none is missing:
 * {@snippet :
 * class LinuxContractTest {
 *     @Test
 *     void runsEverySuiteOfTheKit() {
 *         Kit.assertRunsEverySuite(LinuxContractTest.class);
 *     }
 *
 *     @Nested class Poller extends PollerContract {}
 *     // ... one per suite
 * }
 * }
 */
public final class Kit implements ExecutionCondition {
    /** Constructed by JUnit, through {@code @ExtendWith}. */
    public Kit() {}

    /** Every suite of the kit: each backend runs each of them. */
    public static final List<Class<?>> SUITES = List.of(
            BadInputContract.class,
            BoundedWaitContract.class,
            ChildJvmContract.class,
            ConcurrentAcceptContract.class,
            ConnectContract.class,
            HandleContract.class,
            HandleLeakContract.class,
            JfrRecordingContract.class,
            LifecycleContract.class,
            MessageSemanticsContract.class,
            PeerGoneContract.class,
            PollLoopLoadContract.class,
            PollerContract.class,
            RefusalContract.class,
            RustIpcCasesContract.class,
            ShmContract.class,
            ShmLifetimeContract.class,
            ShmOverIpcContract.class,
            ShmProcessContract.class,
            TryReplyContract.class,
            VirtualThreadBlockingContract.class);

    /**
     * Checks that {@code backendTests} holds a concrete {@link Nested} subclass of every suite in {@link #SUITES},
     * and that the backend's hook loads here, on whatever OS this runs (the macOS and Windows classes on Linux too).
     */
    public static void assertRunsEverySuite(Class<?> backendTests) {
        List<String> run = Arrays.stream(backendTests.getDeclaredClasses())
                .filter(c -> SUITES.contains(c.getSuperclass()))
                .peek(c -> assertTrue(c.isAnnotationPresent(Nested.class) && !Modifier.isAbstract(c.getModifiers())
                        && !Modifier.isStatic(c.getModifiers()), c + " must be a concrete @Nested inner class"))
                .map(c -> c.getSuperclass().getSimpleName())
                .sorted().toList();
        List<String> all = SUITES.stream().map(Class::getSimpleName).sorted(Comparator.naturalOrder()).toList();
        assertEquals(all, run, backendTests.getSimpleName() + " must run every suite of the kit, once");
        assertTrue(hook().name().length() > 0);
        hook().unavailable(); // and the hook says whether it can run here, without failing
    }

    private static final class Holder {
        static final OsHook HOOK = load();

        private static OsHook load() {
            List<OsHook> found = new ArrayList<>();
            ServiceLoader.load(OsHook.class, Kit.class.getClassLoader()).forEach(found::add);
            if (found.size() != 1) {
                throw new IllegalStateException("the contract kit needs exactly one dev.gips.tck.OsHook on the test"
                        + " class path (the backend's, listed in its src/test/resources/META-INF/services), found "
                        + found.stream().map(h -> h.getClass().getName()).toList());
            }
            return found.get(0);
        }
    }

    /** The hook of the backend whose tests run in this JVM. */
    public static OsHook hook() {
        return Holder.HOOK;
    }

    /** Skips the calling test, saying why, if the backend lacks {@code feature}. */
    public static void assumeHas(OsHook.Feature feature) {
        hook().lacks(feature).ifPresent(why -> Assumptions.abort(hook().name() + " lacks " + feature + ": " + why));
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return hook().unavailable()
                .map(why -> ConditionEvaluationResult.disabled(hook().name() + " contract suites skipped: " + why))
                .orElseGet(() -> ConditionEvaluationResult.enabled("runs on " + hook().name()));
    }
}
