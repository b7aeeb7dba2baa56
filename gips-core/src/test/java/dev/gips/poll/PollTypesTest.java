package dev.gips.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token, Interest, Event and Events: the value types of the poll API. */
class PollTypesTest {

    @Test
    void wakerTokenIsZeroAndInvalidIsNoRegistration() {
        assertEquals(0, Token.WAKER.value());
        assertEquals(new Token(0), Token.WAKER);
        assertNotEquals(Token.WAKER, Token.INVALID);
        assertTrue(Token.INVALID.value() < 1, "registrations start at 1, so INVALID must be below");
        assertEquals(new Token(7), new Token(7));
    }

    @Test
    void interestConstants() {
        assertTrue(Interest.READABLE.isReadable());
        assertFalse(Interest.READABLE.isWritable());
        assertFalse(Interest.WRITABLE.isReadable());
        assertTrue(Interest.WRITABLE.isWritable());
        assertTrue(Interest.BOTH.isReadable());
        assertTrue(Interest.BOTH.isWritable());
        assertEquals("READABLE", Interest.READABLE.toString());
        assertEquals("WRITABLE", Interest.WRITABLE.toString());
        assertEquals("READABLE|WRITABLE", Interest.BOTH.toString());
    }

    @Test
    void interestOrIsTheUnionAndReturnsTheConstants() {
        assertSame(Interest.BOTH, Interest.READABLE.or(Interest.WRITABLE));
        assertSame(Interest.BOTH, Interest.WRITABLE.or(Interest.READABLE));
        assertSame(Interest.READABLE, Interest.READABLE.or(Interest.READABLE));
        assertSame(Interest.WRITABLE, Interest.WRITABLE.or(Interest.WRITABLE));
        assertSame(Interest.BOTH, Interest.BOTH.or(Interest.READABLE));
        assertSame(Interest.BOTH, Interest.READABLE.or(Interest.BOTH));
        assertThrows(NullPointerException.class, () -> Interest.READABLE.or(null));
    }

    @Test
    void eventReportsItsInterestAndWhetherItIsTheWaker() {
        Event readable = new Event(new Token(3), Interest.READABLE);
        assertTrue(readable.isReadable());
        assertFalse(readable.isWritable());
        assertFalse(readable.fromWaker());

        Event writable = new Event(new Token(4), Interest.WRITABLE);
        assertFalse(writable.isReadable());
        assertTrue(writable.isWritable());

        Event both = new Event(new Token(5), Interest.BOTH);
        assertTrue(both.isReadable() && both.isWritable());

        assertTrue(new Event(Token.WAKER, Interest.READABLE).fromWaker());
        assertTrue(new Event(new Token(0), Interest.READABLE).fromWaker(), "token 0 is the waker's by value");
        assertFalse(new Event(Token.INVALID, Interest.READABLE).fromWaker());
        assertFalse(new Event(new Token(1), Interest.READABLE).fromWaker());
    }

    @Test
    void eventsCapacityMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Events.withCapacity(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Events.withCapacity(-1));
        assertEquals(1, Events.withCapacity(1).capacity());
        assertEquals(Integer.MAX_VALUE, Events.withCapacity(Integer.MAX_VALUE).capacity());
    }

    @Test
    void eventsHoldUpToCapacityAndClear() {
        Events events = Events.withCapacity(2);
        assertTrue(events.isEmpty());
        assertEquals(0, events.size());

        Event a = new Event(new Token(1), Interest.READABLE);
        Event b = new Event(new Token(2), Interest.WRITABLE);
        assertTrue(events.add(a));
        assertTrue(events.add(b));
        assertFalse(events.add(new Event(new Token(3), Interest.BOTH)), "a full Events refuses more");
        assertFalse(events.isEmpty());
        assertEquals(2, events.size());

        List<Event> seen = new ArrayList<>();
        events.forEach(seen::add);
        assertEquals(List.of(a, b), seen);
        var it = events.iterator();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);

        events.clear();
        assertTrue(events.isEmpty());
        assertEquals(0, events.size());
        assertFalse(events.iterator().hasNext());
        assertTrue(events.add(a), "cleared events have room again");
    }
}
