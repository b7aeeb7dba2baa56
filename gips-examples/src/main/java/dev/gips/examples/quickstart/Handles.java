package dev.gips.examples.quickstart;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.shm.Shm;
import java.io.IOException;

/** README, "Handles": OS objects travel with messages; who owns them when. */
final class Handles {
    private Handles() {}

    // tag::handles[]
    // Sender: send() passes copies, so the sender still owns (and closes) its handles
    static void send(Endpoint endpoint) throws IOException {
        try (Shm region = Shm.create(null, 4096); Handle handle = Handle.of(region)) {
            endpoint.send("one handle".getBytes(UTF_8), handle);
        }
    }

    // Receiver: received handles belong to the message until taken; closing it closes the rest
    static void receive(Listener listener) throws IOException {
        Pod pod = listener.accept();
        try (Message message = pod.message()) {
            for (Handle handle : message.handles()) {
                System.out.println("Received a " + handle.kind());  // FILE_DESCRIPTOR on Linux
            }
        }
    }
    // end::handles[]
}
