package dev.gips.benchmarks;

import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.poll.Event;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import dev.gips.poll.Token;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The Java server of {@link PollThroughput}: one thread, one {@link Poller}, echo. Mode {@code drain} takes a batch
 * per event, until none waits or 64 were taken (the README's pattern); mode {@code one} takes one message per event.
 * Prints "ready" once bound; runs until killed. Arguments: the socket path, the mode, and optionally {@code socket}
 * to turn the shared-memory channel off (it matters only with gips-java clients, {@link PollLoadClient}).
 */
public final class PollLoopServer {
    private PollLoopServer() {}

    public static void main(String[] args) throws Exception {
        boolean drain = args.length > 1 && args[1].equals("drain");
        ServiceDescriptor service = new ServiceDescriptor(args[0])
                .withSharedMemoryChannel(!(args.length > 2 && args[2].equals("socket")));
        try (Poller poller = Poller.create(); Listener listener = Listener.bind(service)) {
            Token token = poller.register(listener, Interest.READABLE);
            Events events = Events.withCapacity(256);
            System.out.println("ready");
            System.out.flush();
            for (;;) {
                poller.poll(events, Duration.ofSeconds(1));
                for (Event event : events) {
                    if (event.token().equals(token)) {
                        Optional<Pod> pod;
                        int taken = 0;
                        do {
                            pod = listener.tryAccept();
                            if (pod.isPresent()) {
                                try (Message m = pod.get().message()) {
                                    pod.get().reply(m.payload());
                                } catch (IOException e) { // the client went away
                                    pod.get().connection().close();
                                }
                            }
                        } while (drain && pod.isPresent() && ++taken < 64);
                    }
                }
            }
        }
    }
}
