package dev.gips.examples.quickstart;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.io.IOException;
import java.time.Duration;

/** README, "Server and client": the Rust crate's basic IPC example. */
final class Echo {
    private Echo() {}

    // tag::server[]
    // Server
    static void server(String name) throws IOException {           // e.g. "com.example.myservice"
        try (Listener listener = Listener.bind(name)) {
            Pod pod = listener.accept();                            // the next message, from any client
            Connection connection = pod.connection();               // Rust: let (connection, message) = pod.split();
            try (Message message = pod.message()) {
                System.out.println("Received: " + new String(message.payload(), UTF_8));
                connection.reply("Hello from server!".getBytes(UTF_8));
            }
        }
    }

    // Client
    static void client(String name) throws IOException {
        try (Endpoint endpoint = Endpoint.connect(name, Duration.ofSeconds(10))) {  // a server may still be starting
            endpoint.send("Hello from client!".getBytes(UTF_8));
            try (Message response = endpoint.recv()) {
                System.out.println("Received: " + new String(response.payload(), UTF_8));
            }
        }
    }
    // end::server[]
}
