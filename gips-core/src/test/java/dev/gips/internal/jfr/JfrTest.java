package dev.gips.internal.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Credentials;
import dev.gips.spi.RawMessage;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jdk.jfr.Configuration;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.SettingDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The gips JFR events as JDK Mission Control sees them, and what they cost when off. A real exchange recorded to a
 * file is {@code dev.gips.linux.JfrRecordingTest}.
 */
class JfrTest {
    private static final List<Class<? extends Event>> EVENTS = List.of(ConnectEvent.class, ClientConnectedEvent.class,
            ClientRefusedEvent.class, ClientDroppedEvent.class, DescriptorsExhaustedEvent.class, MessageSentEvent.class,
            MessageReceivedEvent.class, PollWaitEvent.class);
    private static final Credentials SOMEONE = new Credentials(42, "1000", List.of("1000"), false);

    @Test
    void everyEventIsNamedLabelledDescribedInCategoryGipsAndOffByDefault() {
        for (Class<? extends Event> c : EVENTS) {
            EventType type = EventType.getEventType(c);
            assertTrue(type.getName().startsWith("dev.gips."), type.getName());
            assertNotNull(type.getLabel(), c + " label");
            assertNotNull(type.getDescription(), c + " description");
            assertEquals(List.of("gips"), type.getCategoryNames(), c + " category");
            String enabled = type.getSettingDescriptors().stream().filter(s -> s.getName().equals("enabled"))
                    .map(SettingDescriptor::getDefaultValue).findFirst().orElseThrow();
            assertEquals("false", enabled, c + " must be off unless a recording turns it on");
            type.getFields().forEach(f -> assertNotNull(f.getLabel(), c + "." + f.getName() + " label"));
        }
    }

    @Test
    void offEventsAllocateNothing() throws Exception {
        // a running recording that does not enable gips events, as a production -XX:StartFlightRecording would be
        try (Recording unrelated = new Recording()) {
            unrelated.enable("jdk.ThreadSleep");
            unrelated.start();
            assertOffAndFree();
        }
        assertOffAndFree();
    }

    private static void assertOffAndFree() {
        RawMessage m = new RawMessage(new byte[0], List.of());
        Map<Object, Object> registrations = Map.of();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int rounds = 1_000_000;
        long blackhole = 0;
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            ConnectEvent c = Jfr.beginConnect();
            Jfr.connected(c, "svc", "/tmp/svc");
            Jfr.clientConnected("svc", SOMEONE);
            Jfr.clientRefused("svc", SOMEONE, "no");
            Jfr.clientDropped("svc", SOMEONE, "no");
            Jfr.descriptorsExhausted("svc", "receive", 42, 1);
            MessageSentEvent s = Jfr.beginSend("svc", "client", 0, i, 0);
            Jfr.sent(s);
            MessageReceivedEvent r = Jfr.beginReceive();
            Jfr.received(r, "svc", "server", 42, m);
            PollWaitEvent p = Jfr.beginPoll();
            Jfr.polled(p, 1, -1, registrations);
            blackhole += Objects.hashCode(c) + Objects.hashCode(s) + Objects.hashCode(r) + Objects.hashCode(p);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, blackhole, "every begin… returned null");
        // one object per round would be at least 16 MB; allow the bean's own bookkeeping
        assertTrue(allocated < 64 * 1024, allocated + " bytes allocated in " + rounds + " rounds of off events");
    }

    @Test
    void aRecordingThatEnablesAnEventTurnsItOnUntilItStops() {
        assertNull(Jfr.beginSend("svc", "client", 0, 1, 0));
        try (Recording r = new Recording()) {
            r.enable("dev.gips.MessageSent");
            r.start();
            MessageSentEvent e = Jfr.beginSend("svc", "client", 0, 1, 0);
            assertNotNull(e);
            assertEquals("svc", e.service);
            assertNull(Jfr.beginReceive(), "only the enabled event is on");
            r.stop();
        }
        assertNull(Jfr.beginSend("svc", "client", 0, 1, 0));
    }

    @Test
    void theShippedSettingsFileEnablesEveryEvent() throws Exception {
        try (Reader in = new InputStreamReader(Objects.requireNonNull(
                Jfr.class.getResourceAsStream("/dev/gips/gips.jfc"), "dev/gips/gips.jfc"), StandardCharsets.UTF_8)) {
            Map<String, String> settings = Configuration.create(in).getSettings();
            for (Class<? extends Event> c : EVENTS) {
                String name = EventType.getEventType(c).getName();
                assertEquals("true", settings.get(name + "#enabled"), name);
                assertEquals("0 ms", settings.get(name + "#threshold"), name);
            }
        }
    }
}
