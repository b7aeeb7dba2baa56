package dev.gips.windows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HANDLE bookkeeping: closing, duplicating, moving into a peer, and checking values a peer claims to have placed in
 * this process. The backend records every handle it owns (pipes, ports, processes, sections) so that a peer cannot
 * make it adopt, and later close, one of them (gips bug W-3).
 */
final class Handles {
    private Handles() {}

    private static final Set<Long> OWN = ConcurrentHashMap.newKeySet();

    /** Records {@code handle} as the backend's own; returns it. */
    static long own(long handle) {
        OWN.add(handle);
        return handle;
    }

    /** Closes one of the backend's own handles. Never throws. */
    static void closeOwn(long handle) {
        if (!Native.invalid(handle)) {
            OWN.remove(handle);
            Kernel32.CloseHandle(Native.threadCapture(), handle);
        }
    }

    /** Closes a handle the backend does not track (a user's, a received one). Never throws. */
    static void close(long handle) {
        if (!Native.invalid(handle) && !OWN.contains(handle)) {
            Kernel32.CloseHandle(Native.threadCapture(), handle);
        }
    }

    /** A duplicate of {@code handle} in this process, same access, not inheritable. */
    static long duplicate(long handle) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            if (Kernel32.DuplicateHandle(err, Native.CURRENT_PROCESS, handle, Native.CURRENT_PROCESS, out, 0, 0,
                    Kernel32.DUPLICATE_SAME_ACCESS) == 0) {
                throw Where.PROCESS.error("DuplicateHandle of 0x" + Long.toHexString(handle), Native.lastError(err));
            }
            return out.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    /**
     * Duplicates {@code handle} into {@code process} (opened with {@code PROCESS_DUP_HANDLE}); the result is valid
     * only there.
     */
    static long duplicateInto(long process, long handle, MemorySegment err, MemorySegment out, Where where)
            throws IOException {
        if (Kernel32.DuplicateHandle(err, Native.CURRENT_PROCESS, handle, process, out, 0, 0,
                Kernel32.DUPLICATE_SAME_ACCESS) == 0) {
            throw where.error("DuplicateHandle into the peer", Native.lastError(err));
        }
        return out.get(ValueLayout.ADDRESS, 0).address();
    }

    /** Closes a handle placed in {@code process} by {@link #duplicateInto}, after a failed send. Never throws. */
    static void closeIn(long process, long remote) {
        Kernel32.DuplicateHandle(Native.threadCapture(), process, remote, 0, MemorySegment.NULL, 0, 0,
                Kernel32.DUPLICATE_CLOSE_SOURCE);
    }

    /**
     * Why a value a peer sent cannot be a handle it duplicated into this process, or {@code null} if it may be:
     * handle values are positive multiples of 4 below 2^32 (Windows keeps them 32-bit for interoperability), name an
     * open handle, and are none of the backend's own. A hostile peer can still name some other open handle of this
     * process; see RISKS.md.
     */
    static String refuse(long value, MemorySegment err, MemorySegment flags) {
        if (value <= 0 || value >= (1L << 32) || (value & 3) != 0) {
            return "0x" + Long.toHexString(value) + " is not a handle value";
        }
        if (OWN.contains(value)) {
            return "0x" + Long.toHexString(value) + " is one of gips' own handles";
        }
        if (Kernel32.GetHandleInformation(err, value, flags) == 0) {
            return "0x" + Long.toHexString(value) + " is not open in this process: "
                    + WinError.describe(Native.lastError(err));
        }
        return null;
    }
}
