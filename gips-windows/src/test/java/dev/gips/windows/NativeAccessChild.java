package dev.gips.windows;

import dev.gips.ipc.Credentials;

/**
 * Child JVM main for {@link NativeAccessTest}: asks gips for this process's credentials and prints {@code ok}, or
 * what it threw, one {@code class: message} line per exception of the cause chain.
 */
public final class NativeAccessChild {
    private NativeAccessChild() {}

    public static void main(String[] args) {
        try {
            Credentials.currentProcess();
            System.out.println("ok");
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                System.out.println(c.getClass().getName() + ": " + c.getMessage());
            }
        }
    }
}
