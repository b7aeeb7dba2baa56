package dev.gips.examples.quickstart;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs every code block of the README's quick start, each server on its own thread and its clients on others, in
 * one JVM. The adoption test runs this class in a project that depends on nothing but {@code dev.gips:gips-all}.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.quickstart.QuickStart
 * </pre>
 */
public final class QuickStart {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private QuickStart() {}

    /** Runs the quick start; services are named after this process, so that runs side by side do not collide. */
    public static void main(String[] args) throws Exception {
        String prefix = "gips-quickstart-" + ProcessHandle.current().pid() + "-";
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            String echo = prefix + "echo";
            Future<?> server = threads.submit(io(() -> Echo.server(echo)));
            Echo.client(echo);   // connect(name, Duration) waits for the server thread to bind
            finish(server);

            String handles = prefix + "handles";
            try (Listener listener = Listener.bind(handles); Endpoint endpoint = Endpoint.connect(handles)) {
                Handles.send(endpoint);
                Handles.receive(listener);
            }

            String secure = prefix + "secure";
            try (Listener listener = Security.bindForMyUser(secure); Endpoint endpoint = Endpoint.connect(secure)) {
                endpoint.send("hello".getBytes(UTF_8));
                Security.inspect(listener);
            }

            String poll = prefix + "poll";
            int clients = 3;
            server = threads.submit(io(() -> EventLoop.serve(poll, clients)));
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 1; i <= clients; i++) {
                String request = "request " + i;
                sent.add(threads.submit(io(() -> {
                    try (Endpoint endpoint = Endpoint.connect(poll, WAIT)) {   // the server may still be starting
                        endpoint.send(request.getBytes(UTF_8));
                        try (Message reply = endpoint.recv(WAIT).orElseThrow()) {
                            if (!new String(reply.payload(), UTF_8).equals(request)) {
                                throw new IllegalStateException("the poll server echoed something else");
                            }
                        }
                    }
                })));
            }
            for (Future<?> f : sent) {
                finish(f);
            }
            finish(server);
            System.out.println("Event loop served " + clients + " clients");

            String shm = prefix + "shm";
            try (Listener listener = Listener.bind(shm); Endpoint endpoint = Endpoint.connect(shm)) {
                SharedMemory.share(endpoint);
                SharedMemory.receive(listener);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static void finish(Future<?> task) throws Exception {
        try {
            task.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer within " + WAIT, e);
        }
    }

    private interface IoTask {
        void run() throws IOException;
    }

    private static Callable<Void> io(IoTask task) {
        return () -> {
            try {
                task.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        };
    }
}
