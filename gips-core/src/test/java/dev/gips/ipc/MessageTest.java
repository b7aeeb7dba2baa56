package dev.gips.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.internal.SharedSecrets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Message record: null payload refused, handle list copied and unmodifiable, equality by content. */
class MessageTest {

    /** Handles adopted with made-up values; taken back after each test so nothing tries to close them. */
    private final List<Handle> fakes = new ArrayList<>();

    private Handle fake(long value) {
        Handle h = Handle.adopt(Handle.Kind.FILE_DESCRIPTOR, value);
        fakes.add(h);
        return h;
    }

    @AfterEach
    void takeFakesBack() {
        for (Handle h : fakes) {
            if (h.isOpen()) {
                SharedSecrets.ipc().take(h);
            }
        }
    }

    @Test
    void nullPayloadIsRefused() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Message(null, List.of()));
        assertEquals("payload", e.getMessage());
        assertThrows(NullPointerException.class, () -> new Message(null));
    }

    @Test
    void nullHandlesAreRefused() {
        assertThrows(NullPointerException.class, () -> new Message(new byte[0], null));
        List<Handle> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> new Message(new byte[0], withNull));
    }

    @Test
    void payloadOnlyMessageHasNoHandles() {
        byte[] payload = {1, 2, 3};
        Message m = new Message(payload);
        assertSame(payload, m.payload(), "the payload is kept as given");
        assertTrue(m.handles().isEmpty());
        m.close(); // nothing to close
    }

    @Test
    void emptyPayloadIsAMessage() {
        Message m = new Message(new byte[0]);
        assertEquals(0, m.payload().length);
        assertEquals("Message[0 bytes, 0 handles]", m.toString());
    }

    @Test
    void handlesListIsCopiedAndUnmodifiable() {
        Handle a = fake(1000);
        Handle b = fake(1001);
        List<Handle> list = new ArrayList<>(List.of(a, b));
        Message m = new Message(new byte[] {9}, list);
        list.clear();
        assertEquals(List.of(a, b), m.handles(), "later changes to the caller's list must not show");
        assertThrows(UnsupportedOperationException.class, () -> m.handles().add(a));
        assertThrows(UnsupportedOperationException.class, () -> m.handles().remove(0));
        assertThrows(UnsupportedOperationException.class, () -> m.handles().clear());
        assertEquals("Message[1 bytes, 2 handles]", m.toString());
    }

    @Test
    void closeSkipsTakenHandlesAndIsIdempotent() {
        Handle taken = fake(1002);
        Handle left = fake(1003);
        Message m = new Message(new byte[0], List.of(taken, left));
        assertEquals(1002, SharedSecrets.ipc().take(taken));
        assertFalse(taken.isOpen());
        // take the other too, so that close() has no real descriptor to close without a backend
        SharedSecrets.ipc().take(left);
        m.close();
        m.close(); // idempotent
        assertFalse(left.isOpen());
    }

    @Test
    void equalsByContent() {
        Handle h = fake(1004);
        Message a = new Message(new byte[] {1, 2, 3}, List.of(h));
        Message b = new Message(new byte[] {1, 2, 3}, new ArrayList<>(List.of(h)));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(new Message(new byte[0]), new Message(new byte[0], List.of()));
        assertNotEquals(a, new Message(new byte[] {1, 2, 4}, List.of(h)));
        assertNotEquals(a, new Message(new byte[] {1, 2, 3}));
        assertNotEquals(a, new Message(new byte[] {1, 2, 3}, List.of(fake(1004))), "handles compare by identity");
        assertNotEquals(a, "not a message");
        assertArrayEquals(new byte[] {1, 2, 3}, a.payload());
    }
}
