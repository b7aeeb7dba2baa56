package dev.gips.linux;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A gips service started the way systemd starts one, for {@link SystemdActivationTest}:
 * {@code SystemdChild NAME ALLOWED_UID}, run by {@code systemd_launch.py} with the listening socket as descriptor 3.
 *
 * <p>Takes the socket over with {@link Listener#fromSystemd(ServiceDescriptor)} and a policy that admits only
 * ALLOWED_UID, then prints {@code ready listener=… cloexec=… nonblock=… jfr=…}, where the flags describe descriptor 3
 * as {@code /proc/self/fdinfo/3} reports it and whether this JVM has the {@code jdk.jfr} module. Answers every
 * message with {@code "echo:"} + its payload until one says {@code "stop"}, then closes the listener and prints
 * {@code closed fd3=open|closed}. If {@code fromSystemd} refuses, prints {@code refused <message>}. Exits 0 unless
 * something unexpected happened; gives up after 90 s so that it never outlives a failed test.
 */
public final class SystemdChild {
    private SystemdChild() {}

    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;

    public static void main(String[] args) throws Exception {
        ServiceDescriptor service = new ServiceDescriptor(args[0]).withAllowedUid(args[1]);
        Listener listener;
        try {
            listener = Listener.fromSystemd(service);
        } catch (IOException e) {
            say("refused " + e.getMessage());
            return;
        }
        int flags = fdFlags(3);
        say("ready listener=" + listener + " cloexec=" + ((flags & O_CLOEXEC) != 0) + " nonblock="
                + ((flags & O_NONBLOCK) != 0) + " jfr=" + (ModuleLayer.boot().findModule("jdk.jfr").isPresent()
                ? "present" : "absent"));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (listener) {
            while (System.nanoTime() < deadline) {
                Optional<Pod> next = listener.accept(Duration.ofMillis(500));
                if (next.isEmpty()) {
                    continue;
                }
                Pod pod = next.get();
                try (Message m = pod.message()) {
                    String text = new String(m.payload(), StandardCharsets.UTF_8);
                    if (text.equals("stop")) {
                        break;
                    }
                    pod.reply(("echo:" + text).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        say("closed fd3=" + (Files.exists(Path.of("/proc/self/fd/3")) ? "open" : "closed"));
    }

    /** The {@code flags:} of {@code /proc/self/fdinfo/FD}, an octal number. */
    private static int fdFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).strip(), 8);
            }
        }
        throw new IOException("no flags in /proc/self/fdinfo/" + fd);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
