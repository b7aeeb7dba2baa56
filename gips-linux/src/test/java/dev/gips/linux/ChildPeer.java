package dev.gips.linux;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;

/**
 * The main class of child JVMs that tests start with {@link Peers#javaChild}: {@code serve NAME} binds NAME, writes
 * {@code READY} to stdout and echoes every message until the process is killed ({@code serve-abstract NAME} does the
 * same for the abstract socket {@code "\0NAME"}: a command line cannot hold a NUL); {@code stream NAME} connects to
 * NAME, writes {@code READY} and sends messages without end until it is killed: sizes alternate between 64 KiB
 * (inline) and 1 MiB (out of band, in a memfd), each filled with its index and carrying one descriptor.
 */
public final class ChildPeer {
    private ChildPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("stream")) {
            stream(args[1]);
            return;
        }
        if (args.length != 2 || !args[0].equals("serve") && !args[0].equals("serve-abstract")) {
            throw new IllegalArgumentException("usage: serve NAME | serve-abstract NAME | stream NAME");
        }
        try (Listener listener = Listener.bind(args[0].equals("serve") ? args[1] : "\0" + args[1])) {
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

    /** Size of message {@code i} of {@code stream}: the receiver checks every message against this. */
    static int streamSize(long i) {
        return i % 2 == 0 ? 64 * 1024 : 1024 * 1024;
    }

    private static void stream(String name) throws Exception {
        try (Endpoint endpoint = Endpoint.connect(name);
                Handle handle = Handle.ofFileDescriptor(Peers.memfd("stream"))) {
            System.out.println("READY");
            System.out.flush();
            for (long i = 0; ; i++) {
                byte[] payload = new byte[streamSize(i)];
                java.util.Arrays.fill(payload, (byte) i);
                endpoint.send(payload, handle);
            }
        }
    }
}
