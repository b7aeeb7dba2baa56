package dev.gips.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A {@link Handle} after close: methods that declare {@code IOException} throw {@code ClosedChannelException}. */
@ExtendWith({Kit.class, LeakCheck.class})
public abstract class HandleContract {

    /** Issue 16, item 8: {@code duplicate()} threw {@code IllegalStateException}. */
    @Test
    void duplicateOfAClosedHandleThrowsClosedChannelException() throws IOException {
        Handle handle = Handles.tagged(1).get(0);
        try (Handle copy = handle.duplicate()) {
            assertTrue(copy.isOpen());
            assertEquals(Handles.tagOf(handle), Handles.tagOf(copy), "the same object");
            copy.close();
            assertTrue(handle.isOpen(), "closing the copy leaves the original open");
            Handles.tagOf(handle); // and usable
        }
        handle.close();
        assertFalse(handle.isOpen());
        assertThrows(ClosedChannelException.class, handle::duplicate);
        assertThrows(IllegalStateException.class, handle::fileDescriptor); // declares no IOException
        handle.close(); // idempotent
    }
}
