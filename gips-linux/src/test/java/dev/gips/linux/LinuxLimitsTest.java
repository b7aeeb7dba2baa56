package dev.gips.linux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Connection;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import dev.gips.tck.BadInputContract;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What Linux refuses besides the contract (the kit's {@code BadInputContract}): names that do not fit
 * {@code sun_path}, and a 253rd handle with a payload that travels out of band; a missing service's error names its
 * socket path and errno.
 */
@ExtendWith(LeakCheck.class)
class LinuxLimitsTest {
    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void anOutOfBandPayloadCarriesAtMost252Handles() throws IOException {
        String name = Peers.uniqueName("large-handles");
        List<Handle> handles = Peers.memfdHandles(253);
        try (Listener listener = Listener.bind(name); Endpoint client = Endpoint.connect(name)) {
            Connection connection = BadInputContract.admit(listener, client);
            byte[] large = random(300 * 1024, 3); // larger than one datagram: travels in a memfd
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> client.send(large, handles.toArray(Handle[]::new)));
            assertTrue(e.getMessage().contains("252"), e.getMessage());
            BadInputContract.assertNothingDelivered(listener, client, connection);

            List<Handle> allowed = handles.subList(0, 252);
            client.send(large, allowed.toArray(Handle[]::new));
            try (Message m = Peers.acceptOne(listener).message()) {
                assertArrayEquals(large, m.payload());
                assertEquals(252, m.handles().size());
            }
        } finally {
            closeAll(handles);
        }
    }

    @Test
    void aNameTooLongForSunPathIsRefusedSayingWhy() {
        String longName = "n".repeat(120);
        for (String name : List.of(longName, "/tmp/" + longName, "@" + longName, "\0" + longName)) {
            for (Executable op : List.<Executable>of(() -> Listener.bind(name), () -> Endpoint.connect(name))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
                assertTrue(e.getMessage().contains("sun_path"), e.getMessage());
                assertTrue(e.getMessage().contains("107"), e.getMessage());
            }
        }
        // the longest name that fits is fine: /tmp/ + 102 bytes = 107
        String fits = "f".repeat(107 - "/tmp/".length() - 1) + "x";
        assertThrows(IOException.class, () -> Endpoint.connect(fits), "a name that fits is resolved and tried");
    }

    @Test
    void connectingToAMissingServiceNamesTheServiceAndEnoent() {
        String name = Peers.uniqueName("missing");
        IOException e = assertThrows(IOException.class, () -> Endpoint.connect(name));
        assertTrue(e.getMessage().contains("connect"), e.getMessage());
        assertTrue(e.getMessage().contains("\"" + name + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("/tmp/" + name), e.getMessage());
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
        IOException a = assertThrows(IOException.class, () -> Endpoint.connect("\0" + name));
        assertTrue(a.getMessage().contains("\"\\0" + name + "\" (@" + name + ")"), a.getMessage());
        assertTrue(a.getMessage().contains("ECONNREFUSED"), a.getMessage());
    }

    private static void closeAll(List<Handle> handles) {
        handles.forEach(Handle::close);
    }
}
