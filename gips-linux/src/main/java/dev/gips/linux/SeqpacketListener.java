package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.internal.jfr.Jfr;
import dev.gips.ipc.Credentials;
import dev.gips.linux.SeqpacketSocket.PeerKind;
import dev.gips.spi.Arrival;
import dev.gips.spi.IoErrors;
import dev.gips.spi.Limits;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.LogLimiter;
import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
    /** The default of {@link #outOfBandInFlight()}: 64 MiB. */
    static final int OUT_OF_BAND_IN_FLIGHT = 64 << 20;
    /** How long accepting pauses when the process cannot even shed a new client (no reserve, ENOBUFS, ENOMEM). */
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    /** The shortest time between two warnings that the process is out of descriptors. */
    private static final long EXHAUSTION_WARNING_NANOS = TimeUnit.SECONDS.toNanos(LogLimiter.INTERVAL_SECONDS);
    /**
     * Classes of the paths that run when the process is out of descriptors, loaded with this one: loading a class
     * from a directory on the class path (unlike from a jar, which stays open) needs a descriptor, then missing.
     */
    private static final List<Class<?>> LOADED_EARLY = List.of(Fds.class, Errno.class, IoErrors.class,
            Wire.DescriptorsLost.class, Wire.ProtocolException.class);

    private final Where where;
    private final int listenFd;
    private final SocketFile socketFile;    // null for an abstract name and for a socket taken over from systemd
    private final EpollSet epoll;
    private final ReleaseGate gate = new ReleaseGate(this::release);
    private final Map<Long, SeqpacketClient> clients = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(2);
    private final Queue<MsgBuffers> sendPool = new ConcurrentLinkedQueue<>();
    private final AtomicReference<MsgBuffers> spareSendBuffers = new AtomicReference<>();
    /** WARN lines for clients dropped for breaking the protocol: a few per interval, then a count. */
    private final LogLimiter violations;
    /** WARN lines for clients dropped because this process had no descriptors for their message. */
    private final LogLimiter exhaustion;

    private final ReentrantLock receiveLock = new ReentrantLock();
    private final Arena buffersArena;                                     // owns readBuffers' data mapping
    private final MsgBuffers readBuffers;                                 // guarded by receiveLock
    private final WaitScratch receiveWait = new WaitScratch();            // guarded by receiveLock
    private final MemorySegment events = EpollSet.events(MAX_EVENTS);     // guarded by receiveLock
    // The batch: the clients the last epoll_wait reported, each read at most once before the next one (a request/
    // reply client is not read again in vain). They are served in the order of the virtual time at which their next
    // message would be done, fair queueing by bytes: each client's finish tag grows by the cost of each message taken
    // from it (its bytes, plus MESSAGE_COST so that many small messages count too), starting no lower than the
    // virtual time (the start tag of the message taken last), and its next message is guessed to cost what its last
    // one did. A client that just sent 16 MiB waits until the others have had as much, and one that sends little is
    // taken next. After TURN_BYTES since the last epoll_wait the rest of the batch is dropped and epoll asked again
    // (level-triggered: nothing is lost), so a client whose message arrives meanwhile waits for at most that much,
    // plus the message under way (with one thread; with several, another thread takes it).
    private final SeqpacketClient[] batch = new SeqpacketClient[MAX_EVENTS]; // guarded by receiveLock
    private int batchSize;                                                // guarded by receiveLock
    private int batchLeft;                                                // guarded by receiveLock
    private boolean listenReady;                                          // guarded by receiveLock
    private long virtualTime;                                             // guarded by receiveLock
    private long turnBytes;                                               // guarded by receiveLock
    private boolean refresh;                                              // guarded by receiveLock
    /** What a message costs beyond its bytes, so that many small messages count too. */
    private static final long MESSAGE_COST = 512;
    /** The bytes taken between two looks at epoll (and the most a streaming run takes). */
    private static final long TURN_BYTES = 1 << 20;
    /**
     * Out-of-band payloads are read from their memfd after the receive lock is released (other threads serve other
     * clients meanwhile), within this budget of bytes in flight (see {@link #outOfBandInFlight()}): a permit per byte.
     */
    private final Semaphore outOfBand;
    /** The most bytes of out-of-band payloads that were in flight at once, for tests. */
    final AtomicLong outOfBandPeak = new AtomicLong();
    private final AtomicLong outOfBandNow = new AtomicLong();
    /**
     * A descriptor held in reserve (an eventfd that does nothing): when the process is out of descriptors, closing
     * it lets the listener accept and at once close the client at the head of the backlog, so that the listening
     * socket does not stay readable (a busy loop), and the client learns it was not served instead of waiting; then
     * it is opened again. -1 while it could not be (re)opened.
     */
    private int reserveFd;                                                // guarded by receiveLock
    private long shedSinceWarning;                                        // guarded by receiveLock
    private long lastExhaustionWarning;                                   // guarded by receiveLock
    private boolean warnedExhaustion;                                     // guarded by receiveLock
    /** Whether the listening socket is out of the epoll set's interest for {@link #ACCEPT_PAUSE_MILLIS}. */
    private final AtomicBoolean acceptPaused = new AtomicBoolean();
    // Streaming clients: a client that sends faster than we take is read again before the next epoll_wait, saving
    // that call per message; a request/reply client would make this read fail, so it is tried only every
    // PROBE_EVERY messages until it succeeds, and a run ends after MAX_RUN messages or TURN_BYTES bytes so other
    // clients get their turn.
    private static final int PROBE_EVERY = 16;
    private static final int MAX_RUN = 32;
    private SeqpacketClient recent;                                       // guarded by receiveLock
    private boolean readRecentFirst;                                      // guarded by receiveLock
    private int run;                                                      // guarded by receiveLock
    private int sinceProbe;                                               // guarded by receiveLock

    private SeqpacketListener(Where where, int listenFd, SocketFile socketFile, EpollSet epoll, Arena buffersArena,
            MsgBuffers readBuffers) {
        this.buffersArena = buffersArena;
        this.readBuffers = readBuffers;
        this.where = where;
        this.listenFd = listenFd;
        this.socketFile = socketFile;
        this.epoll = epoll;
        this.violations = new LogLimiter(LoggerFactory.getLogger(SeqpacketClient.class), "service \""
                + where.service() + "\": dropped {} more clients for breaking the protocol, not logged one by one (at"
                + " most " + LogLimiter.BURST + " lines per {} s)");
        this.exhaustion = new LogLimiter(LoggerFactory.getLogger(SeqpacketClient.class), "service \""
                + where.service() + "\": dropped {} more clients whose messages could not be received whole for want"
                + " of file descriptors, not logged one by one (at most " + LogLimiter.BURST + " lines per {} s)");
        this.reserveFd = openReserve();
        this.outOfBand = new Semaphore(outOfBandInFlight(), true);
    }

    static SeqpacketListener bind(String name) throws IOException {
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
            return around(where, listenFd, file);
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
        return around(where, listenFd, null);
    }

    /** The epoll set, waker and buffers around {@code listenFd}; on failure frees them, not the socket or its file. */
    private static SeqpacketListener around(Where where, int listenFd, SocketFile file)
            throws IOException {
        EpollSet epoll = EpollSet.open(where, WAKE_TOKEN);
        Arena buffersArena = null;
        try {
            epoll.add(listenFd, SysEpoll.EPOLLIN, LISTEN_TOKEN, where, "the listening socket");
            // one receive buffer for every client, large enough that a receive never needs a length peek
            buffersArena = Arena.ofShared();
            MsgBuffers readBuffers = MsgBuffers.forWholeMessages(buffersArena, true);
            return new SeqpacketListener(where, listenFd, file, epoll, buffersArena, readBuffers);
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
     * The listener's budget for out-of-band payloads in flight: the most bytes of them that its threads read from
     * their memfds into new arrays at once, from a payload's check to the moment {@code receive} hands it to core. A
     * thread whose payload would go over waits, outside the receive lock (other threads go on serving other clients),
     * until reads under way finish. The system property {@code gips.linux.outOfBandInFlight} (bytes) sets it for
     * listeners bound afterwards: default {@value #OUT_OF_BAND_IN_FLIGHT} bytes, at least the 16 MiB of one payload,
     * at most 1 GiB. What the application keeps of payloads it was given is its own.
     */
    private static int outOfBandInFlight() {
        long v = OUT_OF_BAND_IN_FLIGHT;
        String p = System.getProperty("gips.linux.outOfBandInFlight");
        if (p != null) {
            try {
                v = Long.parseLong(p.strip());
            } catch (NumberFormatException e) {
                LOG.warn("gips.linux.outOfBandInFlight=\"{}\" is not a number of bytes; using {}", p, v);
            }
        }
        return (int) Math.clamp(v, Limits.MAX_PAYLOAD, 1L << 30);
    }

    @Override
    public Arrival receive(long timeoutNanos) throws IOException {
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0; // the clock only when needed
        if (!SeqpacketEndpoint.lock(receiveLock, timeoutNanos)) {
            return null;
        }
        Arrival a;
        SeqpacketClient from;
        byte[] payload;
        int[] fds;
        int memfd;
        long length;
        try {
            gate.enter();
            try {
                a = receiveLocked(timeoutNanos, deadline);
                from = messageFrom;
                payload = messagePayload;
                fds = readBuffers.takeFds();
                memfd = readBuffers.takeOutOfBandFd();
                length = readBuffers.outOfBandLength();
                messageFrom = null;
                messagePayload = null;
            } finally {
                gate.exit();
            }
        } finally {
            receiveLock.unlock();
        }
        if (a != MESSAGE_TAKEN) {
            return a;
        }
        if (memfd >= 0) {
            payload = readOutOfBand(from, memfd, length);
            if (payload == null) {
                Fds.closeAll(fds);
                return Arrival.disconnected(from); // closed meanwhile, or its memfd failed to read
            }
        }
        // a message's Arrival is made here, in a small method the JIT inlines into Listener.accept, so that neither
        // it nor its RawMessage reaches the heap
        return Arrival.message(from, Wire.message(payload, fds));
    }

    /**
     * Reads an out-of-band payload outside the receive lock, within the listener's budget of bytes in flight;
     * meanwhile the client is out of the epoll interest (so no other thread reads its next message before this one
     * is delivered). Closes the memfd.
     *
     * @return the payload, or {@code null} if the client was closed meanwhile or its memfd could not be read (the
     *         client is closed then)
     */
    private byte[] readOutOfBand(SeqpacketClient c, int memfd, long length) {
        int bytes = (int) length;
        outOfBand.acquireUninterruptibly(bytes);
        outOfBandPeak.accumulateAndGet(outOfBandNow.addAndGet(bytes), Math::max);
        try {
            byte[] payload = OutOfBand.read(memfd, length, Native.threadCapture(), where);
            return c.isOpen() ? payload : null;
        } catch (IOException e) {
            c.dropForBadPayload(e);
            return null;
        } finally {
            outOfBandNow.addAndGet(-bytes);
            outOfBand.release(bytes);
            Fds.closeQuietly(memfd);
            c.resumeAfterCopy();
        }
    }

    /** Sets what epoll watches a client's socket for (0 or EPOLLIN); the caller holds the client's gate. */
    boolean clientInterest(SeqpacketClient c, int interest, MemorySegment event, MemorySegment errno) {
        return epoll.control(SysEpoll.EPOLL_CTL_MOD, c.fd(), interest, c.id(), event, errno) == 0;
    }

    /**
     * What {@link #receiveLocked} returns for a message, which it leaves in {@link #messageFrom},
     * {@link #messagePayload} and {@link #readBuffers}.
     */
    private static final Arrival MESSAGE_TAKEN = Arrival.disconnected(null);
    private SeqpacketClient messageFrom;                                  // guarded by receiveLock
    private byte[] messagePayload;                                        // guarded by receiveLock

    /** The outcome of {@code c.receive}: {@code null} if nothing came, else what {@link #receiveLocked} returns. */
    private Arrival took(SeqpacketClient c, byte[] m) {
        if (m == Wire.NOTHING) {
            return null;
        }
        if (m == Wire.HUNG_UP) {
            return Arrival.disconnected(c);
        }
        messageFrom = c;
        messagePayload = m;
        charge(c, readBuffers.hasOutOfBand() ? readBuffers.outOfBandLength() : m.length);
        return MESSAGE_TAKEN;
    }

    /** Advances {@code c}'s finish tag by a message of {@code bytes}; see {@link #batch}. */
    private void charge(SeqpacketClient c, long bytes) {
        long cost = bytes + MESSAGE_COST;
        long start = Math.max(c.finishTag, virtualTime);
        c.finishTag = start + cost;
        c.lastCost = cost;
        virtualTime = start;
        turnBytes += cost;
        if (turnBytes >= TURN_BYTES) {
            refresh = true;         // look at epoll again before the rest of the batch
            readRecentFirst = false; // and end a streaming run
        }
    }

    /**
     * Takes the unvisited client of the batch whose next message would be done first in virtual time (the first of
     * equals, in epoll's order).
     */
    private SeqpacketClient nextOfBatch() {
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

    private void dropBatch() {
        Arrays.fill(batch, 0, batchSize, null);
        batchSize = 0;
        batchLeft = 0;
        listenReady = false;
    }

    /** Fills the batch from the {@code n} events of the last epoll_wait. */
    private void fillBatch(int n) {
        dropBatch();
        for (int i = 0; i < n; i++) {
            long token = EpollSet.token(events, i);
            if (token == LISTEN_TOKEN) {
                listenReady = true;
            } else if (token != WAKE_TOKEN) { // only close() writes the eventfd, never drained: every waiter wakes
                SeqpacketClient c = clients.get(token);
                if (c != null) {
                    batch[batchSize++] = c;
                }
            }
        }
        batchLeft = batchSize;
        turnBytes = 0;
    }

    /**
     * The next arrival, or {@code null} once the time is up. Bounded whatever clients do: a call with a timeout of
     * 0 handles the events left from the last {@code epoll_wait} and at most one more batch; a timed call returns
     * at its deadline, even while events keep coming.
     */
    private Arrival receiveLocked(long timeoutNanos, long deadline) throws IOException {
        // a virtual thread polls without waiting and parks on the epoll descriptor instead of holding its carrier
        boolean virtual = Thread.currentThread().isVirtual();
        boolean looked = false; // whether this call has asked epoll for a batch yet
        for (;;) {
            if (refresh) {
                refresh = false;
                dropBatch(); // TURN_BYTES taken since epoll was asked: ask again, for clients that sent meanwhile
            }
            while (listenReady || batchLeft > 0) {
                Arrival a;
                if (listenReady) {
                    listenReady = false;
                    a = acceptOne();
                } else {
                    SeqpacketClient c = nextOfBatch();
                    // a client whose out-of-band payload another thread is reading is not read meanwhile
                    a = c.isCopying() ? null : took(c, c.receive(readBuffers, receiveWait));
                    if (a == MESSAGE_TAKEN) {
                        tookFromEvent(c);
                    }
                }
                if (a != null) {
                    return a;
                }
                if (timeoutNanos > 0 && deadline - System.nanoTime() <= 0) {
                    return null; // the rest of the batch waits for the next call
                }
            }
            if (gate.isClosing()) {
                throw new AsynchronousCloseException();
            }
            if (readRecentFirst && run < MAX_RUN && !recent.isCopying()) {
                Arrival a = took(recent, recent.receive(readBuffers, receiveWait));
                if (a != null) {
                    run++;
                    return a;
                }
                readRecentFirst = false; // nothing queued: it waits for our reply, or it is gone
            }
            run = 0;
            long left = timeoutNanos > 0 ? deadline - System.nanoTime() : 0;
            boolean timeUp = timeoutNanos == 0 || (timeoutNanos > 0 && left <= 0);
            if (timeUp && looked) {
                return null; // one batch per call once the time is up, however many clients keep connecting
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
                return null;
            }
            if (virtual) {
                ParkingPoller.read().await(epoll.fd(), timeoutNanos < 0 ? -1 : left, receiveWait, where);
            }
        }
    }

    /** Notes that a message of {@code c} came through epoll; now and then, try reading it first next time. */
    private void tookFromEvent(SeqpacketClient c) {
        if (c != recent) {
            recent = c;
            sinceProbe = 0;
        }
        if (++sinceProbe >= PROBE_EVERY) {
            sinceProbe = 0;
            readRecentFirst = true;
        }
    }

    /** Accepts one waiting client; {@code null} if none could be taken. Never throws for what a client did. */
    private Arrival acceptOne() throws IOException {
        MemorySegment errno = readBuffers.errno;
        readBuffers.nameLength.set(JAVA_INT, 0, (int) readBuffers.name.byteSize());
        int fd = SysSocket.accept4(errno, listenFd, readBuffers.name, readBuffers.nameLength, SysSocket.SOCK_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno(errno);
            switch (e) {
                case Errno.EAGAIN, Errno.EINTR, Errno.ECONNABORTED -> {
                    return null;
                }
                case Errno.EMFILE, Errno.ENFILE -> {
                    outOfDescriptors(e);
                    return null;
                }
                case Errno.ENOBUFS, Errno.ENOMEM -> {
                    pauseAccepting(Errno.describe(e));
                    return null;
                }
                default -> throw where.error("accept4", e);
            }
        }
        Credentials credentials;
        SeqpacketSocket socket;
        int nameLength = readBuffers.nameLength.get(JAVA_INT, 0);
        boolean javaPeer = Sockets.isJavaEndpoint(readBuffers.name, nameLength);
        try {
            // a client with an address (every gips-java endpoint) sends it with each datagram; one without needs
            // SO_PASSCRED for its empty messages to be told from end-of-stream (see Wire)
            if (nameLength <= SysSocket.SUN_PATH) {
                Sockets.passCredentials(fd, where);
            }
            credentials = Identity.peer(fd, where);
            socket = new SeqpacketSocket(fd, where, javaPeer ? PeerKind.JAVA : PeerKind.PLAIN);
            // first, before any reply can be sent: a gips-java endpoint takes its first datagram for the hello. It
            // fails only for a client that already hung up, whose messages are still delivered
            int e = javaPeer ? Wire.sendHello(socket, readBuffers) : 0;
            if (e != 0) {
                LOG.debug("service \"{}\": no hello for client pid {}: {}", where.service(), credentials.pid(),
                        Errno.describe(e));
            }
        } catch (IOException e) {
            LOG.debug("service \"{}\": dropped a client while accepting it: {}", where.service(), e.toString());
            Fds.closeQuietly(fd);
            return null;
        }
        if (!gate.tryEnter()) { // closing: the client must not outlive the listener
            Fds.closeQuietly(fd);
            return null;
        }
        // not in the epoll set yet: nobody reads the client before core admitted it (see watch)
        SeqpacketClient client = new SeqpacketClient(this, socket, nextId.getAndIncrement(), credentials);
        clients.put(client.id(), client);
        return Arrival.connected(client);
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

    LogLimiter violations() {
        return violations;
    }

    /**
     * The process is out of descriptors (EMFILE, or ENFILE for the whole system): sheds the client at the head of
     * the backlog through the reserve descriptor, so that connected clients keep being served at full speed (no
     * back-off, no busy loop on a listening socket that stays readable) and new clients see their connection close
     * instead of waiting for a server that cannot take them. Warns at most once per interval, with how many
     * descriptors are open against the soft limit and how many clients were shed. Without a reserve (another thread
     * took the slot it freed), accepting pauses briefly instead.
     */
    private void outOfDescriptors(int errno) {
        if (reserveFd < 0) {
            reserveFd = openReserve(); // descriptors may have been freed since it was lost
        }
        long now = System.nanoTime();
        boolean warn = !warnedExhaustion || now - lastExhaustionWarning >= EXHAUSTION_WARNING_NANOS;
        if (reserveFd < 0) {
            pauseAccepting(Errno.describe(errno) + "; no reserve descriptor left to shed new clients with");
            return;
        }
        Fds.closeQuietly(reserveFd);
        reserveFd = -1;
        String usage = warn ? descriptorUsage() : null; // counting needs a descriptor too: the freed one
        int fd = SysSocket.accept4(readBuffers.errno, listenFd, MemorySegment.NULL, MemorySegment.NULL,
                SysSocket.SOCK_CLOEXEC);
        int e = fd < 0 ? Native.errno(readBuffers.errno) : 0;
        if (fd >= 0) {
            Fds.closeQuietly(fd); // the client sees end-of-stream
            shedSinceWarning++;
            Jfr.descriptorsExhausted(where.service(), "accept", 0, 0);
        }
        reserveFd = openReserve();
        if (warn) {
            warnedExhaustion = true;
            lastExhaustionWarning = now;
            LOG.warn("service \"{}\": {} is out of file descriptors ({}; {}): new clients are closed at once ({}"
                    + " since the last warning) while connected clients are served; raise the limit (ulimit -n,"
                    + " systemd's LimitNOFILE=) or hold fewer descriptors", where.service(),
                    errno == Errno.ENFILE ? "the system" : "this process", Errno.describe(errno), usage,
                    shedSinceWarning);
            shedSinceWarning = 0;
        }
        if (fd < 0 && (e == Errno.EMFILE || e == Errno.ENFILE)) {
            pauseAccepting(Errno.describe(e) + " even with the reserve descriptor freed");
        }
    }

    /** A descriptor to hold in reserve, or -1. */
    private static int openReserve() {
        return SysEpoll.eventfd(Native.threadCapture(), 0, SysEpoll.EFD_CLOEXEC);
    }

    /**
     * "N open, soft limit M": this process's open descriptors and its soft {@code RLIMIT_NOFILE}, read from /proc
     * with one descriptor at a time (the caller freed one).
     */
    private static String descriptorUsage() {
        // java.io's list() needs one descriptor for the directory; Files.list needs two
        String[] fds = new java.io.File("/proc/self/fd").list();
        String open = fds == null ? "?" : Integer.toString(fds.length - 1); // less the directory's own
        String limit = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    limit = line.substring("Max open files".length()).trim().split("\\s+")[0];
                }
            }
        } catch (IOException | RuntimeException e) {
            // stays "?"
        }
        return open + " open, soft limit " + limit;
    }

    /**
     * Stops watching the listening socket for {@link #ACCEPT_PAUSE_MILLIS}, when even shedding a client is not
     * possible: the socket stays readable, and receivers would spin on it. Connected clients are served meanwhile; a
     * timer thread re-arms it (no receiver needs to be inside for that, so a poll-driven server resumes too).
     */
    private void pauseAccepting(String why) {
        if (!acceptPaused.compareAndSet(false, true)) {
            return;
        }
        if (!listenInterest(0)) {
            acceptPaused.set(false);
            return;
        }
        long now = System.nanoTime();
        if (!warnedExhaustion || now - lastExhaustionWarning >= EXHAUSTION_WARNING_NANOS) {
            warnedExhaustion = true;
            lastExhaustionWarning = now;
            LOG.warn("service \"{}\": cannot accept clients ({}); pausing for {} ms while connected clients are"
                    + " served", where.service(), why, ACCEPT_PAUSE_MILLIS);
        }
        CompletableFuture.delayedExecutor(ACCEPT_PAUSE_MILLIS, TimeUnit.MILLISECONDS, Runnable::run)
                .execute(() -> {
                    if (gate.tryEnter()) { // else closing: nothing to resume
                        try {
                            listenInterest(SysEpoll.EPOLLIN);
                        } finally {
                            gate.exit();
                        }
                    }
                    acceptPaused.set(false);
                });
    }

    /** Sets what epoll watches the listening socket for; the caller is inside the gate. */
    private boolean listenInterest(int events) {
        try (Arena arena = Arena.ofConfined()) { // rare: only when the process is short of resources
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment event = arena.allocate(SysEpoll.EPOLL_EVENT);
            if (epoll.control(SysEpoll.EPOLL_CTL_MOD, listenFd, events, LISTEN_TOKEN, event, errno) < 0) {
                LOG.debug("service \"{}\": epoll_ctl(EPOLL_CTL_MOD) of the listening socket: {}", where.service(),
                        Errno.describe(Native.errno(errno)));
                return false;
            }
            return true;
        }
    }

    LogLimiter exhaustion() {
        return exhaustion;
    }

    MsgBuffers borrowSendBuffers() {
        MsgBuffers b = spareSendBuffers.getAndSet(null);
        if (b == null) {
            b = sendPool.poll();
        }
        return b != null ? b : new MsgBuffers();
    }

    void returnSendBuffers(MsgBuffers b) {
        // one spare in a slot: a server replying from one thread reuses it without the queue's node per offer
        if (!spareSendBuffers.compareAndSet(null, b)) {
            sendPool.offer(b);
        }
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
        Fds.closeQuietly(reserveFd);
        Fds.closeQuietly(listenFd);
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
