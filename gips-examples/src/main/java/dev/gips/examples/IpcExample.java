package dev.gips.examples;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The Rust crate's {@code ipc} example: an echo service and a client, here in two processes. Run without arguments,
 * it binds the service, starts the client as a second JVM, serves it and prints the exchange.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.IpcExample          # both
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.IpcExample server   # serve forever
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.gips.examples.IpcExample client   # one request
 * </pre>
 */
public final class IpcExample {
    static final String SERVICE = "com.example.echo";

    private IpcExample() {}

    /** Runs the server, the client, or (no argument) both in two processes. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "both";
        switch (mode) {
            case "server" -> server(Integer.MAX_VALUE);
            case "client" -> client();
            case "both" -> both();
            default -> {
                System.err.println("usage: IpcExample [server|client]");
                System.exit(2);
            }
        }
    }

    private static void both() throws Exception {
        try (Listener listener = Listener.bind(SERVICE)) {
            System.out.println("server: listening on \"" + SERVICE + "\"");
            Process client = ChildJvm.start(IpcExample.class, "client");
            serve(listener, 1);
            ChildJvm.await(client, "client");
        }
        System.out.println("done");
    }

    private static void server(int requests) throws IOException {
        try (Listener listener = Listener.bind(SERVICE)) {
            System.out.println("server: listening on \"" + SERVICE + "\"");
            serve(listener, requests);
        }
    }

    private static void serve(Listener listener, int requests) throws IOException {
        for (int i = 0; i < requests; i++) {
            Pod pod = listener.accept();
            try (Message message = pod.message()) {
                Credentials who = pod.credentials();
                System.out.println("server: received \"" + text(message.payload()) + "\" from pid " + who.pid()
                        + " (uid " + who.uid() + ", groups " + who.gidList() + ")");
                pod.reply("Hello from server!".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void client() throws IOException {
        long pid = ProcessHandle.current().pid();
        try (Endpoint endpoint = Endpoint.connect(SERVICE)) {
            String request = "Hello from client!";
            System.out.println("client (pid " + pid + "): sending \"" + request + "\"");
            endpoint.send(request.getBytes(StandardCharsets.UTF_8));
            try (Message reply = endpoint.recv()) {
                System.out.println("client (pid " + pid + "): received \"" + text(reply.payload()) + "\"");
            }
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
