package dev.gips.examples.quickstart;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** README, "Event-driven server": one thread and a poller serve every client. */
final class EventLoop {
    private EventLoop() {}

    // tag::poll[]
    static void serve(String name, int requests) throws IOException {
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(name)) {
            Token token = poller.register(listener, Interest.READABLE);
            Events events = Events.withCapacity(128);
            int served = 0;
            while (served < requests) {
                poller.poll(events, Duration.ofSeconds(1));
                for (Event event : events) {
                    if (event.token().equals(token) && event.isReadable()) {
                        for (int batch = 0; batch < 64; batch++) {      // one source for all clients: a batch
                            Optional<Pod> next = listener.tryAccept();
                            if (next.isEmpty()) {
                                break;                                  // the rest comes with the next event
                            }
                            Pod pod = next.get();
                            try (Message message = pod.message()) {
                                if (!pod.tryReply(message.payload())) { // echo, never blocking the loop
                                    pod.connection().close();           // a client that does not read its replies
                                }
                            }
                            served++;
                        }
                    }
                }
            }
        }
    }
    // end::poll[]
}
