package dev.gips.shm;

import dev.gips.internal.Cleaners;
import dev.gips.internal.ClosedException;
import dev.gips.spi.RawHandle;
import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Shm} is made of: the region's OS object and its current {@link Mapping}, from creation or opening to
 * their release. {@link #grow} and {@link #remap} replace the mapping under a lock; {@link #withMapping} runs on the
 * current one without locking and again on the new one if a remap closed it meanwhile. The object and the last
 * mapping are released once: by {@link #close()}, or by the {@link Cleaner} when the region became unreachable.
 */
final class Region {
    private static final Logger LOG = LoggerFactory.getLogger(Shm.class);

    /**
     * What must be released: the Cleaner's action, so it must not refer to the {@link Region}. Fields are written
     * under the region's lock and read by whichever thread runs the action.
     */
    private static final class Release implements Runnable {
        final ShmObject object;
        volatile Mapping mapping;
        /** Whether releasing removes the name: this process created it, and nobody called unlink. */
        volatile boolean unlinkOnClose;
        volatile boolean closedExplicitly;

        Release(ShmObject object, Mapping mapping, boolean unlinkOnClose) {
            this.object = object;
            this.mapping = mapping;
            this.unlinkOnClose = unlinkOnClose;
        }

        @Override
        public void run() {
            if (!closedExplicitly) {
                LOG.warn("a shared memory region{} was never closed; its mapping and OS object were released when it"
                        + " became unreachable", object.name().map(n -> " \"" + n + "\"").orElse(""));
            }
            mapping.unmap();
            if (unlinkOnClose) {
                try {
                    object.unlink();
                } catch (IOException e) {
                    // someone else removed or replaced the name: it is not ours to remove any more
                    LOG.debug("did not remove shared memory name {}: {}", object.name().orElse("?"), e.getMessage());
                }
            }
            object.close();
        }
    }

    private final ShmObject object;
    /** {@link ShmObject#isSealed()}, fixed when the object was made, opened or received. */
    private final boolean sealed;
    private final Release release;
    private final Cleaner.Cleanable cleanable;
    /** Serialises what changes the mapping or touches the OS object: grow, remap, unlink, export, close. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The current mapping; {@code null} once closed. Written under {@link #lock}, read anywhere. */
    private volatile Mapping mapping;

    private Region(ShmObject object, Mapping mapping, boolean created) {
        this.object = object;
        this.sealed = object.isSealed();
        this.mapping = mapping;
        this.release = new Release(object, mapping, created && object.name().isPresent());
        this.cleanable = Cleaners.register(this, release);
    }

    /**
     * Maps an object just created and writes a fresh header: {@code size.mapped()} usable bytes of
     * {@code size.capacity()}. Takes ownership of {@code object}: on failure it is closed, and its name removed.
     */
    static Region create(ShmObject object, Size size) throws IOException {
        Mapping m = null;
        try {
            m = Mapping.map(object, RegionChecks.span(size.mapped()));
            Header.initialize(m.segment(), size.mapped(), size.capacity());
            Region region = new Region(object, m, true);
            LOG.debug("created {}", region);
            return region;
        } catch (IOException | RuntimeException | Error e) {
            if (m != null) {
                m.unmap();
            }
            if (object.name().isPresent()) {
                try {
                    object.unlink();
                } catch (IOException x) {
                    e.addSuppressed(x);
                }
            }
            object.close();
            throw e;
        }
    }

    /**
     * Checks an existing object ({@link RegionChecks#lengthToMap}) and maps its header and {@code prefix} data bytes
     * (all of the capacity if negative). Takes ownership of {@code object}: on failure it is closed.
     */
    static Region attach(ShmObject object, long prefix, boolean sealedOnly, String what) throws IOException {
        Mapping m = null;
        try {
            m = Mapping.map(object, RegionChecks.lengthToMap(object, prefix, sealedOnly, what));
            Region region = new Region(object, m, false);
            LOG.debug("{}: {}", what, region);
            return region;
        } catch (IOException | RuntimeException | Error e) {
            if (m != null) {
                m.unmap();
            }
            object.close();
            throw e;
        }
    }

    /**
     * Runs {@code op} on the current mapping. If another thread remapped meanwhile, the old arena's close makes
     * {@code op} fail with {@link IllegalStateException}: then it runs again on the new mapping.
     *
     * @throws IllegalStateException if the region is closed
     */
    <T> T withMapping(Function<Mapping, T> op) {
        while (true) {
            Mapping m = mapping;
            if (m == null) {
                throw closedState();
            }
            try {
                return op.apply(m);
            } catch (IllegalStateException e) {
                Mapping now = mapping;
                if (now == null) {
                    IllegalStateException closed = closedState();
                    closed.initCause(e);
                    throw closed;
                }
                if (now == m) {
                    throw e; // not a remap: the caller's own buffer, say
                }
            }
        }
    }

    /** The object's name; see {@link Shm#name()}. */
    Optional<String> name() {
        ensureOpen();
        return object.name();
    }

    /** Whether no other process can shrink the object; see {@link Shm#isSealed()}. */
    boolean isSealed() {
        ensureOpen();
        return sealed;
    }

    /**
     * Grows the capacity to {@code size} and maps the new bytes; see {@link Shm#resize}.
     *
     * @return the capacity now
     */
    long grow(long size) throws IOException {
        lock.lock();
        try {
            Mapping m = openMapping();
            RegionChecks.ensureNotShrunk(object, sealed, m.length(), "resize " + this);
            long capacity = m.capacity();
            if (size <= capacity) {
                return capacity;
            }
            long total = Header.total(m.segment());
            if (size > total) {
                throw new IllegalArgumentException("cannot grow " + this + " to " + size + " bytes: its total is "
                        + total);
            }
            long length = RegionChecks.span(size);
            if (object.size() < length) {
                object.setSize(length);
            }
            Mapping next = Mapping.map(object, length);
            Header.raiseCapacity(next.segment(), size);
            replace(m, next);
            return next.capacity();
        } finally {
            lock.unlock();
        }
    }

    /** Maps the region again if another process grew it; see {@link Shm#remap()}. */
    void remap() throws IOException {
        lock.lock();
        try {
            Mapping m = openMapping();
            String what = "remap " + this;
            RegionChecks.ensureNotShrunk(object, sealed, m.length(), what);
            if (Header.isDamaged(m.segment())) {
                throw new IOException(what + ": damaged header (" + Header.describe(m.segment()) + ")");
            }
            long length = Math.max(RegionChecks.headerSpan(Header.capacity(m.segment()), what), m.length());
            if (length == m.length()) {
                return;
            }
            RegionChecks.ensureBacked(object, length, Header.total(m.segment()), what);
            replace(m, Mapping.map(object, length));
        } finally {
            lock.unlock();
        }
    }

    /** Removes the name now; see {@link Shm#unlink()}. */
    void unlink() throws IOException {
        lock.lock();
        try {
            openMapping();
            if (object.name().isEmpty()) {
                return;
            }
            release.unlinkOnClose = false;
            object.unlink();
        } finally {
            lock.unlock();
        }
    }

    /** For {@code Handle.of(Shm)}: a duplicate of the OS object, owned by the caller. */
    RawHandle export() throws IOException {
        lock.lock();
        try {
            openMapping();
            return object.export();
        } finally {
            lock.unlock();
        }
    }

    /** Unmaps and releases; see {@link Shm#close()}. */
    void close() {
        lock.lock();
        try {
            if (mapping == null) {
                return;
            }
            mapping = null;
            release.closedExplicitly = true;
        } finally {
            lock.unlock();
        }
        cleanable.clean();
        LOG.debug("closed a shared memory region {}", object.name().orElse("(anonymous)"));
    }

    /** Makes {@code next} current, then unmaps {@code old}: stale segments throw from now on. Under {@link #lock}. */
    private void replace(Mapping old, Mapping next) {
        mapping = next;
        release.mapping = next;
        old.unmap();
    }

    /** @throws IllegalStateException if closed */
    void ensureOpen() {
        if (mapping == null) {
            throw closedState();
        }
    }

    private Mapping openMapping() throws ClosedChannelException {
        Mapping m = mapping;
        if (m == null) {
            throw new ClosedException(closedState().getMessage());
        }
        return m;
    }

    private IllegalStateException closedState() {
        return new IllegalStateException("shared memory region " + object.name().orElse("(anonymous)")
                + " is closed");
    }

    /** {@code Shm[...]}: the name, capacity, total and bytes mapped; for {@link Shm#toString()} and messages. */
    @Override
    public String toString() {
        Mapping m = mapping;
        String id = object.name().map(n -> "\"" + n + "\"").orElse("anonymous");
        if (m == null) {
            return "Shm[" + id + ", closed]";
        }
        try {
            return "Shm[" + id + ", capacity=" + m.capacity() + ", total=" + Header.total(m.segment()) + ", mapped="
                    + m.length() + "]";
        } catch (IllegalStateException | InternalError e) {
            // closed or remapped by another thread right now, or (InternalError) shrunk by another process under
            // the mapping: toString must not throw, and remap/grow name the object before they check it
            return "Shm[" + id + "]";
        }
    }
}
