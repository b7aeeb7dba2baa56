package dev.gips.benchmarks.compare;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.shm.Shm;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * The gips peer: a {@link Listener} that serves with {@code accept}/{@code reply}, and an {@link Endpoint} client,
 * both on platform threads or both on virtual threads.
 *
 * <pre>
 * GipsPeer server platform|virtual PATH
 * GipsPeer client platform|virtual PATH WARMUP_MS MEASURE_MS TASK...
 * GipsPeer idle platform PATH SECONDS
 * </pre>
 * With {@code -Dgips.bench.channel=true} both sides allow the shared-memory channel (the library's default); the
 * other rows keep every message on the socket, so that they compare with C over the same socket. {@code idle}: 1,000
 * round trips, then a receive that waits {@code SECONDS} for a message that never comes; prints the CPU time this
 * process used while it waited, in ms, after printing {@code idle} when the wait starts.
 */
public final class GipsPeer {
    private GipsPeer() {}

    /** Runs a server or a client; see the class comment. */
    public static void main(String[] args) throws Exception {
        boolean virtual = args[1].equals("virtual");
        ServiceDescriptor service = new ServiceDescriptor(args[2]).withSharedMemoryChannel(CHANNEL);
        if (args[0].equals("idle")) {
            idle(service, Long.parseLong(args[3]));
            return;
        }
        if (args[0].equals("server")) {
            try (Listener listener = Listener.bind(service); Handle own = ownHandle()) {
                System.out.println("ready");
                System.out.flush();
                on(virtual, () -> {
                    serve(listener, own);
                    return null;
                });
            }
        } else {
            long warmup = Long.parseLong(args[3]);
            long measure = Long.parseLong(args[4]);
            String[] tasks = java.util.Arrays.copyOfRange(args, 5, args.length);
            try (Handle own = ownHandle(); Endpoint endpoint = Endpoint.connect(service)) {
                on(virtual, () -> {
                    Driver.run(new Link() {
                        @Override
                        public void send(byte[] payload, boolean withFd) throws IOException {
                            if (withFd) {
                                endpoint.send(payload, own);
                            } else {
                                endpoint.send(payload);
                            }
                        }

                        @Override
                        public int receive() throws IOException {
                            try (Message m = endpoint.recv()) {
                                return m.payload().length;
                            }
                        }

                        @Override
                        public void close() {
                            endpoint.close();
                        }
                    }, warmup, measure, tasks);
                    return null;
                });
            }
        }
    }

    private static final boolean CHANNEL = Boolean.getBoolean("gips.bench.channel");

    private static void idle(ServiceDescriptor service, long seconds) throws IOException {
        try (Endpoint endpoint = Endpoint.connect(service)) {
            byte[] ping = {'E', 0, 0, 0};
            for (int i = 0; i < 1000; i++) {
                endpoint.send(ping);
                endpoint.recv().close();
            }
            System.out.println("idle");
            System.out.flush();
            long before = cpuNanos();
            endpoint.recv(java.time.Duration.ofSeconds(seconds)).ifPresent(Message::close);
            System.out.println((cpuNanos() - before) / 1e6);
        }
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static void serve(Listener listener, Handle own) throws IOException {
        for (;;) {
            Pod pod = listener.accept();
            try (Message m = pod.message()) {
                byte[] p = m.payload();
                boolean hadFd = !m.handles().isEmpty();
                if (p.length > 0 && p[0] == 'E') {
                    if (hadFd) {
                        pod.reply(p, own);
                    } else {
                        pod.reply(p);
                    }
                } else {
                    Driver.serve(p, hadFd, new Driver.Server() {
                        @Override
                        public void echo(byte[] payload, boolean withFd) throws IOException {
                            pod.reply(payload);
                        }

                        @Override
                        public void send(byte[] payload) throws IOException {
                            pod.reply(payload);
                        }
                    });
                }
            }
        }
    }

    /** A descriptor to pass: a memfd, from an anonymous shared memory region. */
    static Handle ownHandle() throws IOException {
        try (Shm shm = Shm.create(null, 4096)) {
            return Handle.of(shm);
        }
    }

    /** Runs {@code body} on this platform thread or on a new virtual thread, and waits for it. */
    static void on(boolean virtual, Callable<Void> body) throws Exception {
        if (!virtual) {
            body.call();
            return;
        }
        Exception[] failure = new Exception[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                body.call();
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }
}
