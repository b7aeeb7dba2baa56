package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Pod;
import dev.gips.poll.Events;
import dev.gips.poll.Poller;
import dev.gips.shm.Shm;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 18, item 9: errors a newcomer reads. A call on a closed object says which object (the JDK's
 * {@link ClosedChannelException} has no message: {@code null}); a name too long for {@code sun_path} is printed once.
 */
@ExtendWith(LeakCheck.class)
class ErrorMessagesTest {

    @Test
    void callsAfterCloseNameTheClosedObject() throws Exception {
        String name = Peers.uniqueName("closed-msg");
        String path = "/tmp/" + name;
        Listener listener = Listener.bind(name);
        Endpoint endpoint = Endpoint.connect(name);
        endpoint.send("hello".getBytes(UTF_8));
        Pod pod = Peers.acceptOne(listener);
        pod.message().close();
        Connection connection = pod.connection();

        connection.close();
        assertClosed("Connection of pid " + ProcessHandle.current().pid() + " (uid " + Unistd.geteuid() + ") to \""
                + name + "\": closed", () -> connection.reply(new byte[1]));
        endpoint.close();
        assertClosed("Endpoint \"" + name + "\" (" + path + "): closed", endpoint::recv);
        assertClosed("Endpoint \"" + name + "\" (" + path + "): closed", () -> endpoint.send(new byte[1]));
        listener.close();
        assertClosed("Listener \"" + name + "\" (" + path + "): closed", () -> listener.accept(Duration.ZERO));

        Poller poller = Poller.create();
        poller.close();
        assertClosed("Poller: closed", () -> poller.poll(Events.withCapacity(1), Duration.ZERO));

        Shm shm = Shm.create(null, 4096);
        shm.close();
        assertClosed("shared memory region (anonymous) is closed", shm::remap);
    }

    @Test
    void aNameTooLongForSunPathIsPrintedOnce() {
        String name = "n".repeat(200);
        for (Executable op : new Executable[] {() -> Listener.bind(name), () -> Endpoint.connect(name)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
            assertEquals("service \"" + name + "\" is too long: its socket path /tmp/<name> is 205 bytes; sun_path"
                    + " holds at most 107 (use a shorter name or path)", e.getMessage());
        }
        String path = "/tmp/" + name;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.connect(path));
        assertEquals("socket path \"" + path + "\" is 205 bytes; sun_path holds at most 107 (use a shorter name or"
                + " path)", e.getMessage());
    }

    private static void assertClosed(String message, Executable call) {
        ClosedChannelException e = assertThrows(ClosedChannelException.class, call);
        assertEquals(message, e.getMessage());
        assertTrue(e.toString().endsWith(": " + message), e.toString());
    }
}
