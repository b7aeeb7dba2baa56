package dev.gips.windows;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every constant, struct size, alignment and member offset of the Windows bindings, checked on any OS against
 * {@code win32-golden.properties}, which {@code scripts/win32-golden.sh} generates from the mingw-w64 headers. The
 * check is complete: a constant or struct member of a binding class that the golden file lacks fails the test.
 * Loading the binding classes here also shows that their constants and layouts link nothing Windows-only.
 */
class WindowsLayoutTest {
    private static final List<Class<?>> BINDINGS =
            List.of(Native.class, Kernel32.class, MinWinBase.class, Advapi32.class, WinError.class);

    /**
     * Fields that name no C constant: {@code GetCurrentProcess()} and {@code GetCurrentThread()} are functions
     * (documented to return these pseudo-handles), and the capture layout is the JDK's own.
     */
    private static final Set<String> NOT_C = Set.of("Native.CURRENT_PROCESS", "Native.CURRENT_THREAD",
            "Native.CAPTURE_LAYOUT");

    private static final String HOW_TO_ADD = ": add it to gips-windows/src/test/win32/symbols.txt and run"
            + " gips-windows/scripts/win32-golden.sh";

    private static Map<String, Long> golden() throws IOException {
        Properties p = new Properties();
        try (InputStream in = WindowsLayoutTest.class.getResourceAsStream("win32-golden.properties")) {
            assertTrue(in != null, "win32-golden.properties is missing from the test resources");
            p.load(in);
        }
        Map<String, Long> out = new HashMap<>();
        p.forEach((k, v) -> out.put((String) k, Long.parseLong((String) v)));
        return out;
    }

    @Test
    void everyConstantMatchesTheMingwHeaders() throws Exception {
        Map<String, Long> golden = golden();
        List<Executable> checks = new ArrayList<>();
        int counted = 0;
        for (Class<?> c : BINDINGS) {
            Set<String> structs = structNames(c);
            for (Field f : c.getDeclaredFields()) {
                String id = c.getSimpleName() + "." + f.getName();
                if (!isConstant(f) || NOT_C.contains(id) || isOffset(f.getName(), structs)) {
                    continue;
                }
                f.setAccessible(true);
                String key = "const." + f.getName();
                Object value = f.get(null);
                counted++;
                checks.add(() -> {
                    Long c0 = golden.get(key);
                    if (c0 == null) {
                        fail(id + " is not in the golden file" + HOW_TO_ADD);
                    }
                    if (value instanceof Integer i) {
                        // DWORD constants are unsigned in C: 0xFFFFFFFF there is -1 in a Java int
                        assertTrue(c0 >= Integer.MIN_VALUE && c0 <= 0xFFFF_FFFFL, id + " = " + c0
                                + " in C does not fit 32 bits");
                        assertEquals((int) (long) c0, i.intValue(), id);
                    } else {
                        assertEquals(c0.longValue(), ((Number) value).longValue(), id);
                    }
                });
            }
        }
        assertTrue(counted >= 55, "only " + counted + " constants found: the reflection missed some");
        assertAll(checks);
    }

    @Test
    void everyStructSizeAlignmentAndOffsetMatchesTheMingwHeaders() throws Exception {
        Map<String, Long> golden = golden();
        List<Executable> checks = new ArrayList<>();
        int structs = 0;
        for (Class<?> c : BINDINGS) {
            for (Field f : c.getDeclaredFields()) {
                String id = c.getSimpleName() + "." + f.getName();
                if (!Modifier.isStatic(f.getModifiers()) || !StructLayout.class.isAssignableFrom(f.getType())
                        || NOT_C.contains(id)) {
                    continue;
                }
                f.setAccessible(true);
                StructLayout s = (StructLayout) f.get(null);
                String name = s.name().orElseThrow(() -> new AssertionError(id + " has no C name (withName)"));
                assertEquals(f.getName(), name, id + ": the field and the layout should both bear the C name");
                structs++;
                checks.add(() -> assertEquals(golden(golden, "sizeof." + name, id), s.byteSize(), "sizeof " + name));
                checks.add(() -> assertEquals(golden(golden, "alignof." + name, id), s.byteAlignment(),
                        "alignof " + name));
                members(s, name, "", 0, golden, checks, id);
                // the offset constants next to the layout: <STRUCT>_<member>, with the longest struct name
                // that fits (OVERLAPPED_ENTRY_Internal belongs to OVERLAPPED_ENTRY, not OVERLAPPED)
                Set<String> names = structNames(c);
                for (Field o : c.getDeclaredFields()) {
                    if (isConstant(o) && name.equals(owner(o.getName(), names))) {
                        o.setAccessible(true);
                        String member = o.getName().substring(name.length() + 1);
                        long javaOffset = ((Number) o.get(null)).longValue();
                        checks.add(() -> assertEquals(golden(golden, "offsetof." + name + "." + member,
                                c.getSimpleName() + "." + o.getName()), javaOffset, o.getName()));
                    }
                }
            }
        }
        assertEquals(9, structs, "struct layouts checked");
        assertAll(checks);
    }

    /** Each named member, nested structs included ({@code TOKEN_USER.User.Sid}); padding has no name. */
    private static void members(GroupLayout g, String struct, String prefix, long base, Map<String, Long> golden,
            List<Executable> checks, String id) {
        long offset = 0;
        for (MemoryLayout m : g.memberLayouts()) {
            long at = base + offset;
            if (m.name().isPresent()) {
                String path = prefix + m.name().get();
                checks.add(() -> assertEquals(golden(golden, "offsetof." + struct + "." + path, id + "." + path), at,
                        "offsetof(" + struct + ", " + path + ")"));
                if (m instanceof StructLayout inner) {
                    members(inner, struct, path + ".", at, golden, checks, id);
                }
            }
            offset += m.byteSize();
        }
    }

    private static long golden(Map<String, Long> golden, String key, String id) {
        Long v = golden.get(key);
        if (v == null) {
            fail(id + ": " + key + " is not in the golden file" + HOW_TO_ADD);
        }
        return v;
    }

    @Test
    void goldenFileCoversEverySymbolListed() throws IOException {
        Map<String, Long> golden = golden();
        List<String> missing = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/test/win32/symbols.txt"))) {
            String[] w = line.strip().split("\\s+");
            if (w[0].equals("const") && !golden.containsKey("const." + w[1])) {
                missing.add(w[1]);
            } else if (w[0].equals("struct")) {
                for (int i = 2; i < w.length; i++) {
                    if (!golden.containsKey("offsetof." + w[1] + "." + w[i])) {
                        missing.add(w[1] + "." + w[i]);
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "symbols.txt lists these but the golden file lacks them: run"
                + " gips-windows/scripts/win32-golden.sh");
    }

    private static boolean isConstant(Field f) {
        int m = f.getModifiers();
        return Modifier.isStatic(m) && Modifier.isFinal(m) && (f.getType() == int.class || f.getType() == long.class);
    }

    private static Set<String> structNames(Class<?> c) {
        Set<String> out = new java.util.HashSet<>();
        for (Field f : c.getDeclaredFields()) {
            if (StructLayout.class.isAssignableFrom(f.getType())) {
                out.add(f.getName());
            }
        }
        return out;
    }

    private static boolean isOffset(String field, Set<String> structs) {
        return owner(field, structs) != null;
    }

    /** The struct an offset constant belongs to, or {@code null} if the field is no offset. */
    private static String owner(String field, Set<String> structs) {
        return structs.stream().filter(s -> field.startsWith(s + "_"))
                .max(java.util.Comparator.comparingInt(String::length)).orElse(null);
    }
}
