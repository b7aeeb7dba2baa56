package dev.gips.spi;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the probe recognises denied native access however deep a binding buried the linker's
 * {@link IllegalCallerException}, says what to do, and keeps the cause. Runs on any OS: the probe is made for the
 * running one.
 */
class BackendProbeTest {
    private static final BackendProbe HERE = new BackendProbe("ThisOS", List.of(System.getProperty("os.name")),
            "dev.gips.thisos");

    @Test
    void deniedNativeAccessIsRecognisedThroughWrappers() {
        // what a binding throws when its holder class cannot link: the linker's exception, wrapped twice
        Throwable thrown = new AssertionError("native call failed unexpectedly",
                new ExceptionInInitializerError(new IllegalCallerException("Illegal native access from: module x")));
        Throwable why = HERE.run(() -> {
            throw thrown;
        });
        assertInstanceOf(UnsupportedOperationException.class, why);
        assertTrue(why.getMessage().startsWith("native access is denied, so gips cannot call ThisOS: run java with"
                + " --enable-native-access=ALL-UNNAMED"), why.getMessage());
        assertTrue(why.getMessage().contains("--enable-native-access=dev.gips.thisos"), why.getMessage());
        assertSame(thrown, why.getCause());
    }

    @Test
    void otherFailuresAreReportedAsTheyAre() {
        UnsatisfiedLinkError missing = new UnsatisfiedLinkError("libc has no symbol x");
        assertSame(missing, HERE.run(() -> {
            throw missing;
        }));
        assertNull(HERE.run(() -> { }));
    }

    @Test
    void anotherOsIsAWrongPlatformAndNoCallIsMade() {
        BackendProbe elsewhere = new BackendProbe("Elsewhere", List.of("Elsewhere"), "dev.gips.elsewhere");
        Throwable why = elsewhere.run(() -> {
            throw new AssertionError("the probe must not call the OS of another backend");
        });
        assertInstanceOf(BackendProbe.WrongPlatform.class, why);
        assertTrue(why.getMessage().endsWith(", not Elsewhere"), why.getMessage());
    }
}
