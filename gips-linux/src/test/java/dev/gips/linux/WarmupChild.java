package dev.gips.linux;

import dev.gips.ipc.Endpoint;
import dev.gips.spi.Backends;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child JVM main for {@link WarmupTest}: {@code WarmupChild NAME} finds the backend (whose probe starts the
 * warm-up), waits for the warm-up thread to end if there is one, then connects to NAME as a plain endpoint, sends
 * {@code ping} and exits. It prints {@code main-tid N}, the OS thread id of its main thread, to tell in the JVM's
 * class-loading log which thread linked what.
 */
public final class WarmupChild {
    private WarmupChild() {}

    public static void main(String[] args) throws Exception {
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        Backends.get();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("gips-linux-warmup")) {
                t.join();
            }
        }
        try (Endpoint endpoint = Endpoint.connect(args[0])) {
            endpoint.send("ping".getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("main-tid " + self);
    }
}
