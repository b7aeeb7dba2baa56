package dev.gips.macos;

import dev.gips.spi.Backend;
import java.util.ServiceLoader;

/** Child JVM main: loads every backend as core does and prints what each says about itself. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        for (Backend b : ServiceLoader.load(Backend.class)) {
            Throwable why = b.unsupportedCause();
            System.out.println("backend " + b.name() + " supported=" + b.isSupported() + " cause="
                    + (why == null ? "none" : why.getClass().getSimpleName() + ": " + why.getMessage()));
        }
    }
}
