package dev.gips.linux;

import java.util.Arrays;

/**
 * Which client a listener reads next; used under the listener's receive lock.
 *
 * <p>The batch: the clients the last {@code epoll_wait} reported, each read at most once before the next one (a
 * request/reply client is not read again in vain). They are served in the order of the virtual time at which their
 * next message would be done, fair queueing by bytes: each client's finish tag grows by the cost of each message taken
 * from it (its bytes, plus {@link #MESSAGE_COST} so that many small messages count too), starting no lower than the
 * virtual time (the start tag of the message taken last), and its next message is guessed to cost what its last one
 * did. A client that just sent 16 MiB waits until the others have had as much, and one that sends little is taken
 * next. After {@link #TURN_BYTES} since the last {@code epoll_wait} the rest of the batch is dropped and epoll asked
 * again (level-triggered: nothing is lost), so a client whose message arrives meanwhile waits for at most that much,
 * plus the message under way (with one thread; with several, another thread takes it).
 *
 * <p>Streaming clients: a client that sends faster than we take is read again before the next {@code epoll_wait},
 * saving that call per message; a request/reply client would make this read fail, so it is tried only every
 * {@link #PROBE_EVERY} messages until it succeeds, and a run ends after {@link #MAX_RUN} messages or
 * {@link #TURN_BYTES} bytes so other clients get their turn.
 */
final class FairScheduler {
    /** What a message costs beyond its bytes, so that many small messages count too. */
    static final long MESSAGE_COST = 512;
    /** The bytes taken between two looks at epoll (and the most a streaming run takes). */
    private static final long TURN_BYTES = 1 << 20;
    private static final int PROBE_EVERY = 16;
    private static final int MAX_RUN = 32;

    private final SeqpacketClient[] batch;
    private int batchSize;
    private int batchLeft;
    private long virtualTime;
    private long turnBytes;
    /** Whether {@link #TURN_BYTES} were taken since epoll was asked: the batch is to be dropped. */
    private boolean turnOver;
    private SeqpacketClient recent;
    private boolean readRecentFirst;
    private int run;
    private int sinceProbe;

    /** For batches of up to {@code capacity} clients: the most events one {@code epoll_wait} reports. */
    FairScheduler(int capacity) {
        batch = new SeqpacketClient[capacity];
    }

    /** Forgets the rest of the batch; epoll reports its clients again (level-triggered). */
    void drop() {
        Arrays.fill(batch, 0, batchSize, null);
        batchSize = 0;
        batchLeft = 0;
    }

    /** Adds a client reported by the {@code epoll_wait} of a new batch (after {@link #drop}). */
    void add(SeqpacketClient c) {
        batch[batchSize++] = c;
    }

    /** Ends the filling of a new batch: a new turn begins. */
    void filled() {
        batchLeft = batchSize;
        turnBytes = 0;
    }

    /** Whether a turn's bytes have been taken since epoll was asked, once: then the caller drops the batch. */
    boolean turnOver() {
        if (!turnOver) {
            return false;
        }
        turnOver = false;
        return true;
    }

    /** Whether a client of the batch is still to be visited. */
    boolean hasNext() {
        return batchLeft > 0;
    }

    /**
     * Takes the unvisited client of the batch whose next message would be done first in virtual time (the first of
     * equals, in epoll's order).
     */
    SeqpacketClient next() {
        int best = -1;
        long bestTag = Long.MAX_VALUE;
        for (int i = 0; i < batchSize; i++) {
            SeqpacketClient c = batch[i];
            if (c != null) {
                long tag = Math.max(c.finishTag, virtualTime) + c.lastCost;
                if (tag < bestTag) {
                    best = i;
                    bestTag = tag;
                }
            }
        }
        SeqpacketClient c = batch[best];
        batch[best] = null;
        batchLeft--;
        return c;
    }

    /** Advances {@code c}'s finish tag by a message of {@code bytes}. */
    void charge(SeqpacketClient c, long bytes) {
        long cost = bytes + MESSAGE_COST;
        long start = Math.max(c.finishTag, virtualTime);
        c.finishTag = start + cost;
        c.lastCost = cost;
        virtualTime = start;
        turnBytes += cost;
        if (turnBytes >= TURN_BYTES) {
            turnOver = true;         // look at epoll again before the rest of the batch
            readRecentFirst = false; // and end a streaming run
        }
    }

    /** Notes that a message of {@code c} came through epoll; now and then, try reading it first next time. */
    void tookFromEvent(SeqpacketClient c) {
        if (c != recent) {
            recent = c;
            sinceProbe = 0;
        }
        if (++sinceProbe >= PROBE_EVERY) {
            sinceProbe = 0;
            readRecentFirst = true;
        }
    }

    /** The client to read again before the next {@code epoll_wait}, if one streams and its run goes on; else null. */
    SeqpacketClient streaming() {
        return readRecentFirst && run < MAX_RUN && !recent.isCopying() ? recent : null;
    }

    /** What reading the {@link #streaming} client gave: a message continues its run; nothing queued ends it. */
    void streamed(boolean tookOne) {
        if (tookOne) {
            run++;
        } else {
            readRecentFirst = false; // nothing queued: it waits for our reply, or it is gone
        }
    }

    /** The next {@code epoll_wait} comes: a streaming run starts over. */
    void endRun() {
        run = 0;
    }
}
