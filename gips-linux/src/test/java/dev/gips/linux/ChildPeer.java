package dev.gips.linux;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;

/**
 * The main class of child JVMs that tests start with {@link Peers#javaChild}: {@code serve NAME} binds NAME, writes
 * {@code READY} to stdout and echoes every message until the process is killed.
 */
public final class ChildPeer {
    private ChildPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("serve")) {
            throw new IllegalArgumentException("usage: serve NAME");
        }
        try (Listener listener = Listener.bind(args[1])) {
            System.out.println("READY");
            System.out.flush();
            for (;;) {
                Pod pod = listener.accept();
                try (Message m = pod.message()) {
                    pod.reply(m.payload());
                }
            }
        }
    }
}
