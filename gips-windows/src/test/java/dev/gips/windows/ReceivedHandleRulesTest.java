package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The checks a received handle value must pass before it is adopted (gips bug W-3) that need no Windows call: the
 * shape of a handle value, and none of the backend's own handles.
 */
class ReceivedHandleRulesTest {
    private static String refuse(long value) {
        // the shape checks come before GetHandleInformation, so no capture segment is needed to reach them
        return Handles.refuse(value, MemorySegment.NULL, MemorySegment.NULL);
    }

    @Test
    void valuesThatCannotBeHandlesAreRefused() {
        assertEquals("0x0 is not a handle value", refuse(0));
        assertEquals("0xffffffffffffffff is not a handle value", refuse(-1)); // GetCurrentProcess()
        assertEquals("0xfffffffffffffffe is not a handle value", refuse(-2)); // GetCurrentThread()
        assertEquals("0x6 is not a handle value", refuse(6));
        assertEquals("0x100000000 is not a handle value", refuse(1L << 32));
    }

    @Test
    void theBackendsOwnHandlesAreRefused() {
        long own = Handles.own(0x7ff0);
        assertEquals("0x7ff0 is one of gips' own handles", refuse(own));
    }
}
