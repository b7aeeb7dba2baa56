package dev.gips.linux;

import dev.gips.spi.Arrival;
import dev.gips.spi.IoErrors;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.LogLimiter;
import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound SOCK_SEQPACKET service. A private {@link EpollSet} holds the listening socket, every admitted client's socket
 * (added when core admits the client: see {@link SeqpacketClient#admit}) and the waker that {@link #close()} uses to
 * wake a blocked receiver; all registrations are level-triggered, so a client with queued messages stays reported
 * and the epoll descriptor itself is readable exactly while something waits (which is what lets a {@code Poller}
 * watch a listener).
 *
 * <p>This class is the receive loop and the lifecycle; the jobs it delegates: accepting and shedding clients
 * ({@link Acceptor}), which client to read next ({@link FairScheduler}), a streaming plain client's datagrams taken
 * several per call ({@link ReceiveBatch}), the bytes of out-of-band payloads read at once ({@link OutOfBandBudget}),
 * the buffers of replies ({@link SendBufferPool}), the socket file ({@link SocketFile}).
 *
 * <p>The listener's gate counts the threads inside {@link #receive} and every open client: the epoll set and the
 * listening socket are released only after the last client closed. A listener bound to a path owns its
 * {@link SocketFile}, which it removes then.
 */
final class SeqpacketListener implements ListenerChannel, Pollable {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketListener.class);

    private static final long LISTEN_TOKEN = 0;
    private static final long WAKE_TOKEN = 1;
    private static final int BACKLOG = 4096;
    private static final int MAX_EVENTS = 64;
    /**
     * Classes of the paths that run when the process is out of descriptors, loaded with this one: loading a class
     * from a directory on the class path (unlike from a jar, which stays open) needs a descriptor, then missing.
     */
    private static final List<Class<?>> LOADED_EARLY = List.of(Fds.class, Errno.class, IoErrors.class,
            Wire.DescriptorsLost.class, Wire.ProtocolException.class);

    private final Where where;
    private final SocketFile socketFile;    // null for an abstract name and for a socket taken over from systemd
    private final EpollSet epoll;
    private final ReleaseGate gate = new ReleaseGate(this::release);
    private final Acceptor acceptor;
    private final Map<Long, SeqpacketClient> clients = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(2);
    private final SendBufferPool sendBuffers = new SendBufferPool();
    final OutOfBandBudget outOfBand;
    /** WARN lines for clients dropped for breaking the protocol: a few per interval, then a count. */
    private final LogLimiter violations;
    /** WARN lines for clients dropped because this process had no descriptors for their message. */
    private final LogLimiter exhaustion;
    /** Each receiving thread's, reused for every arrival it takes. A subclass, not a lambda: cheaper to load. */
    private final ThreadLocal<Handoff> handoffs = new ThreadLocal<>() {
        @Override
        protected Handoff initialValue() {
            return new Handoff();
        }
    };

    private final ReentrantLock receiveLock = new ReentrantLock();
    private final Arena buffersArena;                                     // owns readBuffers' data mapping
    private final MsgBuffers readBuffers;                                 // guarded by receiveLock
    private final WaitScratch receiveWait = new WaitScratch();            // guarded by receiveLock
    private final MemorySegment events = EpollSet.events(MAX_EVENTS);     // guarded by receiveLock
    private final FairScheduler scheduler = new FairScheduler(MAX_EVENTS + HotClients.CAPACITY); // receiveLock
    private final HotClients hot = new HotClients();                      // guarded by receiveLock
    private final int offerAfter;           // messages from a gips-java client before its channel offer; -1: never
    private final boolean offerWhenPolled;  // whether clients are offered a channel while a Poller watches
    private volatile boolean watched;       // whether a Poller watches: then no receive spins (see ShmChannel)
    /** Whether the last epoll_wait reported the listening socket and nobody accepted since. */
    private boolean listenReady;                                          // guarded by receiveLock
    /** A streaming plain client's datagrams taken together; mapped when first needed (null until then). */
    private ReceiveBatch receiveBatch;                                    // guarded by receiveLock
    private boolean receiveBatchUnavailable;                              // guarded by receiveLock
    /**
     * Guards {@link #batchOwner} and {@link #batchMarked}: a poller that starts watching while datagrams wait in the
     * batch must see the listener readable until they are taken, although the owner's socket may be empty. The owner's
     * socket is then watched for EPOLLOUT too (always ready, so always reported) until the batch is empty.
     */
    private final Object batchReport = new Object();
    /** Whose datagrams wait in the batch: the batch's own owner is the receive lock's, this copy a registrar's. */
    private SeqpacketClient batchOwner;     // guarded by batchReport
    private SeqpacketClient batchMarked;    // whose socket is watched for EPOLLOUT; guarded by batchReport

    private SeqpacketListener(Where where, int listenFd, SocketFile socketFile, EpollSet epoll, Arena buffersArena,
            MsgBuffers readBuffers, boolean shmChannel) {
        this.offerAfter = ShmChannel.offerAfter(shmChannel);
        this.offerWhenPolled = ShmChannel.whenPolled();
        this.buffersArena = buffersArena;
        this.readBuffers = readBuffers;
        this.where = where;
        this.socketFile = socketFile;
        this.epoll = epoll;
        this.acceptor = new Acceptor(listenFd, where, epoll, LISTEN_TOKEN, gate);
        this.outOfBand = new OutOfBandBudget(where);
        this.violations = limiter(where, "for breaking the protocol");
        this.exhaustion = limiter(where, "whose messages could not be received whole for want of file descriptors");
    }

    /** WARN lines for dropped clients of one kind: a few per interval, then a count. */
    private static LogLimiter limiter(Where where, String why) {
        return new LogLimiter(LoggerFactory.getLogger(SeqpacketClient.class), "service \"" + where.service()
                + "\": dropped {} more clients " + why + ", not logged one by one (at most " + LogLimiter.BURST
                + " lines per {} s)");
    }

    /** Binds {@code name}; with {@code shmChannel} false no client is offered a shared-memory channel. */
    static SeqpacketListener bind(String name, boolean shmChannel) throws IOException {
        UnixAddress address = UnixAddress.of(name);
        Where where = address.where();
        int listenFd = -1;
        SocketFile file = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            listenFd = SysSocket.socket(errno, SysSocket.AF_UNIX,
                    SysSocket.SOCK_SEQPACKET | SysSocket.SOCK_CLOEXEC | SysSocket.SOCK_NONBLOCK, 0);
            if (listenFd < 0) {
                throw where.error("socket", Native.errno(errno));
            }
            if (address.isAbstract()) {
                if (SysSocket.bind(errno, listenFd, address.sockaddr(arena), address.sockaddrLength()) < 0) {
                    int e = Native.errno(errno);
                    throw e == Errno.EADDRINUSE ? where.error("bind", "address in use: another service is bound"
                            + " to this abstract name") : where.error("bind", e);
                }
                if (SysSocket.listen(errno, listenFd, BACKLOG) < 0) {
                    throw where.error("listen", Native.errno(errno));
                }
            } else {
                file = SocketFile.bind(listenFd, address, BACKLOG);
            }
            return around(where, listenFd, file, shmChannel);
        } catch (IOException | RuntimeException e) {
            Fds.closeQuietly(listenFd);
            if (file != null) {
                file.remove();
            }
            throw e;
        }
    }

    /**
     * A listener around a listening socket that systemd passed (see {@link SocketActivation}). Closing it closes
     * the descriptor but never unlinks the socket file: the service manager created it and keeps its own copy.
     * On failure the descriptor stays open.
     */
    static SeqpacketListener adopt(int listenFd, Where where) throws IOException {
        // listen() again: the kernel hands each connecting client the credentials of whoever called listen() last,
        // so without this clients' peerCredentials() would report systemd (pid 1, root) instead of this service
        if (SysSocket.listen(Native.threadCapture(), listenFd, BACKLOG) < 0) {
            throw where.error("listen", Native.errno(Native.threadCapture()));
        }
        return around(where, listenFd, null, true);
    }

    /** The epoll set, waker and buffers around {@code listenFd}; on failure frees them, not the socket or its file. */
    private static SeqpacketListener around(Where where, int listenFd, SocketFile file, boolean shmChannel)
            throws IOException {
        EpollSet epoll = EpollSet.open(where, WAKE_TOKEN);
        Arena buffersArena = null;
        try {
            epoll.add(listenFd, SysEpoll.EPOLLIN, LISTEN_TOKEN, where, "the listening socket");
            // one receive buffer for every client, large enough that a receive never needs a length peek
            buffersArena = Arena.ofShared();
            MsgBuffers readBuffers = MsgBuffers.forWholeMessages(buffersArena, true);
            return new SeqpacketListener(where, listenFd, file, epoll, buffersArena, readBuffers, shmChannel);
        } catch (IOException | RuntimeException e) {
            if (buffersArena != null) {
                buffersArena.close();
            }
            epoll.close();
            throw e;
        }
    }

    Where where() {
        return where;
    }

    @Override
    public String address() {
        return where.address();
    }

    /**
     * Takes the next arrival under the receive lock and hands it out as an {@link Arrival} made here, in a frame the
     * JIT inlines into the caller: nothing carries a message out of the lock but the thread's own {@link Handoff}.
     */
    @Override
    public Arrival receive(long timeoutNanos) throws IOException {
        Handoff taken = take(timeoutNanos);
        return taken == null ? null : taken.arrival();
    }

    /**
     * The next arrival, in this thread's handoff, or {@code null} once the time is up; an out-of-band payload is read
     * after the lock is released, so that other threads serve other clients meanwhile.
     */
    private Handoff take(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0; // the clock only when needed
        if (!SeqpacketEndpoint.lock(receiveLock, timeoutNanos)) {
            return null;
        }
        Handoff taken = handoffs.get();
        try {
            gate.enter();
            try {
                if (!receiveLocked(taken, timeoutNanos, deadline)) {
                    return null;
                }
            } finally {
                gate.exit();
            }
        } finally {
            receiveLock.unlock();
        }
        taken.readOutOfBand(outOfBand);
        return taken;
    }

    /**
     * Takes the next arrival into {@code taken}; {@code false} once the time is up. Bounded whatever clients do: a
     * call with a timeout of 0 handles the events left from the last {@code epoll_wait} and at most one more batch; a
     * timed call returns at its deadline, even while events keep coming.
     */
    private boolean receiveLocked(Handoff taken, long timeoutNanos, long deadline) throws IOException {
        // a virtual thread polls without waiting and parks on the epoll descriptor instead of holding its carrier
        boolean virtual = Thread.currentThread().isVirtual();
        boolean looked = false; // whether this call has asked epoll for a batch yet
        for (;;) {
            if (scheduler.turnOver()) {
                dropBatch(); // a turn's bytes taken since epoll was asked: ask again, for clients that sent meanwhile
            }
            if (receiveBatch != null && !receiveBatch.isEmpty() && takeFromReceiveBatch(taken)) {
                return true; // datagrams taken already go first: their client's socket may report nothing more
            }
            while (listenReady || scheduler.hasNext()) {
                if (takeFromBatch(taken)) {
                    return true;
                }
                if (timeoutNanos > 0 && deadline - System.nanoTime() <= 0) {
                    return false; // the rest of the batch waits for the next call
                }
            }
            if (gate.isClosing()) {
                throw new AsynchronousCloseException();
            }
            if (takeFromStreaming(taken)) {
                return true;
            }
            long left = timeoutNanos > 0 ? deadline - System.nanoTime() : 0;
            boolean timeUp = timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0);
            if (timeUp && looked) {
                return false; // one batch per call once the time is up, however many clients keep connecting
            }
            if (!timeUp && !hot.isEmpty() && !watched && spinOnHot(timeoutNanos, deadline)) {
                looked = true;
                continue;
            }
            int ms = virtual || timeUp ? 0 : timeoutNanos < 0 ? -1 : Sockets.millisRoundedUp(left);
            int n = epoll.wait(events, MAX_EVENTS, ms, receiveWait.errno);
            looked = true;
            if (n < 0) {
                int e = Native.errno(receiveWait.errno);
                if (e == Errno.EINTR) {
                    continue;
                }
                throw where.error("epoll_wait", e);
            }
            fillBatch(n);
            if (n > 0) {
                continue;
            }
            left = timeoutNanos > 0 ? deadline - System.nanoTime() : 0;
            if (timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0)) {
                return false;
            }
            if (virtual) {
                ParkingPoller.read().await(epoll.fd(), timeoutNanos < 0 ? -1 : left, receiveWait, where);
            }
        }
    }

    /**
     * Takes the next of what the last {@code epoll_wait} reported into {@code taken}: a client to accept first, then
     * the clients of the batch in the scheduler's order; {@code false} if that one brought nothing.
     */
    private boolean takeFromBatch(Handoff taken) throws IOException {
        if (listenReady) {
            listenReady = false;
            return acceptOne(taken);
        }
        SeqpacketClient c = scheduler.next();
        // a client whose out-of-band payload another thread is reading is not read meanwhile
        byte[] m = c.isCopying() ? Wire.NOTHING : read(c, false);
        if (!took(taken, c, m)) {
            return false;
        }
        if (m != Wire.HUNG_UP) {
            scheduler.tookFromEvent(c);
        }
        return true;
    }

    /** Reads the client that streams, if the scheduler says so, before the next {@code epoll_wait}. */
    private boolean takeFromStreaming(Handoff taken) {
        SeqpacketClient streaming = scheduler.streaming();
        if (streaming != null) {
            boolean tookOne = took(taken, streaming, read(streaming, true));
            scheduler.streamed(tookOne);
            if (tookOne) {
                return true;
            }
        }
        scheduler.endRun();
        return false;
    }

    /** The next datagram of the batch's client into {@code taken}; {@code false} if none (it closed meanwhile). */
    private boolean takeFromReceiveBatch(Handoff taken) {
        SeqpacketClient c = receiveBatch.owner();
        boolean tookOne = took(taken, c, c.receive(readBuffers, receiveBatch, receiveWait));
        batchTaken();
        scheduler.streamed(tookOne); // part of the client's streaming run
        return tookOne;
    }

    /**
     * Reads {@code c}: what waits for it in the batch first; a streaming plain client's datagrams in a new batch
     * when {@code streaming} and the batch is free (see {@link #batchFor}); else one datagram.
     */
    private byte[] read(SeqpacketClient c, boolean streaming) {
        ReceiveBatch batch = receiveBatch;
        if (batch != null && batch.holds(c)) {
            byte[] m = c.receive(readBuffers, batch, receiveWait);
            batchTaken();
            return m;
        }
        batch = streaming ? batchFor(c) : null;
        if (batch == null) {
            return c.receive(readBuffers, receiveWait);
        }
        byte[] m = c.receive(readBuffers, batch, receiveWait);
        if (!batch.isEmpty()) {
            batchFilled(c);
        }
        return m;
    }

    /**
     * The batch for a new run of {@code c}'s datagrams, or null: only for a plain client whose last datagram was small
     * (a large one goes straight into its array instead), while the batch is free and no poller watches (a poll loop
     * may stop taking while datagrams wait; see {@link #batchReport} for one that starts watching meanwhile).
     */
    private ReceiveBatch batchFor(SeqpacketClient c) {
        if (watched || !c.batches() || c.lastCost > Wire.DIRECT_MIN || receiveBatchUnavailable) {
            return null;
        }
        if (receiveBatch == null) {
            receiveBatch = ReceiveBatch.map(buffersArena);
            if (receiveBatch == null) {
                receiveBatchUnavailable = true;
                LOG.debug("service \"{}\": no room to map a receive batch: one datagram per call", where.service());
                return null;
            }
        }
        return receiveBatch.isEmpty() ? receiveBatch : null;
    }

    /** Datagrams of {@code c} wait in the batch now: if a poller watches, it must see them. */
    private void batchFilled(SeqpacketClient c) {
        synchronized (batchReport) {
            batchOwner = c;
            if (watched) {
                markBatch();
            }
        }
    }

    /** One was taken from the batch: once it is empty, its owner's socket is watched as before. */
    private void batchTaken() {
        if (receiveBatch.isEmpty() && batchOwner != null) {
            synchronized (batchReport) {
                batchOwner = null;
                SeqpacketClient c = batchMarked;
                batchMarked = null;
                if (c != null && c.gate().tryEnter()) { // else it left the epoll set when it closed
                    try {
                        clientInterest(c, SysEpoll.EPOLLIN, receiveWait.event, receiveWait.errno);
                    } finally {
                        c.gate().exit();
                    }
                }
            }
        }
    }

    /** Watches the batch owner's socket for EPOLLOUT too, so that epoll reports it; the caller holds batchReport. */
    private void markBatch() {
        SeqpacketClient c = batchOwner;
        if (c != null && batchMarked == null && c.gate().tryEnter()) {
            try (Arena arena = Arena.ofConfined()) { // once, when a poller starts watching with datagrams waiting
                if (clientInterest(c, SysEpoll.EPOLLIN | SysEpoll.EPOLLOUT, arena.allocate(SysEpoll.EPOLL_EVENT),
                        Native.allocateCapture(arena))) {
                    batchMarked = c;
                }
            } finally {
                c.gate().exit();
            }
        }
    }

    /** Puts what {@code c.receive} returned into {@code taken}, charging its client; {@code false} if nothing came. */
    private boolean took(Handoff taken, SeqpacketClient c, byte[] m) {
        if (m == Wire.NOTHING) {
            return false;
        }
        if (m == Wire.HUNG_UP) {
            taken.disconnected(c);
            return true;
        }
        scheduler.charge(c, readBuffers.hasOutOfBand() ? readBuffers.outOfBandLength() : m.length);
        taken.message(c, m, readBuffers);
        return true;
    }

    private void dropBatch() {
        scheduler.drop();
        listenReady = false;
    }

    /** Fills the batch from the {@code n} events of the last epoll_wait. */
    private void fillBatch(int n) {
        dropBatch();
        for (int i = 0; i < n; i++) {
            addFromEvent(EpollSet.token(events, i));
        }
        scheduler.filled();
    }

    /** Adds what an event's token names to the batch being filled. */
    private void addFromEvent(long token) {
        if (token == LISTEN_TOKEN) {
            listenReady = true;
        } else if (token != WAKE_TOKEN) { // only close() writes the eventfd, never drained: every waiter wakes
            SeqpacketClient c = clients.get(token);
            if (c != null) {
                scheduler.add(c);
            }
        }
    }

    /**
     * Before sleeping: looks at the rings of the clients that sent through shared memory last, for up to
     * {@link ShmChannel#SPIN_NANOS}, and at epoll now and then; then announces to each that we sleep, so that its
     * next record rings its socket. {@code true} if something came (it is in the batch).
     */
    private boolean spinOnHot(long timeoutNanos, long deadline) throws IOException {
        hot.stayAwake();
        long start = System.nanoTime();
        long end = timeoutNanos > 0 ? Math.min(deadline, start + ShmChannel.SPIN_NANOS) : start + ShmChannel.SPIN_NANOS;
        int n = 0;
        boolean found = false;
        for (int round = 1; !found && n == 0; round++) {
            found = hot.anyMessage();
            if (!found && (round & 63) == 0) {
                n = epoll.wait(events, MAX_EVENTS, 0, receiveWait.errno);
                if (System.nanoTime() - end > 0) {
                    break;
                }
            }
            ShmChannel.pause();
        }
        // asleep again for every client, whatever came: the batch takes what is there
        dropBatch();
        for (int i = 0; i < n; i++) {
            addFromEvent(EpollSet.token(events, i));
        }
        found |= hot.sleep(scheduler);
        scheduler.filled();
        return found || n > 0;
    }

    /** How many batches of datagrams were taken, and how many of them wait now; for tests, by the receiving thread. */
    long[] receiveBatchesForTest() {
        return receiveBatch == null ? new long[2] : new long[] {receiveBatch.fills(), receiveBatch.waiting()};
    }

    /** A message came through {@code c}'s ring: a blocking receive spins on it first. */
    void ringActive(SeqpacketClient c) {
        hot.touch(c);
    }

    /**
     * After how many messages a gips-java client is offered a shared-memory channel; -1 if never, as while a poller
     * watches (see {@link ShmChannel#WHEN_POLLED_PROPERTY}).
     */
    int offerAfter() {
        return watched && !offerWhenPolled ? -1 : offerAfter;
    }

    /** A poller watches this listener from now on: no receive spins, so every ring record rings its socket. */
    @Override
    public void watched() {
        watched = true;
        synchronized (batchReport) {
            markBatch(); // datagrams taken in a batch before: the poller must see them
        }
    }

    /** Accepts one waiting client into {@code taken}; {@code false} if none could be taken. */
    private boolean acceptOne(Handoff taken) throws IOException {
        Acceptor.Accepted a = acceptor.accept(readBuffers);
        if (a == null) {
            return false;
        }
        if (!gate.tryEnter()) { // closing: the client must not outlive the listener
            Fds.closeQuietly(a.socket().fd);
            return false;
        }
        // not in the epoll set yet: nobody reads the client before core admitted it (see watch)
        SeqpacketClient client = new SeqpacketClient(this, a.socket(), nextId.getAndIncrement(), a.credentials());
        clients.put(client.id(), client);
        taken.connected(client);
        return true;
    }

    /**
     * Adds an admitted client's socket to the epoll set, so that receivers read it from now on; the caller holds the
     * client's gate, and the client holds ours. Called once per client, by whichever thread admits it.
     *
     * @return {@code false} if the kernel refused (the caller closes the client)
     */
    boolean watch(SeqpacketClient client) {
        try { // once per client, not per message
            epoll.add(client.fd(), SysEpoll.EPOLLIN, client.id(), where, "the client's socket");
            return true;
        } catch (IOException e) {
            LOG.warn("service \"{}\": dropped client pid {}: {}", where.service(), client.credentials().pid(),
                    e.getMessage());
            return false;
        }
    }

    /** Sets what epoll watches a client's socket for (0 or EPOLLIN); the caller holds the client's gate. */
    boolean clientInterest(SeqpacketClient c, int interest, MemorySegment event, MemorySegment errno) {
        return epoll.control(SysEpoll.EPOLL_CTL_MOD, c.fd(), interest, c.id(), event, errno) == 0;
    }

    LogLimiter violations() {
        return violations;
    }

    LogLimiter exhaustion() {
        return exhaustion;
    }

    SendBufferPool sendBuffers() {
        return sendBuffers;
    }

    /** Called once per client, when its socket is about to close. */
    void released(SeqpacketClient client) {
        clients.remove(client.id());
        // the epoll set outlives every client (they hold the gate), so this never hits a reused descriptor; for a
        // client never admitted (refused, or closed before) the socket is not in the set, and ENOENT is harmless
        epoll.remove(client.fd(), Native.threadCapture());
        gate.exit();
    }

    @Override
    public void close() {
        if (gate.close(this::wake)) {
            for (SeqpacketClient c : clients.values()) {
                c.close();
            }
            violations.flush();
            exhaustion.flush();
        }
    }

    /**
     * Wakes the thread blocked in {@link #receive}, if any. Open clients count as users of the gate too, so close()
     * calls this for every listener that has clients; with nobody holding the receive lock there is nobody to wake,
     * and the write is skipped (sparing a fresh JVM the link of {@code write}). No waiter is missed: close() marks
     * the gate closing before this reads the lock, and a receiver that takes the lock afterwards sees the mark.
     */
    private void wake() {
        if (receiveLock.isLocked()) {
            epoll.wake();
        }
    }

    private void release() {
        if (receiveBatch != null) {
            receiveBatch.discard(); // nobody is inside any more: closes what the datagrams that wait brought
        }
        acceptor.close();
        if (socketFile != null) {
            socketFile.remove();
        }
        epoll.close();
        buffersArena.close(); // nobody is inside any more: unmaps the receive buffer
    }

    @Override
    public int pollFd() {
        return epoll.fd();
    }

    @Override
    public ReleaseGate gate() {
        return gate;
    }
}
