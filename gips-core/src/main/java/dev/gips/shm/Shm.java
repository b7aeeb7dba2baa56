package dev.gips.shm;

import dev.gips.ipc.Handle;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A shared memory region that starts with a {@link Header} and can travel to another process as a {@link Handle}:
 * POSIX shm or memfd on Linux, Mach memory entries on macOS, file mappings on Windows.
 *
 * <p>Not implemented yet: the factories throw {@link UnsupportedOperationException} until the shared memory issue
 * lands.
 */
public final class Shm implements AutoCloseable {
    private Shm() {}

    /** Creates a region of {@code size} usable bytes; {@code name} null makes it anonymous. */
    public static Shm create(String name, long size) throws IOException {
        return create(name, Size.of(size));
    }

    /** Creates a region that may grow from {@code size.mapped()} to {@code size.capacity()} bytes. */
    public static Shm create(String name, Size size) throws IOException {
        throw notYet();
    }

    /** Opens the whole named region. */
    public static Shm open(String name) throws IOException {
        throw notYet();
    }

    /** Opens the first {@code size} bytes of the named region. */
    public static Shm open(String name, long size) throws IOException {
        throw notYet();
    }

    /** Maps the region a handle holds, taking ownership of the handle. */
    public static Shm from(Handle handle) throws IOException {
        throw notYet();
    }

    /** Writes {@code src} at {@code offset}; returns the bytes written, clamped to capacity. */
    public long write(byte[] src, long offset) {
        throw notYet();
    }

    /** Writes {@code src} from position to limit at {@code offset}; returns the bytes written. */
    public long write(ByteBuffer src, long offset) {
        throw notYet();
    }

    /** Reads from {@code offset} to the end of capacity. */
    public byte[] read(long offset) {
        throw notYet();
    }

    /** Reads at most {@code size} bytes from {@code offset}. */
    public byte[] read(long offset, long size) {
        throw notYet();
    }

    /** A zero-copy view of the data region. */
    public MemorySegment segment() {
        throw notYet();
    }

    /** The region's header. */
    public Header header() {
        throw notYet();
    }

    /** Usable data bytes now. */
    public long capacity() {
        throw notYet();
    }

    /** The most capacity may grow to. */
    public long total() {
        throw notYet();
    }

    /** Bytes mapped in this process, header included. */
    public long mapped() {
        throw notYet();
    }

    /** The region's name, if it has one. */
    public Optional<String> name() {
        throw notYet();
    }

    /** Grows capacity to {@code size} (at most {@link #total()}); returns the new capacity. */
    public long resize(long size) throws IOException {
        throw notYet();
    }

    /** Maps again after another process resized the region. */
    public void remap() throws IOException {
        throw notYet();
    }

    /** Unmaps the region; unlinks a name it created. */
    @Override
    public void close() {}

    /** Removes the region's name now. */
    public void unlink() throws IOException {
        throw notYet();
    }

    private static UnsupportedOperationException notYet() {
        return new UnsupportedOperationException("shared memory is not implemented yet (issue 4)");
    }
}
