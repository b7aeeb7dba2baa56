package dev.gips.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.PermissionDeniedException;
import dev.gips.ipc.Pod;
import dev.gips.ipc.Policy;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java counterpart of the cases in gips 0.2.0's {@code tests/ipc.rs}, adapted where DESIGN.md differs: a
 * refused client is disconnected (its {@code recv} ends with {@link EOFException}) and {@code accept()} keeps serving;
 * it never throws. The shared memory cases are {@link ShmOverIpcContract}; those that need a second user are each
 * backend's own (Linux: {@code RustIpcOtherUserTest}).
 */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class RustIpcCasesContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }



    /** A client that sends one message and gets the reply: the policy admitted it. */
    private static void assertAdmitted(Listener listener, String name) throws IOException {
        try (Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("knock"));
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("knock"), m.payload());
                pod.reply(bytes("welcome"));
            }
            try (Message reply = Peers.recvOne(client)) {
                assertArrayEquals(bytes("welcome"), reply.payload());
            }
        }
    }

    /**
     * A client that connects and sends is refused: its message is never delivered, {@code accept} does not throw,
     * and the client sees the service hang up.
     */
    private static void assertRefused(Listener listener, String name) throws IOException {
        try (Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("knock"));
            Optional<Pod> delivered = listener.accept(Duration.ofMillis(200));
            assertTrue(delivered.isEmpty(), "a refused client's message was delivered");
            assertThrows(EOFException.class, () -> client.recv(WAIT));
        }
    }

    // ------------------------------------------------------------------------------------------------ basic

    @Test
    void basic_usage() throws IOException {
        String name = Peers.uniqueName("basic");
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            client.send(bytes("Hello from client!"));
            Pod pod = Peers.acceptOne(listener);
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("Hello from client!"), m.payload());
                assertTrue(m.handles().isEmpty(), "no objects were sent");
                pod.reply(bytes("Hello from server!"));
            }
            try (Message reply = Peers.recvOne(client)) {
                assertArrayEquals(bytes("Hello from server!"), reply.payload());
                assertTrue(reply.handles().isEmpty());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ policy

    @Test
    void acl_policy_allow_current_uid() throws IOException {
        String name = Peers.uniqueName("allow-uid");
        String uid = Credentials.currentProcess().uid();
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedUid(uid))) {
            assertAdmitted(listener, name);
        }
    }

    @Test
    void acl_policy_allow_current_gid() throws IOException {
        String name = Peers.uniqueName("allow-gid");
        String gid = Credentials.currentProcess().gidList().get(0);
        try (Listener listener = Listener.bind(new ServiceDescriptor(name).withAllowedGroup(gid))) {
            assertAdmitted(listener, name);
        }
    }

    @Test
    void acl_policy_custom_validator() throws IOException {
        long myPid = ProcessHandle.current().pid();
        String admitting = Peers.uniqueName("validator-yes");
        try (Listener listener = Listener.bind(new ServiceDescriptor(admitting).withCredentialValidator(c -> {
            if (c.pid() != myPid) {
                throw new PermissionDeniedException("pid " + c.pid() + " is not " + myPid);
            }
        }))) {
            assertAdmitted(listener, admitting);
        }
        String refusing = Peers.uniqueName("validator-no");
        try (Listener listener = Listener.bind(new ServiceDescriptor(refusing).withCredentialValidator(c -> {
            if (c.pid() == myPid) {
                throw new PermissionDeniedException("pid " + c.pid() + " may not connect");
            }
        }))) {
            assertRefused(listener, refusing);
        }
        // a validator failing with a plain IOException or a RuntimeException refuses too, and accept() survives
        String broken = Peers.uniqueName("validator-broken");
        try (Listener listener = Listener.bind(new ServiceDescriptor(broken).withCredentialValidator(c -> {
            throw new IOException("directory service unreachable");
        }))) {
            assertRefused(listener, broken);
        }
        String throwing = Peers.uniqueName("validator-throws");
        try (Listener listener = Listener.bind(new ServiceDescriptor(throwing).withCredentialValidator(c -> {
            throw new IllegalStateException("bug in validator");
        }))) {
            assertRefused(listener, throwing);
        }
    }

    @Test
    void acl_policy_validator_failures_are_permission_denied() throws IOException {
        Credentials me = Credentials.currentProcess();
        IOException cause = new IOException("directory service unreachable");
        PermissionDeniedException e = assertThrows(PermissionDeniedException.class,
                () -> new Policy().withCredentialValidator(c -> {
                    throw cause;
                }).check(me));
        assertSame(cause, e.getCause());
        PermissionDeniedException r = assertThrows(PermissionDeniedException.class,
                () -> new Policy().withCredentialValidator(c -> {
                    throw new IllegalStateException("bug");
                }).check(me));
        assertInstanceOf(IllegalStateException.class, r.getCause());
        PermissionDeniedException own = new PermissionDeniedException("mine");
        PermissionDeniedException wrapped = assertThrows(PermissionDeniedException.class,
                () -> new Policy().withCredentialValidator(c -> {
                    throw own;
                }).check(me));
        assertSame(own, wrapped.getCause()); // wrapped too, so that the message names the client
        assertTrue(wrapped.getMessage().contains("pid " + me.pid()) && wrapped.getMessage().contains("mine"),
                wrapped.getMessage());
    }

    @Test
    void acl_policy_rules_match_user_names() throws Exception {
        // a user name matches like its id
        String me = System.getProperty("user.name");
        String byName = Peers.uniqueName("uid-by-name");
        try (Listener listener = Listener.bind(new ServiceDescriptor(byName).withAllowedUid(me))) {
            assertAdmitted(listener, byName);
        }
    }

    @Test
    void acl_policy_combined_constraints() throws IOException {
        Credentials me = Credentials.currentProcess();
        String uid = me.uid();
        String gid = me.gidList().get(0);
        long myPid = ProcessHandle.current().pid();
        String otherUid = Kit.hook().unusedUserId(List.of(uid));
        String otherGid = Kit.hook().unusedGroupId(me.gidList());
        record Case(String tag, String uid, String gid, boolean validatorPasses, boolean admitted) {}
        List<Case> cases = List.of(
                new Case("all-pass", uid, gid, true, true),
                new Case("uid-fails", otherUid, gid, true, false),
                new Case("gid-fails", uid, otherGid, true, false),
                new Case("validator-fails", uid, gid, false, false));
        for (Case c : cases) {
            String name = Peers.uniqueName("combined-" + c.tag());
            ServiceDescriptor d = new ServiceDescriptor(name).withAllowedUid(c.uid()).withAllowedGroup(c.gid())
                    .withCredentialValidator(cred -> {
                        if (!c.validatorPasses() || cred.pid() != myPid) {
                            throw new PermissionDeniedException("validator refuses pid " + cred.pid());
                        }
                    });
            assertFalse(d.policy().isUnrestricted());
            try (Listener listener = Listener.bind(d)) {
                if (c.admitted()) {
                    assertAdmitted(listener, name);
                } else {
                    assertRefused(listener, name);
                }
            }
        }
    }

    @Test
    void acl_policy_unrestricted() throws IOException {
        assertTrue(new Policy().isUnrestricted());
        String name = Peers.uniqueName("unrestricted");
        ServiceDescriptor d = new ServiceDescriptor(name);
        assertTrue(d.policy().isUnrestricted(), "a descriptor's default policy is unrestricted");
        try (Listener listener = Listener.bind(d)) {
            assertTrue(listener.descriptor().policy().isUnrestricted());
            assertAdmitted(listener, name);
        }
    }

    @Test
    void acl_policy_credentials_available() throws Exception {
        String name = Peers.uniqueName("credentials");
        Credentials me = Credentials.currentProcess();
        assertEquals(ProcessHandle.current().pid(), me.pid());
        try (Listener listener = Listener.bind(name)) {
            // a client in this process
            try (Endpoint client = Endpoint.connect(name)) {
                client.send(bytes("who am i"));
                Pod pod = Peers.acceptOne(listener);
                pod.message().close();
                assertEquals(me, pod.credentials());
                assertEquals(me, pod.connection().credentials());
                assertEquals(me, client.peerCredentials(), "the client sees the server's credentials");
            }
        }
    }

    @Test
    void acl_policy_try_accept_with_policy() throws IOException {
        String uid = Credentials.currentProcess().uid();
        String allowed = Peers.uniqueName("try-allow");
        try (Listener listener = Listener.bind(new ServiceDescriptor(allowed).withAllowedUid(uid));
                Endpoint client = Endpoint.connect(allowed)) {
            assertTrue(listener.tryAccept().isEmpty(), "nothing sent yet");
            client.send(bytes("non-blocking"));
            // connect and sendmsg have returned: the connection and its message are queued in the kernel
            Pod pod = listener.tryAccept().orElseThrow(() -> new AssertionError("tryAccept missed a queued message"));
            try (Message m = pod.message()) {
                assertArrayEquals(bytes("non-blocking"), m.payload());
                pod.reply(bytes("ok"));
            }
            try (Message reply = Peers.recvOne(client)) {
                assertArrayEquals(bytes("ok"), reply.payload());
            }
        }
        String denied = Peers.uniqueName("try-deny");
        String otherUid = Kit.hook().unusedUserId(List.of(uid));
        try (Listener listener = Listener.bind(new ServiceDescriptor(denied).withAllowedUid(otherUid));
                Endpoint client = Endpoint.connect(denied)) {
            client.send(bytes("non-blocking"));
            assertTrue(listener.tryAccept().isEmpty(), "a refused client's message was delivered by tryAccept");
            assertThrows(EOFException.class, () -> client.recv(WAIT));
            assertTrue(listener.tryAccept().isEmpty());
        }
    }

    // -------------------------------------------------------------------------------------------- concurrency

    /** Runs {@code clients} tasks on their own threads, all released at once; returns when all finished. */
    private static void runClients(int clients, Callable<Void> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(task));
            }
            for (Future<Void> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Connects, sends {@code messages} requests and checks that each reply echoes its own request. */
    private static void converse(String name, String who, int messages) throws IOException {
        try (Endpoint client = Endpoint.connect(name)) {
            for (int j = 0; j < messages; j++) {
                byte[] request = bytes(who + " message " + j);
                client.send(request);
                try (Message reply = Peers.recvOne(client)) {
                    assertArrayEquals(EchoServer.echoOf(request), reply.payload(),
                            () -> who + " got " + new String(reply.payload(), UTF_8));
                }
            }
        }
    }

    @Test
    void multiple_concurrent_clients() throws Exception {
        String name = Peers.uniqueName("concurrent");
        try (EchoServer server = new EchoServer(Listener.bind(name))) {
            CyclicBarrier start = new CyclicBarrier(10);
            var ids = new java.util.concurrent.atomic.AtomicInteger();
            runClients(10, () -> {
                String who = "client-" + ids.getAndIncrement();
                try (Endpoint client = Endpoint.connect(name)) {
                    start.await(30, TimeUnit.SECONDS);
                    byte[] request = bytes("request from " + who);
                    client.send(request);
                    try (Message reply = Peers.recvOne(client)) {
                        assertArrayEquals(EchoServer.echoOf(request), reply.payload());
                    }
                }
                return null;
            });
        }
    }

    @Test
    void rapid_connection_burst() throws Exception {
        String name = Peers.uniqueName("burst");
        try (EchoServer server = new EchoServer(Listener.bind(name))) {
            CyclicBarrier start = new CyclicBarrier(20);
            var ids = new java.util.concurrent.atomic.AtomicInteger();
            runClients(20, () -> {
                String who = "burst-" + ids.getAndIncrement();
                start.await(30, TimeUnit.SECONDS); // all connect within microseconds of each other
                converse(name, who, 1);
                return null;
            });
        }
    }

    @Test
    void sequential_connections() throws Exception {
        String name = Peers.uniqueName("sequential");
        try (Listener listener = Listener.bind(name)) {
            List<Object> connections = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] request = bytes("sequential client " + i);
                try (Endpoint client = Endpoint.connect(name)) {
                    client.send(request);
                    Pod pod = Peers.acceptOne(listener);
                    try (Message m = pod.message()) {
                        assertArrayEquals(request, m.payload());
                        pod.reply(EchoServer.echoOf(m.payload()));
                    }
                    for (Object earlier : connections) {
                        assertNotEquals(earlier, pod.connection(), "each client has its own connection");
                    }
                    connections.add(pod.connection());
                    try (Message reply = Peers.recvOne(client)) {
                        assertArrayEquals(EchoServer.echoOf(request), reply.payload());
                    }
                }
            }
            // every client hung up; the listener closes their connections as it notices
            assertTrue(listener.accept(Duration.ofMillis(50)).isEmpty());
            for (Object c : connections) {
                assertFalse(((dev.gips.ipc.Connection) c).isOpen(), "a hung-up client's connection stays open");
            }
        }
    }

    @Test
    void multiple_clients_multiple_messages() throws Exception {
        String name = Peers.uniqueName("many-messages");
        try (EchoServer server = new EchoServer(Listener.bind(name))) {
            CyclicBarrier start = new CyclicBarrier(5);
            var ids = new java.util.concurrent.atomic.AtomicInteger();
            runClients(5, () -> {
                String who = "client-" + ids.getAndIncrement();
                start.await(30, TimeUnit.SECONDS);
                converse(name, who, 10);
                return null;
            });
        }
    }
}
