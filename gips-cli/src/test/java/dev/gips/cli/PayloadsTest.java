package dev.gips.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the command line turns into bytes and how bytes are shown. */
class PayloadsTest {
    private static Args args(String... a) throws UsageException {
        return Args.parse(List.of(a), Set.of("--raw"), Set.of("--hex", "--file", "--timeout"));
    }

    @Test
    void payloadsFromTextHexOrNothing() throws Exception {
        assertArrayEquals("héllo".getBytes(UTF_8), Payloads.from(args("svc", "héllo"), 1));
        assertArrayEquals(new byte[] {0, (byte) 0xab, 0x10}, Payloads.from(args("svc", "--hex", "00:ab 10"), 1));
        assertArrayEquals(new byte[0], Payloads.from(args("svc"), 1));
        assertThrows(UsageException.class, () -> Payloads.from(args("svc", "--hex", "0"), 1));
        assertThrows(UsageException.class, () -> Payloads.from(args("svc", "t", "--hex", "00"), 1));
    }

    @Test
    void textIsQuotedAndEscapedAndAnythingElseIsHex() {
        assertEquals("0 bytes", Payloads.describe(new byte[0]));
        assertEquals("1 byte: \"a\"", Payloads.describe("a".getBytes(UTF_8)));
        assertEquals("7 bytes: \"a\\tb\\n\\\"c\\\"\"", Payloads.describe("a\tb\n\"c\"".getBytes(UTF_8)));
        assertEquals("2 bytes (hex): 0001", Payloads.describe(new byte[] {0, 1}));
        assertEquals("2 bytes (hex): c328", Payloads.describe(new byte[] {(byte) 0xc3, 0x28}));   // not UTF-8
        byte[] big = new byte[Payloads.SHOWN + 5];
        assertEquals((Payloads.SHOWN + 5) + " bytes (hex): " + "00".repeat(Payloads.SHOWN) + " … (5 more)",
                Payloads.describe(big));
    }

    @Test
    void optionsAndDurations() throws Exception {
        assertEquals(Duration.ofMillis(500), args("--timeout", "500ms").duration("--timeout", Duration.ZERO));
        assertEquals(Duration.ofSeconds(3), args("--timeout", "3").duration("--timeout", Duration.ZERO));
        assertEquals(Duration.ofMinutes(2), args("--timeout", "2m").duration("--timeout", Duration.ZERO));
        assertThrows(UsageException.class, () -> args("--timeout", "soon").duration("--timeout", Duration.ZERO));
        assertThrows(UsageException.class, () -> args("--timeout"));
        assertThrows(UsageException.class, () -> args("--colour"));
        assertEquals(List.of("svc", "--raw"), args("svc", "--", "--raw").positional());
    }
}
