package dev.gips.spi;

import java.io.IOException;

/**
 * A shared memory object whose size is fixed when it is made (a Mach memory entry, a Windows section): nobody can
 * shrink it under a mapping, so it is sealed in {@link ShmObject#isSealed()}'s sense, and it can "grow" only within
 * the size it was made with.
 */
public abstract class FixedSizeShmObject implements ShmObject {
    /** The size it was made with. */
    protected final long size;

    /**
     * An object of this fixed size.
     *
     * @param size its size in bytes
     */
    protected FixedSizeShmObject(long size) {
        this.size = size;
    }

    /** {@code true}: its size is fixed when it is made, and nobody can make it smaller. */
    @Override
    public final boolean isSealed() {
        return true;
    }

    @Override
    public final long size() {
        return size;
    }

    /** Nothing up to {@link #size()}; beyond it, {@link #cannotGrow}. */
    @Override
    public final void setSize(long bytes) throws IOException {
        if (bytes > size) {
            throw cannotGrow(bytes);
        }
    }

    /**
     * The error for a request to grow beyond the fixed size, in the backend's words.
     *
     * @param bytes the size asked for
     * @return the exception to throw
     */
    protected abstract IOException cannotGrow(long bytes);
}
