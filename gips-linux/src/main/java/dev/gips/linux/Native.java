package dev.gips.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Linking helpers shared by the binding classes: the one place that calls restricted linker methods. */
@SuppressWarnings("restricted")
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = (ValueLayout.OfLong) LINKER.canonicalLayouts().get("long");
    static final ValueLayout.OfLong C_SIZE_T = (ValueLayout.OfLong) LINKER.canonicalLayouts().get("size_t");
    static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

    /** Captures errno right after the call, before the JVM can clobber it. */
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    /**
     * {@code fcntl}'s variadic shape, int(int, int, int...) from the third argument on, which {@code socket} shares.
     * Each distinct descriptor and option set costs a fresh JVM a call stub of its own (milliseconds to generate),
     * and a variadic one costs more, so functions of the same argument types are linked alike: on the Linux
     * conventions gips supports (x86_64 and AArch64, see {@code BackendProbe}) integer and pointer arguments go in the
     * same registers whether named or variadic; on x86_64 a variadic call also sets {@code %al} (how many vector
     * registers carry arguments: 0 here), which a function without variadic arguments ignores.
     */
    static final Linker.Option VARIADIC_FROM_2 = Linker.Option.firstVariadicArg(2);
    /**
     * {@code openat}'s variadic shape, int(int, void*, int, int...), which {@code fchmodat} and {@code epoll_wait}
     * share: see {@link #VARIADIC_FROM_2}.
     */
    static final Linker.Option VARIADIC_FROM_3 = Linker.Option.firstVariadicArg(3);

    /**
     * Whether a call may be linked with both {@link #ERRNO} and {@code Linker.Option.critical(true)}: JDK 22 and 23
     * refuse the combination at link time (JDK-8313680), JDK 24 allows it (JDK-8336768). Where it is false, the
     * callers copy through a native buffer instead of handing a critical call a heap segment. Read once;
     * {@code -Dgips.linux.critical=false} takes that path on any JDK, so that tests on a newer JDK run it.
     */
    static final boolean CRITICAL_WITH_ERRNO =
            criticalWithErrno(Runtime.version().feature(), System.getProperty("gips.linux.critical"));

    /** {@link #CRITICAL_WITH_ERRNO} for a JDK of this feature release and this {@code gips.linux.critical} value. */
    static boolean criticalWithErrno(int jdkFeature, String property) {
        return jdkFeature >= 24 && !"false".equals(property);
    }
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /**
     * Where errno sits in {@link #CAPTURE_LAYOUT}. Read as a plain int at an offset rather than through the layout's
     * path var handle: the JDK builds that handle from method handles, which a fresh JVM spends milliseconds spinning.
     */
    private static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * A downcall handle for {@code name}, failing with the symbol's name when libc lacks it. The binding classes keep
     * each handle in a holder class of its own, as jextract does, so that it is linked on first use: linking costs
     * milliseconds in a fresh JVM, and a program uses only some of them.
     */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        // no lambda here, nor in what a fresh JVM runs on its way to its first system calls: each spins a class
        Optional<MemorySegment> symbol = LIBC.find(name);
        if (symbol.isEmpty()) {
            throw new UnsatisfiedLinkError("libc has no symbol " + name);
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, options);
    }

    /**
     * A downcall handle for {@code name}, looked up in libc first, then in {@code library} (for symbols that moved
     * into libc in some glibc version, such as {@code shm_open} from librt.so.1 in 2.34).
     */
    static MethodHandle downcall(String name, String library, FunctionDescriptor descriptor,
            Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).or(() -> {
            try {
                return SymbolLookup.libraryLookup(library, Arena.global()).find(name);
            } catch (IllegalArgumentException e) {
                return java.util.Optional.empty(); // the library is not installed
            }
        }).orElseThrow(() -> new UnsatisfiedLinkError("neither libc nor " + library + " has symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * A view of {@code size} bytes of native memory at {@code address} that belongs to {@code arena}: when the arena
     * closes, {@code cleanup} runs (an {@code munmap}). If the view cannot be made, {@code cleanup} runs at once.
     */
    static MemorySegment owned(MemorySegment address, long size, Arena arena, Runnable cleanup) {
        try {
            return address.reinterpret(size, arena, ignored -> cleanup.run());
        } catch (RuntimeException | Error e) {
            cleanup.run();
            throw e;
        }
    }

    /** A segment for one call's (or one owner's) captured errno. */
    static MemorySegment allocateCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    private static final ThreadLocal<MemorySegment> THREAD_CAPTURE = new ThreadLocal<>() {
        @Override
        protected MemorySegment initialValue() {
            return Arena.ofAuto().allocate(CAPTURE_LAYOUT);
        }
    };

    /**
     * This thread's capture segment, for calls made without an owner's scratch buffers (setup, close, probes):
     * never shared between threads, never allocated per call.
     */
    static MemorySegment threadCapture() {
        return THREAD_CAPTURE.get();
    }

    /** The errno captured in {@code capture}. */
    static int errno(MemorySegment capture) {
        return capture.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
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
