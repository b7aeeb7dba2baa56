package dev.gips.tck;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A listener served by its own thread: every message is answered with {@code "echo:"} + its payload. Failures of the
 * serving thread are kept and rethrown by {@link #close()}, so a test cannot pass while its server broke.
 */
public final class EchoServer implements AutoCloseable {
    /** What every echo starts with. */
    public static final byte[] PREFIX = "echo:".getBytes(StandardCharsets.UTF_8);

    private final Listener listener;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    /** Starts serving {@code listener}, which {@link #close()} closes. */
    public EchoServer(Listener listener) {
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("echo-server").daemon().start(this::serve);
    }

    /** The echo of {@code payload}. */
    public static byte[] echoOf(byte[] payload) {
        byte[] r = new byte[PREFIX.length + payload.length];
        System.arraycopy(PREFIX, 0, r, 0, PREFIX.length);
        System.arraycopy(payload, 0, r, PREFIX.length, payload.length);
        return r;
    }

    private void serve() {
        try {
            while (!stop) {
                var pod = listener.accept(Duration.ofMillis(100));
                if (pod.isEmpty()) {
                    continue;
                }
                Pod p = pod.get();
                try (Message m = p.message()) {
                    p.reply(echoOf(m.payload()));
                }
            }
        } catch (ClosedChannelException e) {
            if (!stop) {
                failure.set(e);
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    @Override
    public void close() throws Exception {
        stop = true;
        thread.join(10_000);
        listener.close();
        if (thread.isAlive()) {
            throw new AssertionError("echo server thread did not stop");
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("echo server failed", t);
        }
    }
}
