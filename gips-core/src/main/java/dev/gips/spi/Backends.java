package dev.gips.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the backend for the running OS, once. */
public final class Backends {
    private Backends() {}

    private static final class Holder {
        static final Backend BACKEND;
        static final RuntimeException FAILURE;

        static {
            Backend found = null;
            List<String> seen = new ArrayList<>();
            Backend broken = null;   // the first backend for this platform that cannot run, if any
            for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
                if (b.isSupported()) {
                    found = b;
                    break;
                }
                Throwable why = b.unsupportedCause();
                seen.add(b.name() + " (" + (why == null ? "unsupported" : why.getMessage()) + ")");
                if (broken == null && !(why instanceof BackendProbe.WrongPlatform)) {
                    broken = b;
                }
            }
            BACKEND = found;
            if (found != null) {
                FAILURE = null;
            } else if (broken != null) {
                // the right jar is there: adding jars would not help, the cause says what would
                Throwable why = broken.unsupportedCause();
                FAILURE = new UnsupportedOperationException("gips' " + broken.name() + " backend cannot run in this"
                        + " JVM: " + (why == null ? "unsupported" : why.getMessage()), why);
            } else {
                FAILURE = new UnsupportedOperationException(
                        "no gips backend supports os.name=" + System.getProperty("os.name")
                                + " os.arch=" + System.getProperty("os.arch")
                                + "; backends on the class path: " + (seen.isEmpty() ? "none" : String.join(", ", seen))
                                + ". Add dev.gips:gips-all (or gips-linux, gips-macos, gips-windows for this OS)"
                                + " to the class path");
            }
        }
    }

    /**
     * The backend for this OS.
     *
     * @throws UnsupportedOperationException naming {@code os.name}, {@code os.arch} and the artifact to add, when
     *         no backend on the class path supports this OS; or, when the backend for this OS cannot run (native
     *         access denied, say), saying what to do, caused by what the backend's probe threw
     */
    public static Backend get() {
        Backend b = Holder.BACKEND;
        if (b == null) {
            // a fresh exception each time, so each caller gets its own stack trace
            throw new UnsupportedOperationException(Holder.FAILURE.getMessage(), Holder.FAILURE.getCause());
        }
        return b;
    }
}
