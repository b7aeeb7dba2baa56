package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.poll.Events;
import dev.gips.poll.Interest;
import dev.gips.poll.Poller;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A recording made with the shipped {@code gips.jfc} during a real exchange (this JVM's endpoint, a child JVM the
 * policy refuses) holds every gips event with the right fields, as JDK Mission Control would show them. Runs as any
 * user: the policy admits this process's uid and, through its validator, this process alone.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class JfrRecordingContract {
    @Test
    void aRecordingShowsConnectsRefusalsMessagesAndPollWaits() throws Exception {
        String name = Peers.uniqueName("jfr");
        long me = ProcessHandle.current().pid();
        Credentials mine = Credentials.currentProcess();
        String uid = mine.uid();
        Path file = Files.createTempFile("gips-", ".jfr");
        Configuration gips;
        long refusedPid;
        try (Reader in = new InputStreamReader(Objects.requireNonNull(
                Listener.class.getResourceAsStream("/dev/gips/gips.jfc")), UTF_8)) {
            gips = Configuration.create(in);
        }
        try (Recording recording = new Recording(gips)) {
            recording.start();
            ServiceDescriptor descriptor = new ServiceDescriptor(name).withAllowedUid(uid)
                    .withCredentialValidator(c -> {
                        if (c.pid() != me) {
                            throw new PermissionDeniedException("only pid " + me + " may connect");
                        }
                    });
            try (Listener listener = Listener.bind(descriptor);
                    Endpoint endpoint = Endpoint.connect(name);
                    Poller poller = Poller.create()) {
                List<Handle> one = Handles.tagged(1);
                List<Handle> two = Handles.tagged(2);
                try {
                    endpoint.send(ByteBuffer.wrap("ping".getBytes(UTF_8)), one);
                    Pod pod = Peers.acceptOne(listener);
                    try (Message m = pod.message()) {
                        assertEquals(1, m.handles().size());
                    }
                    poller.register(endpoint, Interest.READABLE);
                    pod.connection().reply(ByteBuffer.wrap("pong!".getBytes(UTF_8)), two);
                    Events events = Events.withCapacity(8);
                    poller.poll(events, Peers.WAIT);
                    assertFalse(events.isEmpty());
                    try (Message m = Peers.recvOne(endpoint)) {
                        assertEquals(2, m.handles().size());
                    }
                } finally {
                    one.forEach(Handle::close);
                    two.forEach(Handle::close);
                }
                // a client the policy (this process only) refuses: listener.accept admits or refuses while it runs
                try (Peers.Running refused = Peers.start(Peers.javaChild(PeerMain.class, "hold", name))) {
                    refusedPid = refused.pid();
                    long deadline = System.nanoTime() + Peers.WAIT.toNanos();
                    while (refused.isAlive() && System.nanoTime() < deadline) {
                        assertTrue(listener.accept(Duration.ofMillis(100)).isEmpty(), "nothing from a refused client");
                    }
                    // hung up on, whether before its send (EPIPE) or after
                    String out = refused.finish(Peers.WAIT);
                    assertTrue(out.endsWith("EOF\n"), "the refused client was not hung up on: " + out);
                }
            }
            recording.stop();
            recording.dump(file);
        }
        try {
            List<RecordedEvent> all = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("dev.gips.")).toList();

            RecordedEvent connect = one(all, "dev.gips.Connect", e -> name.equals(e.getString("service")));
            Optional<Path> address = Kit.hook().serviceFile(name);
            address.ifPresent(a -> assertEquals(a.toString(), connect.getString("address")));
            assertTrue(connect.getStackTrace() != null, "connects carry a stack trace: who connected");

            RecordedEvent admitted = one(all, "dev.gips.ClientConnected", e -> name.equals(e.getString("service")));
            assertEquals(me, admitted.getLong("pid"));
            assertEquals(uid, admitted.getString("uid"));

            RecordedEvent refused = one(all, "dev.gips.ClientRefused", e -> name.equals(e.getString("service")));
            assertEquals(refusedPid, refused.getLong("pid"));
            assertEquals(uid, refused.getString("uid"));
            assertTrue(refused.getString("groups").startsWith(mine.gidList().get(0)), refused.getString("groups"));
            assertTrue(refused.getString("reason").contains("only pid " + me + " may connect"),
                    refused.getString("reason"));

            RecordedEvent clientSent = one(all, "dev.gips.MessageSent", e -> "client".equals(e.getString("role")));
            assertEquals(name, clientSent.getString("service"));
            assertEquals(4, clientSent.getLong("size"));
            assertEquals(1, clientSent.getInt("handles"));
            assertEquals(0, clientSent.getLong("peerPid"));
            RecordedEvent reply = one(all, "dev.gips.MessageSent", e -> "server".equals(e.getString("role")));
            assertEquals(5, reply.getLong("size"));
            assertEquals(2, reply.getInt("handles"));
            assertEquals(me, reply.getLong("peerPid"));

            RecordedEvent accepted = one(all, "dev.gips.MessageReceived", e -> "server".equals(e.getString("role")));
            assertEquals(name, accepted.getString("service"));
            assertEquals(4, accepted.getLong("size"));
            assertEquals(1, accepted.getInt("handles"));
            assertEquals(me, accepted.getLong("peerPid"));
            RecordedEvent received = one(all, "dev.gips.MessageReceived", e -> "client".equals(e.getString("role")));
            assertEquals(5, received.getLong("size"));
            assertEquals(2, received.getInt("handles"));
            assertFalse(received.getDuration().isNegative());

            RecordedEvent poll = one(all, "dev.gips.PollWait", e -> true);
            assertTrue(poll.getInt("ready") >= 1);
            assertEquals(Peers.WAIT.toNanos(), poll.getDuration("timeout").toNanos());
            assertEquals(1, poll.getInt("registrations"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The one event named {@code type} that matches {@code filter}; fails listing what was recorded. */
    private static RecordedEvent one(List<RecordedEvent> all, String type, Predicate<RecordedEvent> filter) {
        List<RecordedEvent> found = all.stream().filter(e -> e.getEventType().getName().equals(type))
                .filter(filter).toList();
        assertEquals(1, found.size(), () -> type + ": " + found.size() + " matching events; recorded: " + all);
        return found.get(0);
    }
}
