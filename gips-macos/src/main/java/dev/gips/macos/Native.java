package dev.gips.macos;

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

/**
 * Linking helpers shared by the binding classes: the one place that calls restricted linker methods. The binding
 * classes keep each downcall handle in a holder class of its own, as jextract does and as the Linux backend's do, so
 * nothing here touches a symbol until a function is first called, which happens only on macOS after
 * {@link MacosBackend#isSupported()} said yes; on other systems this class is never even loaded.
 */
@SuppressWarnings("restricted")
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    /** libSystem.B.dylib, including symbols that only live in the dyld shared cache. */
    static final SymbolLookup LIBSYSTEM = LINKER.defaultLookup();

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

    /** Captures errno right after a BSD call, before the JVM can clobber it. Mach calls return their error. */
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** A downcall handle for {@code name}, failing with the symbol's name when libSystem lacks it. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /** The address of {@code name} in libSystem. */
    static MemorySegment symbol(String name) {
        return LIBSYSTEM.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libSystem has no symbol " + name));
    }

    /** A view of {@code size} bytes at {@code address} that lives as long as the process (globals). */
    static MemorySegment at(MemorySegment address, long size) {
        return address.reinterpret(size);
    }

    /**
     * A view of {@code size} bytes of native memory at {@code address} that belongs to {@code arena}: when the arena
     * closes, {@code cleanup} runs (an unmap). If the view cannot be made, {@code cleanup} runs at once.
     */
    static MemorySegment owned(MemorySegment address, long size, Arena arena, Runnable cleanup) {
        try {
            return address.reinterpret(size, arena, ignored -> cleanup.run());
        } catch (RuntimeException | Error e) {
            cleanup.run();
            throw e;
        }
    }

    private static final ThreadLocal<MemorySegment> THREAD_CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** This thread's errno capture segment: never shared between threads, never allocated per call. */
    static MemorySegment threadCapture() {
        return THREAD_CAPTURE.get();
    }

    /** The errno captured in {@code capture}. */
    static int errno(MemorySegment capture) {
        return (int) ERRNO_VALUE.get(capture, 0L);
    }

    /**
     * Converts what a downcall may throw. A {@link LinkageError} goes through as it is: a binding that could not
     * link (a missing symbol, or native access denied: an {@code ExceptionInInitializerError} caused by the
     * linker's {@code IllegalCallerException}) says why, and {@code BackendProbe} looks for that cause. Our
     * descriptors make every other Throwable a bug.
     */
    static AssertionError fail(Throwable t) {
        if (t instanceof LinkageError e) {
            throw e;
        }
        return new AssertionError("native call failed unexpectedly", t);
    }
}
