package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gips.ipc.Handle;
import dev.gips.spi.IoErrors;
import dev.gips.spi.RawHandle;
import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shared memory object behind one file descriptor: a POSIX shm object ({@code /dev/shm/<name>}) when named, created
 * exclusively with mode 0600 (gips bug B-X6), a memfd when anonymous (no name to collide: gips bug L-6), or whatever
 * regular file a peer sent. Only a memfd can carry {@code F_SEAL_SHRINK}: a POSIX shm object is born with
 * {@code F_SEAL_SEAL}, so any process that may write it may also truncate it.
 */
final class PosixShmObject implements ShmObject {
    /** Where glibc's {@code shm_open} keeps named objects; used to check a name still refers to our object. */
    private static final String SHM_DIR = "/dev/shm";
    private static final int OWNER_READ_WRITE = 0600;
    private static final MemorySegment MEMFD_NAME = Arena.global().allocateFrom("gips-shm");
    /**
     * Seals of the memfds we create: never shrinks (so no mapping can fault), growing stays allowed for resize, and
     * nobody may add seals later (a peer adding F_SEAL_FUTURE_WRITE would stop our next writable mapping).
     */
    private static final int CREATED_SEALS = Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_SEAL;

    /** The descriptor; -1 once closed. */
    private final AtomicInteger fd;
    private final String name;
    /** Whether the object carries {@code F_SEAL_SHRINK}; a seal is never removed, so this stays true. */
    private final boolean sealed;

    private PosixShmObject(int fd, String name, boolean sealed) {
        this.fd = new AtomicInteger(fd);
        this.name = name;
        this.sealed = sealed;
    }

    /** Creates a named object exclusively (mode 0600), or an anonymous memfd, of {@code size} bytes. */
    static PosixShmObject create(String name, long size) throws IOException {
        MemorySegment errno = Native.threadCapture();
        if (name == null) {
            int fd = SysMman.memfd_create(errno, MEMFD_NAME, SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw error("memfd_create for shared memory", null, Native.errno(errno));
            }
            try {
                truncate(errno, fd, size, null);
                if (Fcntl.fcntl(errno, fd, Fcntl.F_ADD_SEALS, CREATED_SEALS) < 0) {
                    throw error("fcntl(F_ADD_SEALS) of shared memory", null, Native.errno(errno));
                }
                return new PosixShmObject(fd, null, true);
            } catch (IOException | RuntimeException | Error e) {
                Fds.closeQuietly(fd);
                throw e;
            }
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            // glibc adds O_NOFOLLOW and O_CLOEXEC; O_EXCL: never open, let alone destroy, another process's object
            fd = SysMman.shm_open(errno, arena.allocateFrom(name), Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_RDWR,
                    OWNER_READ_WRITE);
        }
        if (fd < 0) {
            int e = Native.errno(errno);
            String message = IoErrors.message("shm_open", name, SHM_DIR + name, Errno.describe(e));
            throw e == Errno.EEXIST ? new FileAlreadyExistsException(null, null, message) : new IOException(message);
        }
        try {
            truncate(errno, fd, size, name);
            return new PosixShmObject(fd, name, false); // a shm object cannot be sealed
        } catch (IOException | RuntimeException | Error e) {
            Fds.closeQuietly(fd);
            shmUnlinkQuietly(name);
            throw e;
        }
    }

    /** Opens an existing named object for reading and writing. */
    static PosixShmObject open(String name) throws IOException {
        MemorySegment errno = Native.threadCapture();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = SysMman.shm_open(errno, arena.allocateFrom(name), Fcntl.O_RDWR, 0);
        }
        if (fd < 0) {
            int e = Native.errno(errno);
            String message = IoErrors.message("shm_open", name, SHM_DIR + name, Errno.describe(e));
            throw e == Errno.ENOENT ? new NoSuchFileException(null, null, message) : new IOException(message);
        }
        return new PosixShmObject(fd, name, false); // a shm object cannot be sealed
    }

    /**
     * Adopts a received descriptor, closing it on failure. It must be a regular file (a memfd, a shm object);
     * a memfd that allows sealing is sealed against shrinking, so no process can make our mappings fault. Other
     * objects (memfds without {@code MFD_ALLOW_SEALING}, shm objects as Rust gips sends, files) are adopted
     * unsealed: {@link #isSealed()} says so.
     */
    static PosixShmObject adopt(int fd) throws IOException {
        MemorySegment errno = Native.threadCapture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(SysStat.STATX);
            if (SysStat.statx(errno, fd, SysStat.EMPTY_PATH, SysStat.AT_EMPTY_PATH, SysStat.STATX_TYPE, st) < 0) {
                throw error("statx of a received shared memory descriptor", null, Native.errno(errno));
            }
            int type = Short.toUnsignedInt(st.get(JAVA_SHORT, SysStat.STX_MODE)) & SysStat.S_IFMT;
            if (type != SysStat.S_IFREG) {
                throw new IOException("the received handle holds no shared memory region: file descriptor " + fd
                        + " is not a memfd or shm object (st_mode type 0" + Integer.toOctalString(type) + ")");
            }
            int seals = Fcntl.fcntl(errno, fd, Fcntl.F_GET_SEALS, 0);
            if (seals >= 0 && (seals & (Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_SEAL)) == 0) {
                // best effort: shrinking is never part of the protocol; a failure leaves things as they were
                Fcntl.fcntl(errno, fd, Fcntl.F_ADD_SEALS, Fcntl.F_SEAL_SHRINK);
            }
            return new PosixShmObject(fd, null, sealedAgainstShrinking(errno, fd));
        } catch (IOException | RuntimeException | Error e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public boolean isSealed() {
        return sealed;
    }

    @Override
    public long size() throws IOException {
        MemorySegment errno = Native.threadCapture();
        long size = Fds.size(errno, fd());
        if (size < 0) {
            throw error("statx of shared memory", name, Native.errno(errno));
        }
        return size;
    }

    @Override
    public void setSize(long bytes) throws IOException {
        if (bytes <= 0 || size() >= bytes) {
            return;
        }
        MemorySegment errno = Native.threadCapture();
        // fallocate grows the file to offset + len and never shrinks it, so two processes growing at once cannot
        // undo each other as two ftruncates could
        if (Fcntl.fallocate(errno, fd(), 0, bytes - 1, 1) == 0) {
            return;
        }
        int e = Native.errno(errno);
        if (e != Errno.EOPNOTSUPP) {
            throw error("fallocate to grow shared memory to " + bytes + " bytes", name, e);
        }
        if (size() < bytes) {
            truncate(errno, fd(), bytes, name);
        }
    }

    @Override
    public MemorySegment map(long length, Arena arena) throws IOException {
        MemorySegment errno = Native.threadCapture();
        MemorySegment address = SysMman.mmap(errno, MemorySegment.NULL, length,
                SysMman.PROT_READ | SysMman.PROT_WRITE, SysMman.MAP_SHARED, fd(), 0);
        if (address.address() == SysMman.MAP_FAILED) {
            throw error("mmap of " + length + " bytes of shared memory", name, Native.errno(errno));
        }
        long raw = address.address();
        return Native.owned(address, length, arena,
                () -> SysMman.munmap(Native.threadCapture(), MemorySegment.ofAddress(raw), length));
    }

    @Override
    public RawHandle export() throws IOException {
        return new RawHandle(Handle.Kind.FILE_DESCRIPTOR, Fds.duplicate(fd()));
    }

    @Override
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    @Override
    public void unlink() throws IOException {
        if (name == null) {
            return;
        }
        MemorySegment errno = Native.threadCapture();
        String path = SHM_DIR + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ours = arena.allocate(SysStat.STATX);
            MemorySegment named = arena.allocate(SysStat.STATX);
            int mask = SysStat.STATX_INO;
            if (SysStat.statx(errno, fd(), SysStat.EMPTY_PATH, SysStat.AT_EMPTY_PATH, mask, ours) < 0) {
                throw error("statx of shared memory", name, Native.errno(errno));
            }
            if (SysStat.statx(errno, SysStat.AT_FDCWD, arena.allocateFrom(path), SysStat.AT_SYMLINK_NOFOLLOW, mask,
                    named) < 0) {
                int e = Native.errno(errno);
                String message = IoErrors.message("shm_unlink", name, path, Errno.describe(e));
                throw e == Errno.ENOENT ? new NoSuchFileException(null, null, message) : new IOException(message);
            }
            if (!sameFile(ours, named)) {
                throw new IOException(IoErrors.message("shm_unlink", name, path,
                        "the name now refers to another region (removed and created again by another process);"
                                + " left it"));
            }
            if (SysMman.shm_unlink(errno, arena.allocateFrom(name)) < 0) {
                int e = Native.errno(errno);
                String message = IoErrors.message("shm_unlink", name, path, Errno.describe(e));
                throw e == Errno.ENOENT ? new NoSuchFileException(null, null, message) : new IOException(message);
            }
        }
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd.getAndSet(-1));
    }

    @Override
    public String toString() {
        return "PosixShmObject[" + (name == null ? "anonymous" : name) + ", fd " + fd.get() + "]";
    }

    private int fd() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException("shared memory object is closed");
        }
        return v;
    }

    /** Whether {@code fd} carries {@code F_SEAL_SHRINK}; {@code false} where seals are unsupported (not shmem). */
    private static boolean sealedAgainstShrinking(MemorySegment errno, int fd) {
        int seals = Fcntl.fcntl(errno, fd, Fcntl.F_GET_SEALS, 0);
        return seals >= 0 && (seals & Fcntl.F_SEAL_SHRINK) != 0;
    }

    private static boolean sameFile(MemorySegment a, MemorySegment b) {
        return a.get(JAVA_LONG, SysStat.STX_INO) == b.get(JAVA_LONG, SysStat.STX_INO)
                && a.get(JAVA_INT, SysStat.STX_DEV_MAJOR) == b.get(JAVA_INT, SysStat.STX_DEV_MAJOR)
                && a.get(JAVA_INT, SysStat.STX_DEV_MINOR) == b.get(JAVA_INT, SysStat.STX_DEV_MINOR);
    }

    private static void truncate(MemorySegment errno, int fd, long size, String name) throws IOException {
        if (Unistd.ftruncate(errno, fd, size) < 0) {
            throw error("ftruncate of shared memory to " + size + " bytes", name, Native.errno(errno));
        }
    }

    private static void shmUnlinkQuietly(String name) {
        try (Arena arena = Arena.ofConfined()) {
            // the object we just created; failure leaves a name the caller's exception already explains
            SysMman.shm_unlink(Native.threadCapture(), arena.allocateFrom(name));
        }
    }

    private static IOException error(String operation, String name, int errno) {
        return IoErrors.io(operation, name, name == null ? null : SHM_DIR + name, Errno.describe(errno));
    }
}
