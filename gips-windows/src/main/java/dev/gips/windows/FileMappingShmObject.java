package dev.gips.windows;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.ipc.Handle;
import dev.gips.spi.RawHandle;
import dev.gips.spi.FixedSizeShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A page-file-backed file mapping (section). Named ones live in the session namespace ({@code Local\}) with a
 * protected DACL for SYSTEM and this user only, and are created exclusively: an existing section of that name is
 * refused, never adopted (gips bug W-11). Sections cannot grow, so core's objects are created at their full size.
 *
 * <p>Windows has no persistent names: a section's name goes away with its last handle, and nobody can remove it
 * earlier, so {@link #unlink()} only forgets it. The file behind a file-backed section cannot be truncated below a
 * mapped view ({@code ERROR_USER_MAPPED_FILE}), so a section is sealed.
 */
final class FileMappingShmObject extends FixedSizeShmObject {
    static final String NAMESPACE = "Local\\";

    private final long section;
    private final String name;             // normalised "/data", or null
    private final Where where;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FileMappingShmObject(long section, String name, long size) {
        super(size);
        this.section = section;
        this.name = name;
        this.where = where(name);
    }

    /** How messages name a section: {@code "/data" (Local\data)}, or just {@code (anonymous section)}. */
    private static Where where(String name) {
        return name == null ? new Where(null, "anonymous section") : new Where(name, osName(name));
    }

    /** {@code Local\data} for core's {@code /data}. */
    static String osName(String name) {
        return NAMESPACE + name.substring(1);
    }

    /** A protected DACL for SYSTEM and the owner only: no other user, not even read-only (gips gave INTERACTIVE read). */
    static String sectionSddl(String ownerSid) {
        return "D:P(A;;GA;;;SY)(A;;GA;;;" + ownerSid + ")";
    }

    static FileMappingShmObject create(String name, long objectSize) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment sa = Identity.securityAttributes(sectionSddl(Identity.currentUserSid()), arena);
            MemorySegment wname = name == null ? MemorySegment.NULL : Native.wide(arena, osName(name));
            long h = Kernel32.CreateFileMappingW(err, Native.INVALID_HANDLE_VALUE, sa,
                    Kernel32.PAGE_READWRITE | Kernel32.SEC_COMMIT, (int) (objectSize >>> 32), (int) objectSize, wname);
            int e = Native.lastError(err);
            if (h == 0) {
                throw where(name).error("CreateFileMappingW of " + objectSize + " bytes", e);
            }
            if (e == WinError.ERROR_ALREADY_EXISTS) {
                Kernel32.CloseHandle(err, h);
                throw new FileAlreadyExistsException(null, null, where(name).message("CreateFileMappingW",
                        "a shared memory section of this name exists already"));
            }
            return new FileMappingShmObject(Handles.own(h), name, objectSize);
        }
    }

    static FileMappingShmObject open(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            long h = Kernel32.OpenFileMappingW(err, Kernel32.FILE_MAP_READ | Kernel32.FILE_MAP_WRITE, 0,
                    Native.wide(arena, osName(name)));
            if (h == 0) {
                int e = Native.lastError(err);
                if (e == WinError.ERROR_FILE_NOT_FOUND) {
                    throw new NoSuchFileException(null, null, where(name).message("OpenFileMappingW",
                            "no shared memory section of this name"));
                }
                throw where(name).error("OpenFileMappingW", e);
            }
            return adopt(h, name);
        }
    }

    /** Takes ownership of a section handle (received or opened); closes it if it is not a usable section. */
    static FileMappingShmObject adopt(long section, String name) throws IOException {
        Handles.own(section);
        try {
            return new FileMappingShmObject(section, name, querySize(section));
        } catch (IOException | RuntimeException e) {
            Handles.closeOwn(section);
            throw e;
        }
    }

    /** The section's size, page-rounded: the size of a view of all of it (there is no documented direct query). */
    private static long querySize(long section) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Native.allocateCapture(arena);
            MemorySegment view = Kernel32.MapViewOfFile(err, section, Kernel32.FILE_MAP_READ, 0, 0, 0);
            if (view.address() == 0) {
                throw new Where(null, "handle 0x" + Long.toHexString(section)).error("MapViewOfFile",
                        WinError.describe(Native.lastError(err)) + " (the handle is not a readable section)");
            }
            try {
                MemorySegment info = arena.allocate(Kernel32.MEMORY_BASIC_INFORMATION);
                if (Kernel32.VirtualQuery(err, view, info) == 0) {
                    throw new Where(null, "handle 0x" + Long.toHexString(section)).error("VirtualQuery",
                            Native.lastError(err));
                }
                return info.get(JAVA_LONG, Kernel32.MEMORY_BASIC_INFORMATION_RegionSize);
            } finally {
                Kernel32.UnmapViewOfFile(err, view);
            }
        }
    }

    @Override
    protected IOException cannotGrow(long bytes) {
        return where.error("grow from " + size + " to " + bytes + " bytes", "Windows sections have a fixed size;"
                + " create the region with the capacity it will need");
    }

    @Override
    public MemorySegment map(long length, Arena arena) throws IOException {
        if (length > size) {
            throw where.error("map " + length + " bytes", "the section has only " + size);
        }
        MemorySegment err = Native.threadCapture();
        MemorySegment view = Kernel32.MapViewOfFile(err, section, Kernel32.FILE_MAP_READ | Kernel32.FILE_MAP_WRITE,
                0, 0, length);
        if (view.address() == 0) {
            throw where.error("MapViewOfFile of " + length + " bytes", Native.lastError(err));
        }
        return Native.owned(view, length, arena, () -> Kernel32.UnmapViewOfFile(Native.threadCapture(), view));
    }

    @Override
    public RawHandle export() throws IOException {
        return new RawHandle(Handle.Kind.WINDOWS_HANDLE, Handles.duplicate(section));
    }

    @Override
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    @Override
    public void unlink() {
        // nothing to do: the name lives exactly as long as some handle to the section
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Handles.closeOwn(section);
        }
    }
}
