package dev.gips.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** Payloads from the command line (text, hex or a file) and payloads shown to a person. */
final class Payloads {
    private Payloads() {}

    /** How many bytes of a binary payload are shown in hex; {@code call --raw} writes them all. */
    static final int SHOWN = 1024;

    /**
     * The payload {@code args} give: the text at positional {@code index} (UTF-8), {@code --hex HEX} or
     * {@code --file PATH}; at most one of them; none is an empty payload.
     */
    static byte[] from(Args args, int index) throws UsageException, IOException {
        String text = args.positional().size() > index ? args.positional().get(index) : null;
        String hex = args.value("--hex");
        String file = args.value("--file");
        int given = (text != null ? 1 : 0) + (hex != null ? 1 : 0) + (file != null ? 1 : 0);
        if (given > 1) {
            throw new UsageException("give the payload once: as text, --hex or --file");
        }
        if (hex != null) {
            try {
                return HexFormat.of().parseHex(hex.replace(" ", "").replace(":", ""));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--hex takes pairs of hex digits (spaces and colons allowed), not " + hex);
            }
        }
        if (file != null) {
            return Files.readAllBytes(Path.of(file));
        }
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code 5 bytes: "hello"} for UTF-8 text without control characters (but newline, tab and return, which are
     * escaped), else {@code 3 bytes (hex): 00ff10}, at most {@link #SHOWN} bytes of it.
     */
    static String describe(byte[] payload) {
        String size = payload.length + (payload.length == 1 ? " byte" : " bytes");
        if (payload.length == 0) {
            return size;
        }
        String text = text(payload);
        if (text != null) {
            return size + ": " + quote(text);
        }
        int shown = Math.min(payload.length, SHOWN);
        return size + " (hex): " + HexFormat.of().formatHex(payload, 0, shown)
                + (shown < payload.length ? " … (" + (payload.length - shown) + " more)" : "");
    }

    /** The payload as text, or {@code null} if it is not UTF-8 or holds control characters. */
    private static String text(byte[] payload) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
                return null;
            }
        }
        return s;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
