package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gips.internal.jfr.Jfr;
import dev.gips.ipc.Credentials;
import dev.gips.linux.SeqpacketSocket.PeerKind;
import dev.gips.spi.LogLimiter;
import dev.gips.spi.ReleaseGate;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's accepting: takes a waiting client off the listening socket with what the protocol needs of it (its
 * credentials, its kind, the hello a gips-java endpoint expects first), and keeps accepting sane when the process is
 * short of descriptors: it sheds new clients through a reserve descriptor, or pauses briefly when even that is not
 * possible, warning at most once per interval. Owns the listening socket and the reserve; {@link #accept} is called
 * under the listener's receive lock.
 */
final class Acceptor {
    private static final Logger LOG = LoggerFactory.getLogger(SeqpacketListener.class);
    /** How long accepting pauses when the process cannot even shed a new client (no reserve, ENOBUFS, ENOMEM). */
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    /** The shortest time between two warnings that the process is out of descriptors. */
    private static final long EXHAUSTION_WARNING_NANOS = TimeUnit.SECONDS.toNanos(LogLimiter.INTERVAL_SECONDS);

    /** A client taken off the listening socket, not yet a channel. */
    record Accepted(SeqpacketSocket socket, Credentials credentials) {}

    private final int listenFd;
    private final Where where;
    private final EpollSet epoll;
    private final long listenToken;
    /** The listener's: the timer that ends a pause must not touch the epoll set once the listener is closing. */
    private final ReleaseGate gate;
    /**
     * A descriptor held in reserve (an eventfd that does nothing): when the process is out of descriptors, closing
     * it lets the listener accept and at once close the client at the head of the backlog, so that the listening
     * socket does not stay readable (a busy loop), and the client learns it was not served instead of waiting; then
     * it is opened again. -1 while it could not be (re)opened.
     */
    private int reserveFd = openReserve();                    // guarded by the listener's receive lock
    private long shedSinceWarning;                            // guarded by the listener's receive lock
    private long lastExhaustionWarning;                       // guarded by the listener's receive lock
    private boolean warnedExhaustion;                         // guarded by the listener's receive lock
    /** Whether the listening socket is out of the epoll set's interest for {@link #ACCEPT_PAUSE_MILLIS}. */
    private final AtomicBoolean acceptPaused = new AtomicBoolean();

    /** Accepts from {@code listenFd}, which {@code epoll} watches under {@code listenToken}. */
    Acceptor(int listenFd, Where where, EpollSet epoll, long listenToken, ReleaseGate gate) {
        this.listenFd = listenFd;
        this.where = where;
        this.epoll = epoll;
        this.listenToken = listenToken;
        this.gate = gate;
    }

    /**
     * Accepts one waiting client; {@code null} if none could be taken. Never throws for what a client did.
     *
     * @param scratch the listener's receive buffers: room for the client's address, an errno slot, and the hello
     */
    Accepted accept(MsgBuffers scratch) throws IOException {
        MemorySegment errno = scratch.errno;
        scratch.nameLength.set(JAVA_INT, 0, (int) scratch.name.byteSize());
        int fd = SysSocket.accept4(errno, listenFd, scratch.name, scratch.nameLength, SysSocket.SOCK_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno(errno);
            switch (e) {
                case Errno.EAGAIN, Errno.EINTR, Errno.ECONNABORTED -> {
                    return null;
                }
                case Errno.EMFILE, Errno.ENFILE -> {
                    outOfDescriptors(e, errno);
                    return null;
                }
                case Errno.ENOBUFS, Errno.ENOMEM -> {
                    pauseAccepting(Errno.describe(e));
                    return null;
                }
                default -> throw where.error("accept4", e);
            }
        }
        int nameLength = scratch.nameLength.get(JAVA_INT, 0);
        boolean javaPeer = Sockets.isJavaEndpoint(scratch.name, nameLength);
        try {
            // a client with an address (every gips-java endpoint) sends it with each datagram; one without needs
            // SO_PASSCRED for its empty messages to be told from end-of-stream (see Wire)
            if (nameLength <= SysSocket.SUN_PATH) {
                Sockets.passCredentials(fd, where);
            }
            Credentials credentials = Identity.peer(fd, where);
            SeqpacketSocket socket = new SeqpacketSocket(fd, where, javaPeer ? PeerKind.JAVA : PeerKind.PLAIN);
            // first, before any reply can be sent: a gips-java endpoint takes its first datagram for the hello. It
            // fails only for a client that already hung up, whose messages are still delivered
            int e = javaPeer ? Wire.sendHello(socket, scratch) : 0;
            if (e != 0) {
                LOG.debug("service \"{}\": no hello for client pid {}: {}", where.service(), credentials.pid(),
                        Errno.describe(e));
            }
            return new Accepted(socket, credentials);
        } catch (IOException e) {
            LOG.debug("service \"{}\": dropped a client while accepting it: {}", where.service(), e.toString());
            Fds.closeQuietly(fd);
            return null;
        }
    }

    /**
     * The process is out of descriptors (EMFILE, or ENFILE for the whole system): sheds the client at the head of
     * the backlog through the reserve descriptor, so that connected clients keep being served at full speed (no
     * back-off, no busy loop on a listening socket that stays readable) and new clients see their connection close
     * instead of waiting for a server that cannot take them. Warns at most once per interval, with how many
     * descriptors are open against the soft limit and how many clients were shed. Without a reserve (another thread
     * took the slot it freed), accepting pauses briefly instead.
     */
    private void outOfDescriptors(int errno, MemorySegment capture) {
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
        int fd = SysSocket.accept4(capture, listenFd, MemorySegment.NULL, MemorySegment.NULL, SysSocket.SOCK_CLOEXEC);
        int e = fd < 0 ? Native.errno(capture) : 0;
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
            if (epoll.control(SysEpoll.EPOLL_CTL_MOD, listenFd, events, listenToken, event, errno) < 0) {
                LOG.debug("service \"{}\": epoll_ctl(EPOLL_CTL_MOD) of the listening socket: {}", where.service(),
                        Errno.describe(Native.errno(errno)));
                return false;
            }
            return true;
        }
    }

    /** Closes the reserve and the listening socket; once, when the listener is released. */
    void close() {
        Fds.closeQuietly(reserveFd);
        Fds.closeQuietly(listenFd);
    }
}
