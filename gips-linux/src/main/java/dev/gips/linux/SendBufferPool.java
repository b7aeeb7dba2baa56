package dev.gips.linux;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A listener's {@link MsgBuffers} for replies: any thread may reply to any client at once (SEQPACKET sends one datagram
 * per call, so concurrent replies need no lock to stay whole), each with buffers borrowed for the one send. They grow
 * to the most threads that ever replied at once and stay for reuse.
 */
final class SendBufferPool {
    private final Queue<MsgBuffers> pool = new ConcurrentLinkedQueue<>();
    /** One spare in a slot: a server replying from one thread reuses it without the queue's node per offer. */
    private final AtomicReference<MsgBuffers> spare = new AtomicReference<>();

    /** Buffers for one send; give them back afterwards. */
    MsgBuffers borrow() {
        MsgBuffers b = spare.getAndSet(null);
        if (b == null) {
            b = pool.poll();
        }
        return b != null ? b : new MsgBuffers();
    }

    void giveBack(MsgBuffers b) {
        if (!spare.compareAndSet(null, b)) {
            pool.offer(b);
        }
    }
}
