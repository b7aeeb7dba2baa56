package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.NoSuchServiceException;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connecting on Linux (the contract is the kit's {@code ConnectContract}): what the error says when nobody serves a
 * name, a stale socket file, and a service whose queue of pending connections is full (issue 16 item 7, issue 18
 * item 3). A connect never hangs for good, never holds a virtual thread's carrier and ends when interrupted.
 */
@ExtendWith(LeakCheck.class)
class ConnectTest {
    private static final String NOBODY = ": no service is listening: is the server running? (";

    // ------------------------------------------------------------------------------ nobody serves the name

    @Test
    void aNameNobodyServesIsANoSuchServiceExceptionThatSaysSo() {
        String name = Peers.uniqueName("nobody");
        NoSuchServiceException e = assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name));
        assertEquals("connect \"" + name + "\" (/tmp/" + name + ")" + NOBODY + "ENOENT: No such file or directory)",
                e.getMessage());
        assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(new ServiceDescriptor(name)));
        assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name, Duration.ZERO));
        String abstractName = "\0" + name;
        NoSuchServiceException a = assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(abstractName));
        assertTrue(a.getMessage().startsWith("connect \"\\0" + name + "\"")
                && a.getMessage().endsWith(NOBODY + "ECONNREFUSED: Connection refused)"), a.getMessage());
    }

    @Test
    void aStaleSocketFileOrAFileThatIsNoSocketIsANoSuchServiceException() throws Exception {
        String name = Peers.uniqueName("stale");
        Path file = Path.of("/tmp", name);
        try {
            assertEquals("BOUND", Peers.run(Peers.python("peer.py", "bind-and-exit", file.toString()), Peers.WAIT)
                    .strip());
            assertTrue(Files.exists(file), "the exited server left its socket file");
            NoSuchServiceException e = assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name));
            assertEquals("connect \"" + name + "\" (" + file + ")" + NOBODY + "ECONNREFUSED: Connection refused)",
                    e.getMessage());
            Files.delete(file);
            Files.writeString(file, "not a socket");
            e = assertThrows(NoSuchServiceException.class, () -> Endpoint.connect(name));
            assertTrue(e.getMessage().endsWith(NOBODY + "ECONNREFUSED: Connection refused)"), e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ------------------------------------------------------------------------------- a server starting late

    @Test
    void timedConnectReachesALateServerThatReplacesAStaleSocketFile() throws Exception {
        String name = Peers.uniqueName("late-stale");
        Path file = Path.of("/tmp", name);
        assertEquals("BOUND", Peers.run(Peers.python("peer.py", "bind-and-exit", file.toString()), Peers.WAIT).strip());
        assertTrue(Files.exists(file), "the exited server left its socket file");
        dev.gips.tck.ConnectContract.reachesALateServer(name, Thread.ofVirtual());
    }

    // ---------------------------------------------------------------- a service that stopped accepting

    /**
     * A service that stopped accepting: a socket listening with a backlog of 0 and never accepting, with its queue
     * of pending connections filled by raw non-blocking connects.
     */
    private static final class FullQueue implements AutoCloseable {
        final String name = Peers.uniqueName("full");
        final int listener;
        final List<Integer> queued = new ArrayList<>();

        FullQueue() throws IOException {
            UnixAddress address = UnixAddress.of(name);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = Native.allocateCapture(arena);
                listener = SysSocket.socket(errno, SysSocket.AF_UNIX,
                        SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC, 0);
                assertTrue(listener >= 0, "socket");
                if (SysSocket.bind(errno, listener, address.sockaddr(arena), address.sockaddrLength()) < 0
                        || SysSocket.listen(errno, listener, 0) < 0) {
                    int e = Native.errno(errno);
                    close();
                    throw new IOException("bind/listen " + name + ": " + Errno.describe(e));
                }
                for (int i = 0; i < 16; i++) {
                    int fd = SysSocket.socket(errno, SysSocket.AF_UNIX,
                            SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC | SysSocket.SOCK_NONBLOCK, 0);
                    if (SysSocket.connect(errno, fd, address.sockaddr(arena), address.sockaddrLength()) < 0) {
                        int e = Native.errno(errno);
                        Fds.closeQuietly(fd);
                        assertEquals(Errno.EAGAIN, e, "a raw connect failed with " + Errno.describe(e));
                        assertFalse(queued.isEmpty(), "a backlog of 0 holds one pending connection");
                        return;
                    }
                    queued.add(fd);
                }
                close();
                throw new AssertionError("the queue of a socket listening with a backlog of 0 never filled");
            }
        }

        /** Accepts one pending connection and closes it: room for one more. */
        void acceptOne() {
            int fd = SysSocket.accept4(Native.threadCapture(), listener, MemorySegment.NULL, MemorySegment.NULL,
                    SysSocket.SOCK_CLOEXEC);
            assertTrue(fd >= 0, "accept4");
            Fds.closeQuietly(fd);
        }

        @Override
        public void close() throws IOException {
            queued.forEach(Fds::closeQuietly);
            Fds.closeQuietly(listener); // wakes a blocking connect still waiting (ECONNREFUSED)
            Files.deleteIfExists(Path.of("/tmp", name));
        }
    }

    @Test
    void connectToAFullQueueOnAPlatformThreadParksAndEndsWhenInterrupted() throws Exception {
        interruptEndsAWaitingConnect(Thread.ofPlatform());
    }

    @Test
    void connectToAFullQueueOnAVirtualThreadParksAndEndsWhenInterrupted() throws Exception {
        interruptEndsAWaitingConnect(Thread.ofVirtual());
    }

    private static void interruptEndsAWaitingConnect(Thread.Builder builder) throws Exception {
        try (FullQueue full = new FullQueue()) {
            AtomicReference<Object> outcome = new AtomicReference<>();
            AtomicBoolean interruptKept = new AtomicBoolean();
            Thread t = builder.name("connect-to-full-queue").start(() -> {
                try (Endpoint e = Endpoint.connect(full.name)) {
                    outcome.set("connected");
                } catch (Throwable x) {
                    outcome.set(x);
                }
                interruptKept.set(Thread.currentThread().isInterrupted());
            });
            Peers.awaitBlockedIn(t, "Endpoint.connect", Peers.WAIT);
            awaitParked(t);
            t.interrupt();
            t.join(Peers.WAIT.toMillis());
            assertFalse(t.isAlive(), "connect went on waiting for " + Peers.WAIT + " after it was interrupted");
            InterruptedIOException x = assertInstanceOf(InterruptedIOException.class, outcome.get());
            assertEquals("connect \"" + full.name + "\" (/tmp/" + full.name + "): interrupted while waiting for room"
                    + " in the service's queue of pending connections", x.getMessage());
            assertTrue(interruptKept.get(), "the thread's interrupt status was cleared");
        }
    }

    /** Waits until {@code t} is parked (with a timeout), not running in a system call. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + Peers.WAIT.toNanos();
        while (t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, t + " does not park while it waits to connect: "
                    + t.getState() + " in " + List.of(t.getStackTrace()));
            Thread.onSpinWait();
        }
    }

    @Test
    void timedConnectToAFullQueueFailsWhenItsTimeIsUp() throws Exception {
        try (FullQueue full = new FullQueue()) {
            String where = "connect \"" + full.name + "\" (/tmp/" + full.name + "): ";
            Duration wait = Duration.ofMillis(300);
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> Endpoint.connect(full.name, wait));
            long elapsed = System.nanoTime() - start;
            assertFalse(e instanceof NoSuchServiceException, "the service exists: " + e);
            assertEquals(where + "the service's queue of pending connections is full and had no room before the"
                    + " time was up: it is not accepting connections (EAGAIN: Resource temporarily unavailable)",
                    e.getMessage());
            assertTrue(elapsed >= wait.toNanos(), "gave up after " + elapsed + " ns, before its time was up");
            assertTrue(elapsed < wait.plus(Peers.WAIT).toNanos(), "returned " + elapsed + " ns late");

            e = assertThrows(IOException.class, () -> Endpoint.connect(full.name, Duration.ZERO));
            assertEquals(where + "the service's queue of pending connections is full: it is not accepting"
                    + " connections (EAGAIN: Resource temporarily unavailable)", e.getMessage());
        }
    }

    @Test
    void aConnectWaitingOnAFullQueueGoesThroughOnceTheServiceAcceptsAndLeavesTheSocketBlocking() throws Exception {
        try (FullQueue full = new FullQueue()) {
            FutureTask<SeqpacketEndpoint> connecting = new FutureTask<>(() -> SeqpacketEndpoint.connect(full.name,
                    -1));
            Thread t = Thread.ofVirtual().name("connect-until-room").start(connecting);
            Peers.awaitBlockedIn(t, "SeqpacketEndpoint.connect", Peers.WAIT);
            awaitParked(t);
            full.acceptOne();
            SeqpacketEndpoint endpoint = connecting.get(Peers.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            try {
                // connect works on a non-blocking socket; the endpoint's platform threads wait in the kernel
                int flags = Fcntl.fcntl(Native.threadCapture(), endpoint.pollFd(), Fcntl.F_GETFL, 0);
                assertTrue(flags >= 0, "fcntl(F_GETFL)");
                assertEquals(0, flags & Fcntl.O_NONBLOCK, "the connected socket is left non-blocking");
            } finally {
                endpoint.close();
            }
        }
    }

    /**
     * Three virtual threads waiting in connect on a JVM with one carrier: on the old code the first one held the
     * carrier in {@code connect(2)} and no other virtual thread ever ran again.
     */
    @Test
    void virtualThreadsWaitingOnAFullQueueLeaveTheOnlyCarrierToOthersAndEndWhenInterrupted() throws Exception {
        try (FullQueue full = new FullQueue()) {
            ProcessBuilder pb = Peers.javaChild(ConnectWaiters.class, full.name, "3");
            pb.command().add(1, "-Djdk.virtualThreadScheduler.parallelism=1");
            pb.command().add(2, "-Djdk.virtualThreadScheduler.maxPoolSize=1");
            try (Peers.Running child = Peers.start(pb)) {
                assertEquals("ok connectors=3 other=ran waiting=3 interrupted=3 status-kept=3\n",
                        child.finish(Duration.ofSeconds(90)));
            }
        }
    }
}
