package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.*;

import dev.gips.ipc.*;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void roundTrip() throws Exception {
        String name = "gips-smoke-" + ProcessHandle.current().pid();
        try (Listener l = Listener.bind(name); Endpoint e = Endpoint.connect(name)) {
            e.send("hello".getBytes());
            Pod p = l.accept();
            assertEquals("hello", new String(p.message().payload()));
            p.reply("world".getBytes());
            assertEquals("world", new String(e.recv().payload()));
            e.send(new byte[0]);
            Pod p2 = l.accept(Duration.ofSeconds(2)).orElseThrow();
            assertEquals(0, p2.message().payload().length);
            assertSame(p.connection(), p2.connection());
            byte[] big = new byte[5 << 20];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
            e.send(big);
            assertArrayEquals(big, l.accept().message().payload());
            p.reply(big);
            assertArrayEquals(big, e.recv().payload());
            assertTrue(l.tryAccept().isEmpty());
            e.close();
            assertTrue(l.accept(Duration.ofMillis(200)).isEmpty());
            assertFalse(p.connection().isOpen());
        }
    }
}
