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
 * (inline) and 1 MiB (out of band, in a memfd), each filled with its index and carrying one descriptor;
 * {@code soak NAME TOTAL} binds NAME, writes {@code READY}, echoes {@code TOTAL} messages with their handles, writing
 * {@code SERVED n} after every twentieth of them, then keeps serving (so that clients hanging up are noticed) until
 * killed. The kit's {@code PeerMain} has the children of the contract suites.
 */
public final class ChildPeer {
    private ChildPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("stream")) {
            stream(args[1]);
            return;
        }
        if (args.length == 3 && args[0].equals("soak")) {
            soak(args[1], Long.parseLong(args[2]));
            return;
        }
        if (args.length != 2 || !args[0].equals("serve") && !args[0].equals("serve-abstract")) {
            throw new IllegalArgumentException(
                    "usage: serve NAME | serve-abstract NAME | stream NAME | soak NAME TOTAL");
        }
        // classes the server's error paths use, loaded now: here they come from directories, and loading a class
        // from a directory takes a descriptor (from a jar it does not), which a server at its limit lacks
        Class.forName("dev.gips.linux.Errno");
        Class.forName("dev.gips.spi.IoErrors");
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

    private static void soak(String name, long total) throws Exception {
        try (Listener listener = Listener.bind(name)) {
            System.out.println("READY");
            System.out.flush();
            for (long served = 1; ; served++) {
                Pod pod = listener.accept();
                try (Message m = pod.message()) {
                    pod.reply(m.payload(), m.handles().toArray(Handle[]::new));
                }
                if (served <= total && served % (total / 20) == 0) {
                    System.out.println("SERVED " + served);
                    System.out.flush();
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
