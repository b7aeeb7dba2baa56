package dev.gips.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The parts of the channels that need no system call: service-name rules, error messages. */
class PureLogicTest {
    @Test
    void serviceNamesFitLaunchdsNameT() {
        assertEquals(127, Namespace.checkName("a".repeat(127)).length);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("é".repeat(64)));
        assertTrue(tooLong.getMessage().contains("128 bytes of UTF-8; launchd allows at most 127"),
                tooLong.getMessage());
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("com.example\0echo"));
        assertTrue(nul.getMessage().contains("NUL"), nul.getMessage());
        IllegalArgumentException abstractName = assertThrows(IllegalArgumentException.class,
                () -> Namespace.checkName("\0abstract"));
        assertTrue(abstractName.getMessage().contains("abstract socket, on Linux only"), abstractName.getMessage());
    }

    @Test
    void errorMessagesNameTheOperationTheServiceAndTheCode() throws Exception {
        Where echo = Where.of("com.example.echo");
        assertEquals("bootstrap_look_up \"com.example.echo\": BOOTSTRAP_UNKNOWN_SERVICE (0x44e)",
                echo.error("bootstrap_look_up", Bootstrap.BOOTSTRAP_UNKNOWN_SERVICE).getMessage());
        assertEquals("connect \"com.example.echo\": no service is listening: is the server running?"
                + " (BOOTSTRAP_UNKNOWN_SERVICE (0x44e))",
                echo.noService("connect", Bootstrap.BOOTSTRAP_UNKNOWN_SERVICE).getMessage());
        assertEquals("receive \"com.example.echo\": the service hung up",
                echo.eof("receive", "the service hung up").getMessage());
        assertEquals("shm_open \"/data\": EEXIST: File exists", Where.of("/data").errno("shm_open", Errno.EEXIST)
                .getMessage());
        assertEquals("getgroups: errno 99", Where.PROCESS.errno("getgroups", 99).getMessage());
        assertEquals("kqueue (poller): EMFILE: Too many open files",
                new Where(null, "poller").errno("kqueue", Errno.EMFILE).getMessage());
    }
}
