package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.ipc.Handle;
import dev.gips.spi.RawHandle;
import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A named region: a macOS POSIX shm object. macOS sizes such an object once ({@code ftruncate} on a sized object
 * fails with {@code EINVAL}), limits names to {@value SysMman#PSHMNAMLEN} bytes, and cannot pass its descriptor in a
 * Mach message: {@link #export} sends a memory entry over a mapping of the whole object instead.
 */
final class PosixShmObject implements ShmObject {
    private final String name;
    private final Where where;
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PosixShmObject(String name, int fd) {
        this.name = name;
        this.where = Where.of(name);
        this.fd = fd;
    }

    private static MemorySegment cname(Arena arena, String name) throws IOException {
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SysMman.PSHMNAMLEN) {
            throw Where.of(name).error("shm_open", Errno.describe(Errno.ENAMETOOLONG) + ": macOS allows at most "
                    + SysMman.PSHMNAMLEN + " bytes");
        }
        return arena.allocateFrom(name);
    }

    /**
     * What {@code operation} on {@code name} failing with {@code errno} throws: {@link NoSuchFileException} for
     * {@code ENOENT} and {@link FileAlreadyExistsException} for {@code EEXIST}, as {@code ShmObject} promises.
     */
    private static IOException failure(String operation, String name, int errno) {
        String message = Where.of(name).message(operation, Errno.describe(errno));
        return switch (errno) {
            case Errno.ENOENT -> new NoSuchFileException(null, null, message);
            case Errno.EEXIST -> new FileAlreadyExistsException(null, null, message);
            default -> new IOException(message);
        };
    }

    static PosixShmObject create(String name, long objectSize) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.threadCapture();
            MemorySegment c = cname(arena, name);
            int fd = SysMman.shm_open(errno, c, Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_RDWR, 0600);
            if (fd < 0) {
                throw failure("shm_open", name, Native.errno(errno));
            }
            if (Unistd.ftruncate(errno, fd, objectSize) < 0) {
                int e = Native.errno(errno);
                SysMman.shm_unlink(errno, c);
                Unistd.close(errno, fd);
                throw failure("ftruncate to " + objectSize + " bytes", name, e);
            }
            return new PosixShmObject(name, fd);
        }
    }

    static PosixShmObject open(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.threadCapture();
            int fd = SysMman.shm_open(errno, cname(arena, name), Fcntl.O_RDWR, 0);
            if (fd < 0) {
                throw failure("shm_open", name, Native.errno(errno));
            }
            return new PosixShmObject(name, fd);
        }
    }

    private long[] stat(int of, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.threadCapture();
            MemorySegment st = arena.allocate(SysStat.STAT);
            if (SysStat.fstat(errno, of, st) < 0) {
                throw where.errno("fstat (" + what + ")", Native.errno(errno));
            }
            return new long[] {st.get(JAVA_INT, SysStat.ST_DEV), st.get(JAVA_LONG, SysStat.ST_INO),
                st.get(JAVA_LONG, SysStat.ST_SIZE)};
        }
    }

    /** {@code true}: macOS sizes a POSIX shm object once, so nobody can shrink it afterwards (see {@link #setSize}). */
    @Override
    public boolean isSealed() {
        return true;
    }

    @Override
    public long size() throws IOException {
        return stat(fd, "size")[2];
    }

    @Override
    public void setSize(long bytes) throws IOException {
        long now = size();
        if (bytes <= now) {
            return;
        }
        throw where.error("ftruncate to " + bytes + " bytes", Errno.describe(Errno.EINVAL) + ": macOS sizes a POSIX"
                + " shm object only once (it has " + now + "); create it with the capacity it will need");
    }

    @Override
    public MemorySegment map(long length, Arena arena) throws IOException {
        MemorySegment errno = Native.threadCapture();
        MemorySegment at = SysMman.mmap(errno, MemorySegment.NULL, length, SysMman.PROT_READ | SysMman.PROT_WRITE,
                SysMman.MAP_SHARED, fd, 0);
        if (at.address() == SysMman.MAP_FAILED) {
            throw where.errno("mmap of " + length + " bytes", Native.errno(errno));
        }
        return Native.owned(at, length, arena, () -> SysMman.munmap(Native.threadCapture(), at, length));
    }

    @Override
    public RawHandle export() throws IOException {
        long length = size();
        try (Arena view = Arena.ofConfined()) {
            MemorySegment whole = map(length, view);
            // the entry shares the object behind the mapping, and keeps it alive after the view is unmapped
            return new RawHandle(Handle.Kind.MACH_MEMORY, Integer.toUnsignedLong(MachShmObject.entryOf(whole, length)));
        }
    }

    @Override
    public Optional<String> name() {
        return Optional.of(name);
    }

    @Override
    public void unlink() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.threadCapture();
            MemorySegment c = cname(arena, name);
            int other = SysMman.shm_open(errno, c, Fcntl.O_RDWR, 0);
            if (other < 0) {
                throw failure("shm_open (check before unlink)", name, Native.errno(errno));
            }
            try {
                long[] mine = stat(fd, "unlink");
                long[] theirs = stat(other, "unlink");
                if (mine[0] != theirs[0] || mine[1] != theirs[1]) {
                    throw where.error("shm_unlink", "the name now names another object; left alone");
                }
            } finally {
                Unistd.close(errno, other);
            }
            if (SysMman.shm_unlink(errno, c) < 0) {
                throw failure("shm_unlink", name, Native.errno(errno));
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Unistd.close(Native.threadCapture(), fd);
        }
    }
}
