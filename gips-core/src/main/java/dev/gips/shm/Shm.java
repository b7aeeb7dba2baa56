package dev.gips.shm;

import dev.gips.internal.SharedSecrets;
import dev.gips.ipc.Handle;
import dev.gips.spi.Backend;
import dev.gips.spi.Backends;
import dev.gips.spi.RawHandle;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.Optional;

/**
 * A shared memory region that starts with a {@link Header} and can travel to another process as a {@link Handle}.
 * This is gips' {@code Shm}, with its 24-byte header, so Java and Rust processes can share regions.
 *
 * <p>A region has a <em>capacity</em>, the data bytes usable now, and a <em>total</em>, the most it may grow to,
 * fixed at creation. Data starts after the header: offset 0 of {@link #read}, {@link #write} and {@link #segment()}
 * is byte 24 of the OS object. {@code read} and {@code write} clamp to the capacity instead of failing.
 *
 * {@snippet :
 * // producer: an anonymous region, handed to another process over IPC
 * try (Shm shm = Shm.create(null, 1 << 20);                    // 1 MiB, no name left behind
 *      Endpoint endpoint = Endpoint.connect("com.example.consumer")) {
 *     shm.write("hello".getBytes(UTF_8), 0);
 *     try (Handle h = Handle.of(shm)) {                        // a duplicate; shm stays usable
 *         endpoint.send("region".getBytes(UTF_8), h);
 *     }
 *     MemorySegment data = shm.segment();                      // zero-copy, dies with the mapping
 *     data.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 42L);
 * }
 *
 * // consumer
 * try (Message m = pod.message();
 *      Shm shm = Shm.from(m.handles().get(0))) {               // takes the handle
 *     byte[] hello = shm.read(0, 5);
 * }
 * }
 *
 * <h2>Lifetimes</h2>
 * Each mapping lives in its own shared {@link Arena}. {@link #segment()} returns a view of the current mapping;
 * after {@link #close()}, or after a {@link #remap()} or {@link #resize} that mapped the region anew, using an old
 * segment throws {@link IllegalStateException}: it never reads or writes unmapped memory. {@link #read},
 * {@link #write} and {@link #header()} always use the current mapping, also while another thread remaps.
 * {@code close()} is idempotent; afterwards the methods that declare {@link IOException} throw
 * {@link ClosedChannelException} and the others {@link IllegalStateException}.
 *
 * <p>A {@code Shm} that is never closed keeps its mapping and its OS object until a {@link Cleaner} notices it is
 * unreachable, which may be never; that is logged at WARN. Segments keep no reference to their {@code Shm}: keep
 * the {@code Shm} reachable, or closed explicitly, as long as its segments are used.
 *
 * <h2>Names and lifetime of the OS object</h2>
 * A name follows POSIX shm rules; one given without the leading {@code /} gets one, so {@code "data"} and
 * {@code "/data"} are the same region. {@code create} refuses an existing name
 * ({@link java.nio.file.FileAlreadyExistsException}) rather than destroy another process's region; named regions
 * are readable and writable by their owner only. {@code close()} removes the name only if this {@code Shm} created
 * it (and the name still refers to this region); {@link #unlink()} removes it now. Anonymous regions ({@code name}
 * {@code null}) have no name at all, even if the process is killed; they travel only as handles and live until the
 * last process that holds them closes them.
 *
 * <h2>Regions from other processes</h2>
 * {@link #open} and {@link #from} check the region before mapping it: a damaged header ({@link Header#isDamaged()})
 * or a header that claims more bytes than the OS object holds is an {@link IOException}, never a crash. Rust gips
 * 0.2.0 sizes its objects {@code total} bytes rather than {@code 24 + total}, so its full-capacity regions lack the
 * last 24 data bytes; such a region (object size exactly {@code total}) is accepted by growing the object by those
 * 24 bytes, which only appends zeros no other process maps. The regions this class creates are sized
 * {@code 24 + total}.
 *
 * <h2>Regions another process can shrink</h2>
 * A process that shrinks the OS object under a mapping makes accesses to the bytes it cut off fault (SIGBUS).
 * {@link #isSealed()} says whether another process can (on Linux: named regions, memfds created without
 * {@code MFD_ALLOW_SEALING}, POSIX shm objects as Rust gips sends). There, a Java access that faults throws
 * {@link InternalError} and the process goes on, but native code that touches the memory kills the JVM:
 * {@link #segment()} says which uses are which. {@link #fromSealed} and {@link #openSealed} refuse such regions.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. {@code resize}, {@code remap}, {@code unlink}, {@code close} and
 * {@link Handle#of(Shm)} are serialised; {@code read}, {@code write} and {@code segment} take no lock. Concurrent
 * writes to the same bytes are a race in the caller, as with any shared memory; the header's capacity is updated
 * atomically.
 *
 * <h2>Portability</h2>
 * <table class="striped">
 *   <caption>OS objects behind a region</caption>
 *   <thead><tr><th>OS</th><th>named</th><th>anonymous</th><th>handle</th></tr></thead>
 *   <tbody>
 *     <tr><td>Linux</td><td>POSIX shm ({@code shm_open}, {@code /dev/shm/<name>}), mode 0600, unsealed</td>
 *         <td>{@code memfd_create}, sealed against shrinking</td><td>file descriptor</td></tr>
 *     <tr><td>macOS</td><td>POSIX shm (names of at most 31 bytes)</td><td>Mach memory entry</td>
 *         <td>Mach memory entry send right</td></tr>
 *     <tr><td>Windows</td><td>{@code Local\} file mapping</td><td>unnamed page-file-backed file mapping</td>
 *         <td>{@code HANDLE}</td></tr>
 *   </tbody>
 * </table>
 * Not promised: the exact page rounding of {@link #mapped()}, and whether a named region outlives a reboot.
 *
 * <p><strong>NOTE:</strong> the backends call native code through {@code java.lang.foreign}: run the JVM with
 * {@code --enable-native-access=ALL-UNNAMED} (or the backend's module name).
 */
public final class Shm implements AutoCloseable {
    static {
        SharedSecrets.setShmAccess(shm -> shm.region.export()); // for Handle.of
    }

    private final Region region;
    private final Header header;

    private Shm(Region region) {
        this.region = region;
        this.header = new Header(region);
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Creates a region of {@code size} usable bytes that cannot grow; {@code name} {@code null} makes it anonymous.
     *
     * @param name the region's name ({@code "data"} or {@code "/data"}), or {@code null} for an anonymous region
     * @param size usable data bytes, at least 0
     * @throws java.nio.file.FileAlreadyExistsException if a region of that name exists
     * @throws IllegalArgumentException if the name breaks POSIX shm rules or the size is negative
     * @throws IOException if the OS refuses
     */
    public static Shm create(String name, long size) throws IOException {
        return create(name, Size.of(size));
    }

    /**
     * Creates a region of {@code size.mapped()} usable bytes that may grow to {@code size.capacity()} with
     * {@link #resize}; {@code name} {@code null} makes it anonymous. The data is zero-filled.
     *
     * @param name the region's name ({@code "data"} or {@code "/data"}), or {@code null} for an anonymous region
     * @param size the capacity now and the most it may grow to
     * @throws java.nio.file.FileAlreadyExistsException if a region of that name exists
     * @throws IllegalArgumentException if the name breaks POSIX shm rules or the size does not fit the address space
     * @throws IOException if the OS refuses
     */
    public static Shm create(String name, Size size) throws IOException {
        Objects.requireNonNull(size, "size");
        String normalised = name == null ? null : ShmNames.normalise(name);
        long objectSize = RegionChecks.span(size.capacity());
        return new Shm(Region.create(Backends.get().createShm(normalised, objectSize), size));
    }

    /**
     * Opens the whole named region: its header and its current capacity. On Linux a named region is never sealed
     * against shrinking ({@link #isSealed()}).
     *
     * @throws java.nio.file.NoSuchFileException if there is no region of that name
     * @throws IOException if the region is damaged, its header claims more than its object holds, or the OS
     *                     refuses
     */
    public static Shm open(String name) throws IOException {
        return open(name, -1, false);
    }

    /**
     * Like {@link #open(String)}, but refuses a region that another process could shrink ({@link #isSealed()}
     * {@code false}) before mapping any of it. On Linux that is every named region (POSIX shm objects cannot be
     * sealed), so this always fails there; on macOS and Windows no region can shrink.
     *
     * @throws java.nio.file.NoSuchFileException if there is no region of that name
     * @throws IOException if the region is not sealed against shrinking, is damaged, its header claims more than
     *                     its object holds, or the OS refuses
     */
    public static Shm openSealed(String name) throws IOException {
        return open(name, -1, true);
    }

    /**
     * Opens the header and the first {@code size} data bytes of the named region (at most its capacity).
     *
     * @throws java.nio.file.NoSuchFileException if there is no region of that name
     * @throws IOException if the region is damaged, its object holds less than the header claims, or the OS
     *                     refuses
     */
    public static Shm open(String name, long size) throws IOException {
        checkNotNegative("size", size);
        return open(name, size, false);
    }

    /** Opens a named region: its header and {@code prefix} data bytes (all of the capacity if negative). */
    private static Shm open(String name, long prefix, boolean sealedOnly) throws IOException {
        String normalised = ShmNames.normalise(name);
        return new Shm(Region.attach(Backends.get().openShm(normalised), prefix, sealedOnly,
                "open \"" + normalised + "\""));
    }

    /**
     * Maps the region a handle holds, taking ownership of the handle: afterwards the handle is closed (also when
     * this fails), and a {@code Message} that carried it no longer closes it. The region has no name. A region the
     * sender can still shrink is accepted ({@link #isSealed()} says so); {@link #fromSealed} refuses it.
     *
     * @throws IllegalArgumentException if the handle is of a kind this OS cannot map (the handle is left open)
     * @throws IllegalStateException if the handle is closed
     * @throws IOException if the handle holds no shared memory region, the region is damaged, or its header claims
     *                     more than its object holds
     */
    public static Shm from(Handle handle) throws IOException {
        return from(handle, false);
    }

    /**
     * Like {@link #from(Handle)}, but refuses a region another process could shrink ({@link #isSealed()}
     * {@code false}) before mapping any of it, closing the handle: on Linux memfds created without
     * {@code MFD_ALLOW_SEALING}, and POSIX shm objects or files (what Rust gips 0.2.0 sends). Memfds that allow
     * sealing (what gips for Java sends) are sealed on receipt and accepted.
     *
     * @throws IllegalArgumentException if the handle is of a kind this OS cannot map (the handle is left open)
     * @throws IllegalStateException if the handle is closed
     * @throws IOException if the region is not sealed against shrinking, the handle holds no shared memory region,
     *                     the region is damaged, or its header claims more than its object holds
     */
    public static Shm fromSealed(Handle handle) throws IOException {
        return from(handle, true);
    }

    private static Shm from(Handle handle, boolean sealedOnly) throws IOException {
        Objects.requireNonNull(handle, "handle");
        Backend backend = Backends.get();
        if (!backend.handleKinds().contains(handle.kind())) {
            throw new IllegalArgumentException("a " + handle.kind() + " handle holds no shared memory on "
                    + backend.name());
        }
        Handle.Kind kind = handle.kind();
        long value = SharedSecrets.ipc().take(handle);
        return new Shm(Region.attach(backend.shmFromHandle(new RawHandle(kind, value)), -1, sealedOnly,
                "map a received region"));
    }

    // ------------------------------------------------------------------------------------------------- data

    /**
     * Writes {@code src} at {@code offset} of the data region.
     *
     * @return the bytes written: all of {@code src}, or fewer if it would pass the capacity (0 from an offset at or
     *         past the capacity)
     * @throws IllegalArgumentException if {@code offset} is negative
     * @throws IllegalStateException if the region is closed
     */
    public long write(byte[] src, long offset) {
        Objects.requireNonNull(src, "src");
        checkNotNegative("offset", offset);
        return region.withMapping(m -> m.write(src, offset));
    }

    /**
     * Writes the bytes of {@code src} from its position to its limit at {@code offset} of the data region, and
     * advances the position by the bytes written.
     *
     * @return the bytes written, clamped to the capacity as {@link #write(byte[], long)} does
     * @throws IllegalArgumentException if {@code offset} is negative
     * @throws IllegalStateException if the region is closed
     */
    public long write(ByteBuffer src, long offset) {
        Objects.requireNonNull(src, "src");
        checkNotNegative("offset", offset);
        long written = region.withMapping(m -> m.write(src, offset));
        src.position(src.position() + (int) written);
        return written;
    }

    /**
     * Reads from {@code offset} to the end of the capacity.
     *
     * @return a copy of the bytes, empty if {@code offset} is at or past the capacity
     * @throws IllegalArgumentException if {@code offset} is negative, or the bytes do not fit a {@code byte[]}
     *                                  (use {@link #segment()} for regions over 2 GiB)
     * @throws IllegalStateException if the region is closed
     */
    public byte[] read(long offset) {
        return read(offset, Long.MAX_VALUE);
    }

    /**
     * Reads at most {@code size} bytes from {@code offset}, clamped to the capacity.
     *
     * @return a copy of the bytes, empty if {@code offset} is at or past the capacity
     * @throws IllegalArgumentException if {@code offset} or {@code size} is negative, or the bytes do not fit a
     *                                  {@code byte[]}
     * @throws IllegalStateException if the region is closed
     */
    public byte[] read(long offset, long size) {
        checkNotNegative("offset", offset);
        checkNotNegative("size", size);
        return region.withMapping(m -> m.read(offset, size));
    }

    /**
     * Reads into {@code dst} from {@code offset}: as many bytes as {@code dst} holds, clamped to the capacity. Unlike
     * {@link #read(long, long)} this allocates no array, so a reader that reuses one copies at the speed of
     * {@link MemorySegment#copy}.
     *
     * @return the bytes read: {@code dst.length}, or fewer if the capacity ends first (0 from an offset at or past
     *         the capacity); the rest of {@code dst} is left as it was
     * @throws IllegalArgumentException if {@code offset} is negative
     * @throws IllegalStateException if the region is closed
     */
    public long read(long offset, byte[] dst) {
        Objects.requireNonNull(dst, "dst");
        checkNotNegative("offset", offset);
        return region.withMapping(m -> m.read(offset, dst));
    }

    /**
     * A zero-copy view of the data region: {@link #capacity()} bytes from byte 24 of the current mapping. It dies
     * with the mapping: after {@link #close()}, or after a {@link #remap()} or {@link #resize} that mapped the
     * region anew, using it throws {@link IllegalStateException}. Call {@code segment()} again after those.
     *
     * <p><strong>On a region that is not sealed</strong> ({@link #isSealed()} {@code false}), another process can
     * shrink the OS object under the mapping, and an access to the bytes it cut off faults (SIGBUS). What happens
     * then depends on what makes the access (JDK 25 on Linux; {@code ShmShrinkTest} checks each):
     * <ul>
     *   <li>Java code: the segment's {@code get}/{@code set} in any access mode other than compare-and-set,
     *       {@link MemorySegment#copy} (also into a segment of your own), {@code fill}, {@code mismatch},
     *       {@code toArray}, {@code getString}, {@code get}/{@code put} of a view from {@code asByteBuffer()},
     *       {@link java.security.MessageDigest#update(java.nio.ByteBuffer)}, and this class's {@code read},
     *       {@code write} and {@link #header()}: the JVM throws {@link InternalError} ("a fault occurred in an
     *       unsafe memory access operation") in the accessing thread and goes on.</li>
     *   <li>System calls given the memory, e.g. {@code FileChannel.write(segment.asByteBuffer())}: the kernel fails
     *       the call with {@code EFAULT}, an {@link IOException} ("Bad address").</li>
     *   <li><strong>Unsafe: these kill the JVM</strong> (SIGBUS, exit status 134): native code that reads or writes
     *       the memory (a downcall such as {@code memcpy}, a JNI library); JDK classes that hand a direct buffer to
     *       native code: {@link java.util.zip.CRC32}, {@code CRC32C} and {@code Adler32} {@code update(ByteBuffer)},
     *       {@link java.util.zip.Deflater} and {@code Inflater} with input from {@code asByteBuffer()};
     *       {@code compareAndSet}, {@code weakCompareAndSet} and {@code compareAndExchange} through a
     *       {@link java.lang.invoke.VarHandle} while the caller runs interpreted (HotSpot's interpreter does not
     *       guard them), and so {@link Header#compareAndSetCapacity} and {@link #resize} if the shrink lands between
     *       their read of the header and their compare-and-set.</li>
     * </ul>
     * Safe alternatives: copy the bytes out first ({@link #read(long, byte[])}, {@link #read(long, long)},
     * {@link MemorySegment#copy} into a heap array or a segment of your own) and give native code the copy, catching
     * {@code InternalError} around the copy; or accept only sealed regions ({@link #fromSealed}, {@link #openSealed},
     * or check {@link #isSealed()}). On a sealed region none of this can happen.
     *
     * @throws IllegalStateException if the region is closed
     */
    public MemorySegment segment() {
        return region.withMapping(Mapping::data);
    }

    /**
     * The region's header, which follows this region across remaps.
     *
     * @throws IllegalStateException if the region is closed
     */
    public Header header() {
        region.ensureOpen();
        return header;
    }

    /**
     * The data bytes usable through this mapping now: the header's capacity, but never more than this process has
     * mapped. When another process has grown the region, {@link #remap()} makes the new bytes usable here.
     *
     * @throws IllegalStateException if the region is closed
     */
    public long capacity() {
        return region.withMapping(Mapping::capacity);
    }

    /**
     * The most capacity may grow to, from the header.
     *
     * @throws IllegalStateException if the region is closed
     */
    public long total() {
        return region.withMapping(m -> Header.total(m.segment()));
    }

    /**
     * The bytes mapped in this process, header included.
     *
     * @throws IllegalStateException if the region is closed
     */
    public long mapped() {
        return region.withMapping(Mapping::length);
    }

    /**
     * The region's name with its leading {@code /}, or empty for an anonymous or received region.
     *
     * @throws IllegalStateException if the region is closed
     */
    public Optional<String> name() {
        return region.name();
    }

    /**
     * Whether no other process can shrink the region's OS object, so that no access through this region can fault;
     * {@code false} for a region another process can shrink (plain shm files, unsealed memfds), on which the uses of
     * {@link #segment()} that hand its memory to native code can kill the JVM. Fixed when the region was created,
     * opened or received. {@code true} on macOS and Windows (Mach memory entries and sections have a fixed size,
     * POSIX shm objects are sized once), and on Linux for anonymous regions created here (memfds sealed with
     * {@code F_SEAL_SHRINK}) and received memfds created with {@code MFD_ALLOW_SEALING} (sealed on receipt).
     * {@code false} on Linux for named regions (any process of their owner can truncate {@code /dev/shm/<name>}),
     * received memfds created without {@code MFD_ALLOW_SEALING}, and received POSIX shm objects or files (what Rust
     * gips 0.2.0 sends).
     *
     * @throws IllegalStateException if the region is closed
     * @see #fromSealed(Handle)
     * @see #openSealed(String)
     */
    public boolean isSealed() {
        return region.isSealed();
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    /**
     * Grows the capacity to {@code size} and maps the new bytes. A {@code size} at most the current capacity
     * changes nothing. Other processes see the new capacity in the header and map it with {@link #remap()}.
     * Segments from {@link #segment()} taken before a resize that grew the region are no longer valid.
     *
     * @return the capacity now
     * @throws IllegalArgumentException if {@code size} is negative or more than {@link #total()}
     * @throws ClosedChannelException if the region is closed
     * @throws IOException if another process shrank the region's object under this mapping (possible only when
     *                     {@link #isSealed()} is {@code false}), or the OS cannot grow or map the region
     */
    public long resize(long size) throws IOException {
        checkNotNegative("size", size);
        return region.grow(size);
    }

    /**
     * Maps the region again if another process grew it, so {@link #capacity()} and {@link #segment()} cover the new
     * capacity. Does nothing if the capacity fits the current mapping (a mapping never shrinks); otherwise segments
     * taken before are no longer valid.
     *
     * @throws ClosedChannelException if the region is closed
     * @throws IOException if another process shrank the region's object under this mapping (possible only when
     *                     {@link #isSealed()} is {@code false}), the header is damaged, claims more than the OS
     *                     object holds, or the OS cannot map it
     */
    public void remap() throws IOException {
        region.remap();
    }

    /**
     * Removes the region's name now, so nobody can open it any more; processes that have it mapped keep it. Does
     * nothing for an anonymous or received region. Afterwards {@link #close()} removes nothing.
     *
     * @throws ClosedChannelException if the region is closed
     * @throws java.nio.file.NoSuchFileException if the name is gone already
     * @throws IOException if the name now refers to another region (it is left alone), or the OS refuses
     */
    public void unlink() throws IOException {
        region.unlink();
    }

    /**
     * Unmaps the region and closes its OS object; removes its name if this {@code Shm} created it and nobody has
     * removed or replaced the name since. Idempotent. Segments taken from this region throw
     * {@link IllegalStateException} afterwards; other processes keep their mappings.
     */
    @Override
    public void close() {
        region.close();
    }

    @Override
    public String toString() {
        return region.toString();
    }

    private static void checkNotNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be >= 0: " + value);
        }
    }
}
