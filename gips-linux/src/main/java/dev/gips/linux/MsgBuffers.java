package dev.gips.linux;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Native scratch for sending or receiving messages on a socket: a {@code msghdr}, an {@code iovec}, a control
 * buffer, room for the sender's address, an errno capture slot, a {@code statx} buffer, and a data buffer that grows
 * to the largest message seen (up to {@link #CACHED_DATA_MAX}). Reused for every message by one thread at a time (the
 * owner's lock or pool). Waiting takes other scratch: {@link WaitScratch}.
 *
 * <p>The memory comes from automatic arenas: a buffer is freed only when no one can reach it any more, so a channel
 * closed by another thread can never free memory that a downcall is still using, and growing costs no shared-arena
 * handshake.
 */
final class MsgBuffers {
    /**
     * Room for SCM_CREDENTIALS (set for clients without an address, see {@link Wire}) plus SCM_RIGHTS with the
     * kernel's maximum of descriptors.
     */
    static final long CONTROL_SIZE = SysSocket.CMSG_SPACE(SysSocket.UCRED.byteSize())
            + SysSocket.CMSG_SPACE(4L * SysSocket.SCM_MAX_FD);
    /** Data buffers up to this size are kept for the next message; larger ones are allocated per message. */
    static final long CACHED_DATA_MAX = 64 * 1024;
    private static final long INITIAL_DATA = 512;

    final MemorySegment msghdr;
    final MemorySegment iov;
    final MemorySegment control;
    /** The sender's address ({@code msg_name}, or {@code accept4}'s), which tells a datagram from end-of-stream. */
    final MemorySegment name;
    /** A {@code socklen_t} for {@code accept4}. */
    final MemorySegment nameLength;
    final MemorySegment errno;
    /** A {@code struct statx} for checking a received out-of-band memfd's size. */
    final MemorySegment statx;
    private MemorySegment data;
    /** The descriptors of the message {@link Wire#receivePayload} took last, until {@link #takeFds()}. */
    private int[] fds = NO_FDS;
    private static final int[] NO_FDS = new int[0];
    /**
     * The letter of the shared-memory channel's control datagram that {@link Wire#receivePayload} took last (see
     * {@link ShmControl}), or 0 if that was a message.
     */
    byte ringControl;
    /** Whether {@link #data} holds any datagram we accept, so that a receive needs no length peek first. */
    private final boolean holdsAnyMessage;
    /**
     * Whether {@link Wire#receivePayload} leaves a valid out-of-band payload's memfd here for the caller to read
     * ({@link #takeOutOfBandFd()}), instead of reading it itself: a listener reads it after releasing its lock.
     */
    private final boolean defersOutOfBand;
    private int outOfBandFd = -1;
    private long outOfBandLength;
    /** Whether the next receive peeks at the length first: the datagram taken last was a large one. */
    private boolean peekFirst;
    /** Sends that could have gone straight from the caller's array, up to {@link #DIRECT_SEND_AFTER}. */
    private int directCandidates;
    /**
     * How many sends that could go straight from the caller's array go through {@code sendmsg} first. A send from the
     * array is a call shape of its own: linking it costs a fresh JVM milliseconds (about 2% of a program that binds,
     * connects and exchanges one message), while {@code sendmsg} shares its call stub with {@code recvmsg}, which every
     * program links. So only a channel that keeps sending pays for the link, and gets the cheaper send from then on.
     */
    static final int DIRECT_SEND_AFTER = 16;

    MsgBuffers() {
        this(CONTROL_SIZE);
    }

    /** With a control buffer of {@code controlSize} bytes; tests use a small one to provoke MSG_CTRUNC. */
    MsgBuffers(long controlSize) {
        this(controlSize, null, null, false);
    }

    private MsgBuffers(long controlSize, MemorySegment msghdr, MemorySegment wholeMessageData,
            boolean defersOutOfBand) {
        Arena arena = Arena.ofAuto();
        this.msghdr = msghdr != null ? msghdr : arena.allocate(SysSocket.MSGHDR);
        iov = arena.allocate(SysSocket.IOVEC);
        control = arena.allocate(controlSize, 8);
        name = arena.allocate(SysSocket.SOCKADDR_UN);
        nameLength = arena.allocate(ValueLayout.JAVA_INT);
        errno = Native.allocateCapture(arena);
        statx = arena.allocate(SysStat.STATX);
        data = wholeMessageData != null ? wholeMessageData : arena.allocate(INITIAL_DATA, 8);
        holdsAnyMessage = wholeMessageData != null;
        this.defersOutOfBand = defersOutOfBand;
    }

    /**
     * Buffers whose data buffer takes any datagram up to the payload limit and one byte more, so that every
     * receive is a single {@code recvmsg}: a datagram that does not fit is over the limit anyway. The data buffer is
     * an anonymous mapping reserved, not committed: only the pages a message touches use memory. It is unmapped
     * when {@code owner} closes. For an endpoint; a listener, which has one such buffer for all its clients, uses
     * {@link #forWholeMessages(Arena, boolean)}.
     */
    static MsgBuffers forWholeMessages(Arena owner) throws IOException {
        return forWholeMessages(owner, false);
    }

    /**
     * Like {@link #forWholeMessages(Arena)}; with {@code deferOutOfBand}, a receive leaves a valid out-of-band
     * payload for the caller to read (see {@link #takeOutOfBandFd()}).
     */
    static MsgBuffers forWholeMessages(Arena owner, boolean deferOutOfBand) throws IOException {
        long length = Limits.MAX_PAYLOAD + 1L;
        MemorySegment data = reserve(owner, length);
        if (data == null) {
            throw new IOException("mmap of a " + length + "-byte receive buffer: "
                    + Errno.describe(Native.errno(Native.threadCapture())));
        }
        return new MsgBuffers(CONTROL_SIZE, null, data, deferOutOfBand);
    }

    /**
     * {@code length} bytes of address space reserved, not committed (only the pages a datagram touches use memory),
     * unmapped when {@code owner} closes; {@code null} if the system refuses (the errno is in the thread's capture).
     */
    static MemorySegment reserve(Arena owner, long length) {
        MemorySegment address = SysMman.mmap(Native.threadCapture(), MemorySegment.NULL, length,
                SysMman.PROT_READ | SysMman.PROT_WRITE,
                SysMman.MAP_PRIVATE | SysMman.MAP_ANONYMOUS | SysMman.MAP_NORESERVE, -1, 0);
        if (address.address() == SysMman.MAP_FAILED) {
            return null;
        }
        long raw = address.address();
        return Native.owned(address, length, owner,
                () -> SysMman.munmap(Native.threadCapture(), MemorySegment.ofAddress(raw), length));
    }

    /**
     * Buffers for one slot of a {@link ReceiveBatch}: the {@code msghdr} inside the batch's {@code mmsghdr} vector, and
     * {@code data} that takes any datagram (as {@link #forWholeMessages(Arena)}'s).
     */
    static MsgBuffers slot(MemorySegment msghdr, MemorySegment data) {
        return new MsgBuffers(CONTROL_SIZE, msghdr, data, false);
    }

    /** Whether a receive may skip the length peek: any acceptable datagram fits {@link #data(long)}. */
    boolean holdsAnyMessage() {
        return holdsAnyMessage;
    }

    /**
     * Whether the next receive peeks at the datagram's length first, so that a large one can go straight into an
     * array of its size ({@link Wire#DIRECT_MIN}): the datagram taken last was large, and large ones tend to follow.
     */
    boolean peeksFirst() {
        return peekFirst;
    }

    void peekFirst(boolean peek) {
        peekFirst = peek;
    }

    /**
     * Whether a send that can go straight from the caller's array does so: after {@link #DIRECT_SEND_AFTER} such sends
     * through these buffers, which this call counts.
     */
    boolean sendsDirectly() {
        if (directCandidates >= DIRECT_SEND_AFTER) {
            return true;
        }
        directCandidates++;
        return false;
    }

    boolean defersOutOfBand() {
        return defersOutOfBand;
    }

    void putOutOfBand(int memfd, long length) {
        outOfBandFd = memfd;
        outOfBandLength = length;
    }

    /**
     * The memfd of the out-of-band payload the last receive left to read, once (it belongs to the caller now, who
     * reads {@link #outOfBandLength()} bytes and closes it), or -1 if it left none.
     */
    int takeOutOfBandFd() {
        int fd = outOfBandFd;
        outOfBandFd = -1;
        return fd;
    }

    /** Whether the last receive left an out-of-band payload to read. */
    boolean hasOutOfBand() {
        return outOfBandFd >= 0;
    }

    /** The length of the out-of-band payload the last receive left, if it left one. */
    long outOfBandLength() {
        return outOfBandLength;
    }

    void putFds(int[] received) {
        fds = received;
    }

    /** Whether the last message received carried descriptors that nobody took yet. */
    boolean hasFds() {
        return fds.length > 0;
    }

    /** The descriptors of the last message received, once: they belong to the caller now. */
    int[] takeFds() {
        int[] taken = fds;
        fds = NO_FDS;
        return taken;
    }

    /** A data buffer of at least {@code size} bytes. */
    MemorySegment data(long size) {
        if (data.byteSize() >= size) {
            return data;
        }
        if (size > CACHED_DATA_MAX) {
            return Arena.ofAuto().allocate(size, 8);
        }
        data = Arena.ofAuto().allocate(Long.highestOneBit(size - 1) << 1, 8);
        return data;
    }
}
