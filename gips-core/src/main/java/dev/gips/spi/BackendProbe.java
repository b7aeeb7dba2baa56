package dev.gips.spi;

import java.util.List;
import java.util.Objects;

/**
 * The check every backend makes once, before anything touches its bindings: the OS and architecture from system
 * properties, then one native call that links the first binding, so that denied native access shows up in
 * {@link Backend#unsupportedCause()} rather than in the middle of an application's call.
 *
 * @param osLabel    the OS as messages name it ({@code "Linux"})
 * @param osPrefixes the {@code os.name} prefixes that mean this OS
 * @param module     the backend's module name, for the {@code --enable-native-access} hint
 */
public record BackendProbe(String osLabel, List<String> osPrefixes, String module) {
    /** The architectures every backend supports. */
    private static final List<String> ARCHES = List.of("amd64", "x86_64", "aarch64");

    /** A native call that links the backend's first bindings. */
    @FunctionalInterface
    public interface FirstCall {
        /** Makes the call. */
        void run() throws Throwable;
    }

    /**
     * Why a backend is not for the running JVM: another OS or architecture. {@link Backends} tells this apart from a
     * backend that is for this platform but cannot run (native access denied, say), whose cause it reports as is.
     */
    public static final class WrongPlatform extends UnsupportedOperationException {
        private static final long serialVersionUID = 1L;

        /** With the message that names the property and its value. */
        public WrongPlatform(String message) {
            super(message);
        }
    }

    /** Validates and copies the arguments. */
    public BackendProbe {
        Objects.requireNonNull(osLabel, "osLabel");
        osPrefixes = List.copyOf(osPrefixes);
        Objects.requireNonNull(module, "module");
    }

    /** Why a JVM with these {@code os.name} and {@code os.arch} cannot use the backend; {@code null} if it may. */
    public WrongPlatform platformProblem(String os, String arch) {
        if (osPrefixes.stream().noneMatch(os::startsWith)) {
            return new WrongPlatform("os.name is " + os + ", not " + osLabel);
        }
        if (!ARCHES.contains(arch)) {
            return new WrongPlatform("os.arch " + arch + " is not x86_64 or aarch64");
        }
        return null;
    }

    /**
     * Checks the running JVM: its platform, then {@code firstCall}, which runs only on the right platform.
     *
     * @return why the backend cannot run here, or {@code null} if it can; never throws. When native access is
     *         denied, an {@link UnsupportedOperationException} that says how to enable it, caused by what the first
     *         call threw.
     */
    public Throwable run(FirstCall firstCall) {
        Throwable platform = platformProblem(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        if (platform != null) {
            return platform;
        }
        try {
            firstCall.run();
            return null;
        } catch (Throwable t) {
            // the linker throws IllegalCallerException, which arrives wrapped: the first call links in a holder
            // class's initializer (ExceptionInInitializerError), and a binding may wrap that in turn
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof IllegalCallerException) {
                    return new UnsupportedOperationException(nativeAccessDenied(), t);
                }
            }
            return t;
        }
    }

    /** What a user must do when the JVM denies gips native access. */
    private String nativeAccessDenied() {
        return "native access is denied, so gips cannot call " + osLabel + ": run java with"
                + " --enable-native-access=ALL-UNNAMED (gips on the class path) or --enable-native-access=" + module
                + " (on the module path); an executable jar can say \"Enable-Native-Access: ALL-UNNAMED\" in its"
                + " manifest";
    }
}
