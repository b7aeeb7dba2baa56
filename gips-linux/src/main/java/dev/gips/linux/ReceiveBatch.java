package dev.gips.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gips.spi.Limits;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Up to {@link #SLOTS} datagrams of one client taken with one {@code recvmmsg}, for a listener draining a plain client
 * that streams (see {@link FairScheduler#streaming()}): one system call instead of one per datagram. Each is then
 * handed out as if {@code recvmsg} had just taken it ({@link Wire#received}), in order, before anything else is read
 * from that client's socket. Only plain clients' (C, Rust, Python): their datagrams never carry an out-of-band payload
 * to read outside the listener's lock, nor a control datagram of the shared-memory channel.
 *
 * <p>Every slot takes any datagram whole (the data of each is a reserved, not committed, mapping of the payload limit
 * and one byte more, like the listener's own receive buffer), so a batch never truncates what a single receive would
 * take. Datagrams taken but not yet handed out hold descriptors of this process: {@link #discard()} closes them.
 * Used under the listener's receive lock.
 */
final class ReceiveBatch {
    /** Datagrams per call: C's streaming receive gains as much with 8 as with 16 or 32 here. */
    static final int SLOTS = 8;
    private static final long SLOT_DATA = Limits.MAX_PAYLOAD + 1L;
    private static final long STRIDE = SysSocket.MMSGHDR.byteSize();

    private final MemorySegment vector;    // SLOTS struct mmsghdr
    private final MsgBuffers[] slots = new MsgBuffers[SLOTS];
    private final MemorySegment errno;
    private SeqpacketClient owner;
    private int next;
    private int count;
    private long fills;

    private ReceiveBatch(MemorySegment vector, MemorySegment data, MemorySegment errno) {
        this.vector = vector;
        this.errno = errno;
        for (int i = 0; i < SLOTS; i++) {
            MsgBuffers slot = MsgBuffers.slot(vector.asSlice(i * STRIDE + SysSocket.MMSG_HDR, SysSocket.MSGHDR),
                    data.asSlice(i * SLOT_DATA, SLOT_DATA));
            slot.iov.set(ADDRESS, SysSocket.IOV_BASE, slot.data(0));
            slot.iov.set(JAVA_LONG, SysSocket.IOV_LEN, SLOT_DATA);
            slots[i] = slot;
        }
    }

    /**
     * A batch whose data mapping {@code owner} unmaps when it closes; {@code null} if it cannot be mapped (a system
     * that commits every mapping, say): the listener then reads one datagram per call, as before.
     */
    static ReceiveBatch map(Arena owner) {
        MemorySegment data = MsgBuffers.reserve(owner, SLOTS * SLOT_DATA);
        if (data == null) {
            return null;
        }
        Arena auto = Arena.ofAuto();
        return new ReceiveBatch(auto.allocate(SysSocket.MMSGHDR, SLOTS), data, Native.allocateCapture(auto));
    }

    /** Whether datagrams of {@code c} wait here: they come before anything else read from its socket. */
    boolean holds(SeqpacketClient c) {
        return owner == c;
    }

    /** Whether no datagram waits here: a new batch may be taken, of any client. */
    boolean isEmpty() {
        return owner == null;
    }

    /** The client whose datagrams wait here, or null. */
    SeqpacketClient owner() {
        return owner;
    }

    /**
     * Takes up to {@link #SLOTS} datagrams of {@code c} from its socket without waiting; the batch must be empty.
     * The number taken, or {@code -errno} ({@code -EAGAIN}: none was queued).
     */
    int fill(SeqpacketClient c, int fd) {
        for (MsgBuffers slot : slots) {
            Datagram.prepareReceive(slot);
        }
        int n;
        do {
            n = SysSocket.recvmmsg(errno, fd, vector, SLOTS, SysSocket.MSG_DONTWAIT | SysSocket.MSG_CMSG_CLOEXEC);
        } while (n < 0 && Datagram.retry(Native.errno(errno)));
        if (n <= 0) {
            return n < 0 ? -Native.errno(errno) : -Errno.EAGAIN;
        }
        fills++;
        owner = c;
        next = 0;
        count = n;
        return n;
    }

    /**
     * The next datagram of the batch, as {@link Wire#receivePayload} would have returned it, with its descriptors
     * left in {@code into}; the batch is empty after the last.
     */
    byte[] take(SeqpacketSocket s, MsgBuffers into) throws IOException {
        int i = next++;
        if (next == count) {
            owner = null;
        }
        MsgBuffers slot = slots[i];
        long m = Integer.toUnsignedLong(vector.get(JAVA_INT, i * STRIDE + SysSocket.MMSG_LEN));
        into.ringControl = 0;
        byte[] payload = Wire.received(s, slot, slot.data(0), -1, m);
        into.putFds(slot.takeFds());
        return payload;
    }

    /** Drops the datagrams that wait here, closing the descriptors they brought. */
    void discard() {
        if (owner != null) {
            for (int i = next; i < count; i++) {
                Fds.closeAll(Datagram.fds(slots[i]));
            }
        }
        owner = null;
        next = 0;
        count = 0;
    }

    /** How many datagrams wait here. */
    int waiting() {
        return owner == null ? 0 : count - next;
    }

    /** How many batches were taken; for tests. */
    long fills() {
        return fills;
    }
}
