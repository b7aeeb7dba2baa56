package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The payload of an out-of-band message (see {@link Wire}): a memfd that holds it, sealed against writing and
 * resizing, so that what the receiver reads is what was sent and stays so. Made by the sender, checked and read by the
 * receiver with {@code write}/{@code pread}: no mapping on either side.
 */
final class OutOfBand {
    private OutOfBand() {}

    private static final int SEALS = Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_GROW | Fcntl.F_SEAL_WRITE | Fcntl.F_SEAL_SEAL;
    /** The seals a receiver needs: nobody can shrink the memfd under it nor change what it reads. */
    private static final int NEEDED_SEALS = Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_WRITE;
    private static final MemorySegment MEMFD_NAME = Arena.global().allocateFrom("gips-payload");
    /** The most one critical {@code write}/{@code pread} of a payload copies: bounds how long the GC waits. */
    private static final long COPY_CHUNK = 1 << 20;
    /** How often sealing is tried while the kernel answers EBUSY (see {@link #seal}). */
    static final int SEAL_ATTEMPTS = 5;
    private static final Runnable RETRY_AT_ONCE = () -> { };

    /**
     * A native buffer of {@link #COPY_CHUNK} bytes per thread, made only where a critical call cannot take a heap
     * segment (JDK 22 and 23, see {@link Native#CRITICAL_WITH_ERRNO}).
     */
    private static final ThreadLocal<MemorySegment> BOUNCE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(COPY_CHUNK, 8));

    /**
     * A sealed memfd holding {@code payload} from position to limit (the position is not changed). The caller sends it
     * and closes it.
     */
    static int create(ByteBuffer payload, MemorySegment errno, Where where) throws IOException {
        int len = payload.remaining();
        int memfd = SysMman.memfd_create(errno, MEMFD_NAME, SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING);
        if (memfd < 0) {
            throw where.error("memfd_create for a payload of " + len + " bytes", Native.errno(errno));
        }
        try {
            // write(2) copies straight from the payload (a Java array too, on JDK 24+) into the memfd's pages: no
            // mapping, no page faults, no TLB shootdown at munmap, as a mapping would cost on both sides
            MemorySegment src = MemorySegment.ofBuffer(payload);
            long done = 0;
            while (done < len) {
                long chunk = Math.min(len - done, COPY_CHUNK);
                long w = writeToMemfd(errno, memfd, src.asSlice(done, chunk), chunk);
                if (w < 0) {
                    if (Native.errno(errno) == Errno.EINTR) {
                        continue;
                    }
                    throw where.error("write of a " + len + "-byte payload to its memfd", Native.errno(errno));
                }
                done += w;
            }
            seal(memfd, errno, where, RETRY_AT_ONCE);
            return memfd;
        } catch (IOException | RuntimeException | Error e) {
            Fds.closeQuietly(memfd);
            throw e;
        }
    }

    /**
     * Seals a payload's memfd against writing and resizing. {@code F_SEAL_WRITE} fails with EBUSY while something still
     * holds a reference to one of its pages once the kernel has waited for it (seen under load in a C peer doing the
     * same, gips-benchmarks' {@code seqpacket_peer.c}): that is transient, so it is tried up to
     * {@value #SEAL_ATTEMPTS} times, {@code beforeRetry} running before each new attempt.
     */
    static void seal(int memfd, MemorySegment errno, Where where, Runnable beforeRetry) throws IOException {
        for (int attempt = 1; Fcntl.fcntl(errno, memfd, Fcntl.F_ADD_SEALS, SEALS) < 0; attempt++) {
            int e = Native.errno(errno);
            if (e != Errno.EBUSY || attempt == SEAL_ATTEMPTS) {
                throw where.error("fcntl(F_ADD_SEALS) of a payload memfd" + (e == Errno.EBUSY ? " (" + attempt
                        + " attempts)" : ""), e);
            }
            beforeRetry.run();
        }
    }

    /**
     * Whether {@code memfd} can carry a payload of {@code length} bytes that a marker claims: it is a memfd sealed
     * against shrinking and writing, holding at least that much, and the claim is within the payload limit. Two system
     * calls before anything is allocated, so a marker that lies costs the receiver nothing (issue 16: a 16 MiB claim
     * with an empty memfd made it allocate 16 MiB first).
     *
     * @param statx a {@code struct statx} buffer of the caller's
     */
    static boolean holds(int memfd, long length, MemorySegment statx, MemorySegment errno) {
        if (length < 0 || length > Limits.MAX_PAYLOAD) {
            return false;
        }
        int seals = Fcntl.fcntl(errno, memfd, Fcntl.F_GET_SEALS, 0); // EINVAL for anything but a memfd
        if (seals < 0 || (seals & NEEDED_SEALS) != NEEDED_SEALS) {
            return false;
        }
        return SysStat.statx(errno, memfd, SysStat.EMPTY_PATH, SysStat.AT_EMPTY_PATH, SysStat.STATX_SIZE, statx) == 0
                && statx.get(JAVA_LONG, SysStat.STX_SIZE) >= length;
    }

    /**
     * Reads a payload that {@link #holds} accepted. The caller closes the memfd.
     *
     * @throws Wire.ProtocolException if the memfd holds less than it did when checked (its seals forbid that)
     */
    static byte[] read(int memfd, long len, MemorySegment errno, Where where) throws IOException {
        // pread(2) copies straight from the memfd's pages into the new array (on JDK 24+): no mapping, and a memfd
        // shorter than it claims is a short read, not a SIGBUS
        byte[] payload = new byte[(int) len];
        MemorySegment dst = MemorySegment.ofArray(payload);
        long done = 0;
        while (done < len) {
            long chunk = Math.min(len - done, COPY_CHUNK);
            long r = preadFromMemfd(errno, memfd, dst.asSlice(done, chunk), chunk, done);
            if (r < 0) {
                if (Native.errno(errno) == Errno.EINTR) {
                    continue;
                }
                throw where.error("read of an out-of-band payload", Native.errno(errno));
            }
            if (r == 0) {
                throw new Wire.ProtocolException(where.message("recvmsg", "out-of-band payload claims " + len
                        + " bytes but its memfd holds " + done + "; dropped it"));
            }
            done += r;
        }
        return payload;
    }

    /** {@code write} of {@code count <= COPY_CHUNK} bytes of {@code src} (heap or native) to a memfd. */
    private static long writeToMemfd(MemorySegment errno, int memfd, MemorySegment src, long count) {
        if (Native.CRITICAL_WITH_ERRNO) {
            return Unistd.writeNonBlocking(errno, memfd, src, count);
        }
        if (src.isNative()) {
            return Unistd.write(errno, memfd, src, count);
        }
        MemorySegment bounce = BOUNCE.get();
        MemorySegment.copy(src, 0, bounce, 0, count);
        return Unistd.write(errno, memfd, bounce, count);
    }

    /** {@code pread} of up to {@code count <= COPY_CHUNK} bytes at {@code offset} of a memfd into {@code dst}. */
    private static long preadFromMemfd(MemorySegment errno, int memfd, MemorySegment dst, long count, long offset) {
        if (Native.CRITICAL_WITH_ERRNO) {
            return Unistd.preadNonBlocking(errno, memfd, dst, count, offset);
        }
        if (dst.isNative()) {
            return Unistd.pread(errno, memfd, dst, count, offset);
        }
        MemorySegment bounce = BOUNCE.get();
        long r = Unistd.pread(errno, memfd, bounce, count, offset);
        if (r > 0) {
            MemorySegment.copy(bounce, 0, dst, 0, r);
        }
        return r;
    }
}
