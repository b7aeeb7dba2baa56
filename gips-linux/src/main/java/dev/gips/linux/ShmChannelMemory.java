package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static dev.gips.linux.ShmChannel.RING_SIZE;
import static dev.gips.linux.ShmChannel.regionSize;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory of a shared-memory channel ({@link ShmChannel}): made by the listener (a memfd, allocated whole and
 * sealed against shrinking and growing), checked by the endpoint before it maps anything, and mapped by both.
 */
final class ShmChannelMemory {
    private ShmChannelMemory() {}

    private static final MemorySegment NAME = Arena.global().allocateFrom("gips-channel");
    private static final int SEALS = Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_GROW | Fcntl.F_SEAL_SEAL;

    /** The listener's side of a new channel; nothing is left open on failure. */
    static ShmChannel create(Where where) throws IOException {
        int memfd = -1;
        Arena arena = null;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(scratch);
            memfd = SysMman.memfd_create(errno, NAME, SysMman.MFD_CLOEXEC | SysMman.MFD_ALLOW_SEALING);
            if (memfd < 0) {
                throw where.error("memfd_create for a shared-memory channel", Native.errno(errno));
            }
            // allocated now, so that no write to the mapping can fault for want of memory later
            if (Fcntl.fallocate(errno, memfd, 0, 0, regionSize()) < 0) {
                throw where.error("fallocate of a shared-memory channel", Native.errno(errno));
            }
            if (Fcntl.fcntl(errno, memfd, Fcntl.F_ADD_SEALS, SEALS) < 0) {
                throw where.error("fcntl(F_ADD_SEALS) of a shared-memory channel", Native.errno(errno));
            }
            arena = Arena.ofShared();
            ShmChannel channel = new ShmChannel(arena, map(memfd, arena, errno, where), memfd, true);
            // both consumers start asleep: the first record of each side rings the other
            channel.in.startAsleep();
            channel.out.startAsleep();
            return channel;
        } catch (IOException | RuntimeException e) {
            if (arena != null) {
                arena.close();
            }
            Fds.closeQuietly(memfd);
            throw e;
        }
    }

    /**
     * The endpoint's side of the channel a listener offered; {@code memfd} is closed whatever happens (the mapping
     * keeps the memory).
     *
     * @throws IOException if what was offered is not memory this side can use safely
     */
    static ShmChannel adopt(int memfd, long ringSize, Where where) throws IOException {
        Arena arena = null;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(scratch);
            if (ringSize != RING_SIZE) {
                throw where.error("shared-memory channel", "offered rings of " + ringSize + " bytes, not "
                        + RING_SIZE);
            }
            int seals = Fcntl.fcntl(errno, memfd, Fcntl.F_GET_SEALS, 0);
            if (seals < 0 || (seals & (Fcntl.F_SEAL_SHRINK | Fcntl.F_SEAL_GROW)) != (Fcntl.F_SEAL_SHRINK
                    | Fcntl.F_SEAL_GROW)) {
                throw where.error("shared-memory channel", "the offered memory is not a memfd sealed against"
                        + " shrinking and growing");
            }
            MemorySegment st = scratch.allocate(SysStat.STATX);
            if (SysStat.statx(errno, memfd, SysStat.EMPTY_PATH, SysStat.AT_EMPTY_PATH, SysStat.STATX_SIZE, st) < 0
                    || st.get(JAVA_LONG, SysStat.STX_SIZE) != regionSize()) {
                throw where.error("shared-memory channel", "the offered memory is not " + regionSize() + " bytes");
            }
            arena = Arena.ofShared();
            return new ShmChannel(arena, map(memfd, arena, errno, where), -1, false);
        } catch (IOException | RuntimeException e) {
            if (arena != null) {
                arena.close();
            }
            throw e;
        } finally {
            Fds.closeQuietly(memfd);
        }
    }

    private static MemorySegment map(int memfd, Arena arena, MemorySegment errno, Where where) throws IOException {
        long size = regionSize();
        MemorySegment address = SysMman.mmap(errno, MemorySegment.NULL, size, SysMman.PROT_READ | SysMman.PROT_WRITE,
                SysMman.MAP_SHARED, memfd, 0);
        if (address.address() == SysMman.MAP_FAILED) {
            throw where.error("mmap of a shared-memory channel", Native.errno(errno));
        }
        long raw = address.address();
        return Native.owned(address, size, arena,
                () -> SysMman.munmap(Native.threadCapture(), MemorySegment.ofAddress(raw), size));
    }
}
