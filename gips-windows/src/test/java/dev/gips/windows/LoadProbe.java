package dev.gips.windows;

import dev.gips.spi.Backend;
import java.util.ServiceLoader;

/** Run in a child JVM by {@link BackendLoadingTest}: what core's backend lookup sees, one line per backend. */
public final class LoadProbe {
    private LoadProbe() {}

    /** Prints each backend the ServiceLoader finds, with whether it is supported and why not. */
    public static void main(String[] args) {
        for (Backend b : ServiceLoader.load(Backend.class)) {
            Throwable why = b.unsupportedCause();
            System.out.println("backend " + b.name() + " supported=" + b.isSupported()
                    + " cause=" + (why == null ? "none" : why.getMessage()));
        }
        System.out.println("probe done");
    }
}
