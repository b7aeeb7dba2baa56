package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Message;
import dev.gips.ipc.NoSuchServiceException;
import dev.gips.ipc.ServiceDescriptor;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connecting to a name nobody serves ({@link NoSuchServiceException}, at once or when the time of
 * {@code connect(name, Duration)} is up), and to a service that is still starting: a timed connect waits for a late
 * server and ends when interrupted.
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class ConnectContract {
    private static final String NOBODY = "no service is listening: is the server running?";

    /** The message names the operation and the service and says why; the address and OS error differ per OS. */
    private static void assertNamesTheMissingService(String name, NoSuchServiceException e) {
        assertTrue(e.getMessage().startsWith("connect \"" + name + "\"") && e.getMessage().contains(NOBODY),
                e.getMessage());
    }

    // ------------------------------------------------------------------------------ nobody serves the name

    @Test
    void aNameNobodyServesIsANoSuchServiceException() {
        String name = Peers.uniqueName("nobody");
        assertNamesTheMissingService(name, assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name)));
        assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(new ServiceDescriptor(name)));
        assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name, Duration.ZERO));
    }

    @Test
    void timedConnectToANameNobodyServesGivesUpWhenItsTimeIsUp() {
        String name = Peers.uniqueName("never");
        Duration wait = Duration.ofMillis(300);
        long start = System.nanoTime();
        NoSuchServiceException e = assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name, wait));
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= wait.toNanos(), "gave up after " + elapsed + " ns, before its time was up");
        assertTrue(elapsed < wait.plus(Peers.WAIT).toNanos(), "returned " + elapsed + " ns late");
        assertNamesTheMissingService(name, e);
        assertTrue(e.getMessage().contains("; tried "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" times in 300 ms"), e.getMessage());
    }

    @Test
    void anInterruptEndsATimedConnectWaitingForAServiceToStart() throws Exception {
        String name = Peers.uniqueName("interrupted");
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread t = Thread.ofVirtual().name("waiting-for-a-service").start(() -> {
            try (Endpoint e = Endpoint.connect(name, Duration.ofMinutes(10))) {
                outcome.set("connected");
            } catch (Throwable x) {
                outcome.set(x);
            }
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        Peers.awaitBlockedIn(t, "LockSupport.parkNanos", Peers.WAIT);
        t.interrupt();
        assertTrue(t.join(Peers.WAIT), "connect went on waiting after it was interrupted");
        InterruptedIOException x = assertInstanceOf(InterruptedIOException.class, outcome.get());
        assertEquals("connect \"" + name + "\": interrupted while waiting for the service to start", x.getMessage());
        assertInstanceOf(NoSuchServiceException.class, x.getCause());
        assertTrue(interruptKept.get(), "the thread's interrupt status was cleared");
    }

    // ------------------------------------------------------------------------------- a server starting late

    @Test
    void timedConnectReachesAServerStartedAfterTheClient() throws Exception {
        String name = Peers.uniqueName("late");
        reachesALateServer(name, Thread.ofPlatform());
    }

    /**
     * Starts a client with {@code connect(name, Duration)} on a thread of {@code client}, waits until it has failed
     * once, then starts a server ({@link PeerMain}'s {@code serve}) and checks that the client reached it.
     */
    public static void reachesALateServer(String name, Thread.Builder client) throws Exception {
        FutureTask<Endpoint> connecting = new FutureTask<>(() -> Endpoint.connect(name, Duration.ofSeconds(60)));
        Thread thread = client.name("late-client").start(connecting);
        try {
            // nobody serves yet: the client tried, failed, and waits before it tries again
            Peers.awaitBlockedIn(thread, "LockSupport.parkNanos", Peers.WAIT);
            assertFalse(connecting.isDone());
            try (Peers.Running server = Peers.start(Peers.javaChild(PeerMain.class, "serve", name))) {
                assertEquals("READY", server.nextLine(Peers.WAIT));
                try (Endpoint endpoint = connecting.get(60, TimeUnit.SECONDS)) {
                    assertEquals(server.pid(), endpoint.peerCredentials().pid());
                    endpoint.send("hello".getBytes(UTF_8));
                    try (Message reply = Peers.recvOne(endpoint)) {
                        assertArrayEquals("hello".getBytes(UTF_8), reply.payload());
                    }
                }
            }
        } finally {
            thread.interrupt(); // if the test failed while the client waits
            thread.join(TimeUnit.SECONDS.toMillis(20));
            Peers.deleteServiceFile(name); // the killed server leaves its socket file (Linux)
        }
    }
}
