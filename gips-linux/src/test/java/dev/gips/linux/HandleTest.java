package dev.gips.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gips.ipc.Handle;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A {@link Handle} after close: methods that declare {@code IOException} throw {@code ClosedChannelException}. */
@ExtendWith(LeakCheck.class)
class HandleTest {

    /** Issue 16, item 8: {@code duplicate()} threw {@code IllegalStateException}. */
    @Test
    void duplicateOfAClosedHandleThrowsClosedChannelException() throws IOException {
        int fd = Peers.memfd("gips-test-duplicate");
        Handle handle;
        try {
            handle = Handle.ofFileDescriptor(fd);
        } finally {
            Fds.closeQuietly(fd);
        }
        try (Handle copy = handle.duplicate()) {
            assertTrue(copy.isOpen());
            assertNotEquals(handle.fileDescriptor(), copy.fileDescriptor());
            assertTrue(Peers.inode(handle.fileDescriptor()) == Peers.inode(copy.fileDescriptor()), "same file");
        }
        handle.close();
        assertFalse(handle.isOpen());
        assertThrows(ClosedChannelException.class, handle::duplicate);
        assertThrows(IllegalStateException.class, handle::fileDescriptor); // declares no IOException
        handle.close(); // idempotent
    }
}
