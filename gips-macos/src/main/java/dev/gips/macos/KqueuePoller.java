package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gips.spi.PollerChannel;
import dev.gips.spi.ReleaseGate;
import dev.gips.spi.SourceChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.AsynchronousCloseException;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A public {@code Poller} on macOS: a kqueue with an {@code EVFILT_MACHPORT} filter on the port set of each
 * registered listener or endpoint, and an {@code EVFILT_USER} waker under token 0. Without {@code EV_CLEAR} the
 * Mach port filter is level-triggered: it fires while a message is queued. Its {@code fflags} stay 0, so the
 * kernel only reports readiness and never receives a message itself. Mach has no "send would not block" event:
 * WRITABLE is reported at once, the queue's room being unknown until a send tries. The waker has a filter of its own
 * ({@code EVFILT_USER}), so its ident cannot meet a port set's, and the kqueue descriptor is closed once, behind a
 * gate (gips bug M-16).
 */
final class KqueuePoller implements PollerChannel {
    private static final long WAKER_IDENT = 0x67697073L;
    private static final Where WHERE = new Where(null, "poller");

    private final int kq;
    private final ReleaseGate gate;
    private final ReentrantLock pollLock = new ReentrantLock();
    private final Object registry = new Object();
    private final Map<SourceChannel, long[]> registered = new IdentityHashMap<>(); // source -> {ident, token, interest}
    private final Map<SourceChannel, Long> writable = new LinkedHashMap<>();       // sources reported WRITABLE at once
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate(SysEvent.KEVENT, 64);   // pollLock
    private final MemorySegment timeout = arena.allocate(SysEvent.TIMESPEC);     // pollLock

    private KqueuePoller(int kq) {
        this.kq = kq;
        this.gate = new ReleaseGate(() -> {
            Unistd.close(Native.threadCapture(), kq);
            pollLock.lock();
            try {
                arena.close();
            } finally {
                pollLock.unlock();
            }
        });
    }

    static KqueuePoller open() throws IOException {
        MemorySegment errno = Native.threadCapture();
        int kq = SysEvent.kqueue(errno);
        if (kq < 0) {
            throw WHERE.errno("kqueue", Native.errno(errno));
        }
        // kqueues are not inherited across fork, so close-on-exec is moot
        KqueuePoller p = new KqueuePoller(kq);
        try {
            p.change(WAKER_IDENT, SysEvent.EVFILT_USER, (short) (SysEvent.EV_ADD | SysEvent.EV_CLEAR), 0, 0,
                    "EV_ADD of the EVFILT_USER waker");
        } catch (IOException e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void change(long ident, short filter, short flags, int fflags, long udata, String what)
            throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(SysEvent.KEVENT);
            SysEvent.evSet(ev, 0, ident, filter, flags, fflags, 0, udata);
            MemorySegment errno = Native.threadCapture();
            if (SysEvent.kevent(errno, kq, ev, 1, MemorySegment.NULL, 0, MemorySegment.NULL) < 0) {
                throw WHERE.errno("kevent " + what, Native.errno(errno));
            }
        }
    }

    private static int portSet(SourceChannel source) {
        if (source instanceof Pollable p) {
            return p.portSet();
        }
        throw new IllegalArgumentException("not a macOS gips source: " + source);
    }

    @Override
    public void register(SourceChannel source, long token, int interest) throws IOException {
        update(source, token, interest, true);
    }

    @Override
    public void reregister(SourceChannel source, long token, int interest) throws IOException {
        update(source, token, interest, false);
    }

    private void update(SourceChannel source, long token, int interest, boolean add) throws IOException {
        int set = portSet(source);
        gate.enter();
        try {
            synchronized (registry) {
                if (add == registered.containsKey(source)) {
                    throw new IllegalStateException(add ? "source is already registered" : "source is not registered");
                }
                if (set != MachPort.MACH_PORT_NULL) {
                    short flags = (interest & READABLE) != 0 ? (short) (SysEvent.EV_ADD | SysEvent.EV_ENABLE)
                            : (short) (SysEvent.EV_ADD | SysEvent.EV_DISABLE);
                    change(Integer.toUnsignedLong(set), SysEvent.EVFILT_MACHPORT, flags, 0, token,
                            "EVFILT_MACHPORT of port set " + Integer.toUnsignedString(set));
                }
                registered.put(source, new long[] {set, token, interest});
                if ((interest & WRITABLE) != 0) {
                    writable.put(source, token);
                } else {
                    writable.remove(source);
                }
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public void deregister(SourceChannel source) throws IOException {
        gate.enter();
        try {
            synchronized (registry) {
                long[] r = registered.remove(source);
                if (r == null) {
                    throw new IllegalStateException("source is not registered");
                }
                writable.remove(source);
                if (r[0] != MachPort.MACH_PORT_NULL) {
                    change(r[0], SysEvent.EVFILT_MACHPORT, SysEvent.EV_DELETE, 0, 0, "EV_DELETE of port set " + r[0]);
                }
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public int poll(long[] tokens, int[] readiness, long timeoutNanos) throws IOException {
        gate.enter();
        pollLock.lock();
        try {
            int n = 0;
            synchronized (registry) {
                for (Map.Entry<SourceChannel, Long> w : writable.entrySet()) {
                    if (n == tokens.length) {
                        break;
                    }
                    tokens[n] = w.getValue();
                    readiness[n++] = WRITABLE;
                }
            }
            MemorySegment wait = MemorySegment.NULL;
            if (timeoutNanos >= 0 || n > 0) {
                long t = n > 0 ? 0 : timeoutNanos;
                timeout.set(JAVA_LONG, 0, t / 1_000_000_000L);
                timeout.set(JAVA_LONG, 8, t % 1_000_000_000L);
                wait = timeout;
            }
            int room = (int) Math.min(Math.max(tokens.length - n, 1), events.byteSize() / SysEvent.KEVENT.byteSize());
            MemorySegment errno = Native.threadCapture();
            int got = SysEvent.kevent(errno, kq, MemorySegment.NULL, 0, events, room, wait);
            if (got < 0) {
                int e = Native.errno(errno);
                if (gate.isClosing()) {
                    throw new AsynchronousCloseException();
                }
                if (e == Errno.EINTR) {
                    return n;
                }
                throw WHERE.errno("kevent", e);
            }
            if (gate.isClosing()) {
                throw new AsynchronousCloseException();
            }
            for (int i = 0; i < got && n < tokens.length; i++) {
                long base = i * SysEvent.KEVENT.byteSize();
                short filter = events.get(JAVA_SHORT, base + SysEvent.FILTER);
                if (filter == SysEvent.EVFILT_USER) {
                    tokens[n] = 0;
                    readiness[n++] = READABLE;
                } else if (filter == SysEvent.EVFILT_MACHPORT) {
                    long token = events.get(JAVA_LONG, base + SysEvent.UDATA);
                    int merged = -1;
                    for (int j = 0; j < n; j++) {
                        if (tokens[j] == token) {
                            merged = j;
                        }
                    }
                    if (merged >= 0) {
                        readiness[merged] |= READABLE;
                    } else {
                        tokens[n] = token;
                        readiness[n++] = READABLE;
                    }
                } else if ((events.get(JAVA_SHORT, base + SysEvent.FLAGS) & SysEvent.EV_ERROR) != 0) {
                    throw WHERE.error("kevent", Errno.describe((int) events.get(JAVA_LONG, base + SysEvent.DATA))
                            + " on ident " + events.get(JAVA_LONG, base + SysEvent.IDENT));
                }
            }
            return n;
        } finally {
            pollLock.unlock();
            gate.exit();
        }
    }

    @Override
    public void wake() throws IOException {
        gate.enter();
        try {
            trigger();
        } finally {
            gate.exit();
        }
    }

    private void trigger() throws IOException {
        change(WAKER_IDENT, SysEvent.EVFILT_USER, (short) 0, SysEvent.NOTE_TRIGGER, 0, "NOTE_TRIGGER of the waker");
    }

    @Override
    public void close() {
        gate.close(() -> {
            try {
                trigger();
            } catch (IOException ignored) {
                // the poller is going away; a thread in poll returns at its timeout
            }
        });
    }

    /** For tests on macOS: how many sources are registered. */
    int registrations() {
        synchronized (registry) {
            return registered.size();
        }
    }

}
