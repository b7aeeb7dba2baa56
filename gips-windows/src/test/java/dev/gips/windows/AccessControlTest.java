package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Names and security descriptors the backend gives its pipes and sections (gips bugs W-8, W-9, W-11). */
class AccessControlTest {
    private static final String OWNER = "S-1-5-21-1-2-3-1001";

    @Test
    void pipesDenyNetworkLogonsAndLetClientsConnectButNotCreateInstances() {
        assertEquals("D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;0x12019b;;;WD)",
                PipeListener.pipeSddl(OWNER));
        assertEquals((Kernel32.FILE_GENERIC_READ | Kernel32.FILE_GENERIC_WRITE) & ~Kernel32.FILE_CREATE_PIPE_INSTANCE,
                PipeListener.CLIENT_ACCESS);
        assertEquals(0, PipeListener.CLIENT_ACCESS & Kernel32.FILE_CREATE_PIPE_INSTANCE);
    }

    @Test
    void sectionsAreForSystemAndTheOwnerOnly() {
        assertEquals("D:P(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)", FileMappingShmObject.sectionSddl(OWNER));
        assertFalse(FileMappingShmObject.sectionSddl(OWNER).contains(";IU)"), "gips gave INTERACTIVE read access");
    }

    @Test
    void namesMapToTheSessionNamespaceAndThePipeNamespace() {
        assertEquals("Local\\data", FileMappingShmObject.osName("/data"));
        assertEquals("\\\\.\\pipe\\com.example.echo", PipeListener.pipePath("com.example.echo"));
        assertEquals(256, PipeListener.pipePath("x".repeat(247)).length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PipeListener.pipePath("x".repeat(248)));
        assertTrue(e.getMessage().contains("must be 1 to 256 characters long"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PipeListener.pipePath(""));
        e = assertThrows(IllegalArgumentException.class, () -> PipeListener.pipePath("a\\b"));
        assertTrue(e.getMessage().contains("backslash"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PipeListener.pipePath("\0abstract"));
        assertTrue(e.getMessage().contains("abstract socket, on Linux only"), e.getMessage());
    }

    @Test
    void errorsAreNamedAndHangUpsRecognised() {
        assertEquals("ERROR_PIPE_BUSY: All pipe instances are busy", WinError.describe(WinError.ERROR_PIPE_BUSY));
        assertEquals("error 4294967295", WinError.describe(-1));
        for (int e : new int[] {WinError.ERROR_BROKEN_PIPE, WinError.ERROR_NO_DATA, WinError.ERROR_PIPE_NOT_CONNECTED,
            WinError.ERROR_NETNAME_DELETED, WinError.ERROR_CONNECTION_INVALID}) {
            assertTrue(WinError.isDisconnect(e), WinError.describe(e));
        }
        assertFalse(WinError.isDisconnect(WinError.ERROR_MORE_DATA));
        assertFalse(WinError.isDisconnect(WinError.ERROR_OPERATION_ABORTED));
    }

    @Test
    void errorMessagesNameTheOperationTheServiceItsPipeAndTheCode() {
        Where echo = new Where("com.example.echo", PipeListener.pipePath("com.example.echo"));
        assertEquals("connect \"com.example.echo\" (\\\\.\\pipe\\com.example.echo): ERROR_PIPE_BUSY: All pipe"
                + " instances are busy", echo.error("connect", WinError.ERROR_PIPE_BUSY).getMessage());
        assertEquals("connect \"com.example.echo\" (\\\\.\\pipe\\com.example.echo): no service is listening: is"
                + " the server running? (ERROR_FILE_NOT_FOUND: The system cannot find the file specified)",
                echo.noService("connect", WinError.ERROR_FILE_NOT_FOUND).getMessage());
        assertEquals("DuplicateHandle of 0x10: ERROR_ACCESS_DENIED: Access is denied",
                Where.PROCESS.error("DuplicateHandle of 0x10", WinError.ERROR_ACCESS_DENIED).getMessage());
    }
}
