package dev.gips.spi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The OS object behind a {@code dev.gips.shm.Shm}: a POSIX shm object or memfd on Linux, a Mach memory entry on
 * macOS, a file mapping on Windows. It knows nothing of the 24-byte header, of capacities or of names' syntax: core
 * reads and checks the header, decides what to map and when, and calls these methods under one lock, never two at a
 * time.
 *
 * <p>The object owns one OS resource (a descriptor, a port, a {@code HANDLE}) until {@link #close()}. Mappings it
 * returns belong to the arena they were made in, not to the object: they stay valid after {@code close()} until
 * their arena is closed.
 */
public interface ShmObject {
    /**
     * The object's size in bytes as the OS reports it ({@code statx}/{@code fstat} on Linux).
     *
     * @throws IOException if the OS cannot tell
     */
    long size() throws IOException;

    /**
     * Whether no process can make the object smaller than it is, so that no mapping of it can fault because the
     * object shrank: {@code true} for objects the OS cannot shrink (Mach memory entries, macOS POSIX shm once sized,
     * Windows sections) or has sealed against shrinking (Linux memfds with {@code F_SEAL_SHRINK}), {@code false}
     * for objects whose owner, or any process with write access, can truncate (Linux POSIX shm objects, memfds
     * without the seal, regular files). When unsure, {@code false}. Fixed when the object is created, opened or
     * adopted: a seal added later is not seen, which errs on the safe side.
     */
    boolean isSealed();

    /**
     * Grows the object to at least {@code bytes}. Never shrinks it: another process may map what lies beyond.
     *
     * @throws IOException if the OS refuses (no memory, a seal, a read-only object)
     */
    void setSize(long bytes) throws IOException;

    /**
     * Maps bytes {@code [0, length)} of the object read-write and shared. The returned segment is exactly
     * {@code length} bytes, belongs to {@code arena}, and is unmapped when {@code arena} closes. On failure nothing
     * stays mapped.
     *
     * @throws IOException if the OS cannot map it
     */
    MemorySegment map(long length, Arena arena) throws IOException;

    /**
     * A duplicate of the OS object, owned by the caller, to send to another process.
     *
     * @throws IOException if the OS cannot duplicate it
     */
    RawHandle export() throws IOException;

    /** The object's normalised name ({@code "/data"}), or empty for an anonymous or received object. */
    Optional<String> name();

    /**
     * Removes the object's name, if it still names this object: a name that another process removed and created
     * anew is left alone, with an {@link IOException}. Does nothing for an anonymous object.
     *
     * @throws java.nio.file.NoSuchFileException if the name no longer exists
     * @throws IOException if the name now names another object, or the OS refuses
     */
    void unlink() throws IOException;

    /** Releases the OS resource; idempotent, never throws. Mappings made earlier stay valid. */
    void close();
}
