package dev.gips.linux;

import dev.gips.ipc.Listener;

/**
 * Child JVM main for {@link NativeAccessTest}: {@code NativeAccessChild NAME} binds NAME and prints {@code bound}, or
 * prints what {@code bind} threw, one {@code class: message} line per exception of the cause chain.
 */
public final class NativeAccessChild {
    private NativeAccessChild() {}

    public static void main(String[] args) {
        try (Listener listener = Listener.bind(args[0])) {
            System.out.println("bound");
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                System.out.println(c.getClass().getName() + ": " + c.getMessage());
            }
        }
    }
}
