package dev.gips.examples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The second process of an example: another JVM running one of these classes, with this JVM's {@code java}, class
 * path and {@code --enable-native-access}, its output mixed into this one's.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** Starts {@code main} with {@code args} in a new JVM. */
    static Process start(Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).inheritIO().start();
    }

    /**
     * Waits for {@code process} to exit.
     *
     * @throws IllegalStateException naming {@code who} if it exited with a status other than 0
     */
    static void await(Process process, String who) throws InterruptedException {
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(who + " exited with " + exit);
        }
    }
}
