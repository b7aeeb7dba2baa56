package dev.gips.tck;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child JVM of {@link VirtualThreadBlockingContract}, run with two carrier threads: two virtual threads block in
 * {@code accept()} on two listeners, then N virtual threads each connect to the parent's service, say "ready" and
 * block in {@code recv()}. If a blocked call held its carrier, the third virtual thread would never run.
 *
 * <p>Args: parent service, control service prefix, N. Prints "replies=N accepts=2".
 */
public final class VirtualThreadClients {
    private VirtualThreadClients() {}

    /** Runs the clients; see the class comment. */
    public static void main(String[] args) throws Exception {
        String service = args[0];
        String control = args[1];
        int n = Integer.parseInt(args[2]);
        AtomicInteger replies = new AtomicInteger();
        AtomicInteger accepts = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Listener l = Listener.bind(control + "-" + i);
            listeners.add(l);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Pod pod = l.accept();
                    if ("go".equals(new String(pod.message().payload(), StandardCharsets.UTF_8))) {
                        accepts.incrementAndGet();
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }));
        }
        for (int i = 0; i < n; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try (Endpoint endpoint = Endpoint.connect(service)) {
                    endpoint.send(("ready " + id).getBytes(StandardCharsets.UTF_8));
                    try (Message reply = endpoint.recv()) {
                        if (("go " + id).equals(new String(reply.payload(), StandardCharsets.UTF_8))) {
                            replies.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        listeners.forEach(Listener::close);
        System.out.println("replies=" + replies.get() + " accepts=" + accepts.get());
    }
}
