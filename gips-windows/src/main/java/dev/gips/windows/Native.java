package dev.gips.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Linking helpers shared by the per-DLL binding classes: the one place that calls restricted linker methods. Loading
 * this class touches nothing Windows-only; the {@code GetLastError} capture option and every DLL lookup are made on
 * first use, because {@code captureCallState("GetLastError")} is refused on other OSes.
 */
@SuppressWarnings("restricted")
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();

    /** {@code BOOL}, {@code DWORD}, {@code ULONG}, {@code LONG}: 32 bits (DWORDs are read unsigned where it matters). */
    static final ValueLayout.OfInt DWORD = ValueLayout.JAVA_INT;
    static final ValueLayout.OfInt BOOL = ValueLayout.JAVA_INT;
    /** {@code ULONG_PTR}, {@code SIZE_T}: 64 bits on x64 and arm64 Windows (LLP64). */
    static final ValueLayout.OfLong ULONG_PTR = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    /** {@code HANDLE}, {@code LPVOID}, {@code PSID}, {@code LPCWSTR}… */
    static final ValueLayout POINTER = ValueLayout.ADDRESS;

    /** {@code INVALID_HANDLE_VALUE}, the macro {@code ((HANDLE)(LONG_PTR)-1)}. */
    static final long INVALID_HANDLE_VALUE = -1;
    /** What {@code GetCurrentProcess()} always returns (a pseudo-handle; closing it is a no-op). */
    static final long CURRENT_PROCESS = -1;
    /** What {@code GetCurrentThread()} always returns. */
    static final long CURRENT_THREAD = -2;

    /** The JDK's capture layout; it names a {@code GetLastError} member on Windows only. */
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();

    /** Made on first use: other OSes refuse the option. */
    private static final class LastError {
        static final Linker.Option OPTION = Linker.Option.captureCallState("GetLastError");
        static final VarHandle VALUE = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("GetLastError"));
    }

    /** The system DLLs looked up so far, each once. */
    private static final Map<String, SymbolLookup> DLLS = new ConcurrentHashMap<>();

    /**
     * A downcall handle for {@code name} in the system DLL {@code dll} ({@code "kernel32.dll"}), capturing the call's
     * {@code GetLastError} (the handle takes the capture segment as its first argument); fails with both names when
     * the symbol is missing, and off Windows because the DLL is. The binding classes keep each handle in a holder
     * class of its own, as jextract does and as the other backends' do, so that a DLL is looked up and a function
     * linked only when it is first called.
     */
    static MethodHandle downcall(String dll, String name, FunctionDescriptor descriptor) {
        SymbolLookup lookup = DLLS.computeIfAbsent(dll, d -> SymbolLookup.libraryLookup(d, Arena.global()));
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError(dll + " has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, LastError.OPTION);
    }

    /** A segment for one call's (or one owner's) captured {@code GetLastError}. */
    static MemorySegment allocateCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    private static final ThreadLocal<MemorySegment> THREAD_CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** This thread's capture segment, for calls made without an owner's scratch buffers. */
    static MemorySegment threadCapture() {
        return THREAD_CAPTURE.get();
    }

    /** The {@code GetLastError} value captured in {@code capture}. */
    static int lastError(MemorySegment capture) {
        return (int) LastError.VALUE.get(capture, 0L);
    }

    /** A HANDLE value as the pointer argument a downcall takes. */
    static MemorySegment handle(long value) {
        return MemorySegment.ofAddress(value);
    }

    /** Whether a HANDLE-returning call failed: the functions disagree on NULL or {@code INVALID_HANDLE_VALUE}. */
    static boolean invalid(long handle) {
        return handle == 0 || handle == INVALID_HANDLE_VALUE;
    }

    /** A NUL-terminated UTF-16LE copy of {@code s} ({@code LPCWSTR}). */
    static MemorySegment wide(Arena arena, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_16LE);
        MemorySegment out = arena.allocate(bytes.length + 2L, 2);
        MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return out;
    }

    /** Reads a NUL-terminated UTF-16LE string at {@code address} (at most {@code maxChars} characters). */
    static String readWide(MemorySegment address, int maxChars) {
        MemorySegment s = address.reinterpret(2L * maxChars);
        int n = 0;
        while (n < maxChars && s.get(ValueLayout.JAVA_CHAR_UNALIGNED, 2L * n) != 0) {
            n++;
        }
        return new String(s.asSlice(0, 2L * n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_16LE);
    }

    /** A view of native memory at {@code address}, {@code size} bytes long, that lives as long as the process. */
    static MemorySegment at(MemorySegment address, long size) {
        return address.reinterpret(size);
    }

    /** A view of {@code size} bytes at {@code address} belonging to {@code arena}; {@code cleanup} runs on close. */
    static MemorySegment owned(MemorySegment address, long size, Arena arena, Runnable cleanup) {
        try {
            return address.reinterpret(size, arena, ignored -> cleanup.run());
        } catch (RuntimeException | Error e) {
            cleanup.run();
            throw e;
        }
    }

    /**
     * Converts what a downcall may throw. A {@link LinkageError} (the DLL or a symbol is missing: not Windows) goes
     * through as it is; our descriptors make every other Throwable a bug.
     */
    static AssertionError fail(Throwable t) {
        if (t instanceof LinkageError e) {
            throw e;
        }
        return new AssertionError("native call failed unexpectedly", t);
    }
}
