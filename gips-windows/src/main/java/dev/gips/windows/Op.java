package dev.gips.windows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One overlapped operation's native memory: its {@code OVERLAPPED} and data buffer, in a shared arena that never
 * moves and is freed only when no I/O uses it (gips bugs W-1 and W-7). Between {@link IoPort#expect} and the
 * completion the kernel owns both; only the {@link IoPort} pump ends that, by calling {@link Completion#completed}.
 * Ops are reused: a channel keeps one for reads and a few for writes, so no arena is made per message.
 */
final class Op {
    /** What runs on the pump thread when the kernel is done with an op. */
    interface Completion {
        /**
         * @param error 0, or the {@code GetLastError} code of the failed operation ({@code ERROR_MORE_DATA} for a
         *              message longer than the buffer)
         * @param bytes bytes transferred
         */
        void completed(Op op, int error, int bytes);
    }

    final long file;
    final Completion completion;
    private Arena arena;
    private MemorySegment overlapped;
    private MemorySegment buffer;
    /** For writes: the handle values placed in the peer, to close there if the write fails. */
    long[] remoteHandles = new long[0];
    /** For blocking writes: the waiting sender, told by the pump. */
    volatile Thread waiter;
    volatile int result = -1;

    Op(long file, long capacity, Completion completion) {
        this.file = file;
        this.completion = completion;
        allocate(capacity);
    }

    private void allocate(long capacity) {
        arena = Arena.ofShared();
        overlapped = arena.allocate(MinWinBase.OVERLAPPED);
        buffer = capacity == 0 ? MemorySegment.NULL : arena.allocate(capacity, 8);
    }

    MemorySegment overlapped() {
        return overlapped;
    }

    long address() {
        return overlapped.address();
    }

    MemorySegment buffer() {
        return buffer;
    }

    long capacity() {
        return buffer.byteSize();
    }

    /** Zeroes the {@code OVERLAPPED} for the next operation; never while one is in flight. */
    void reset() {
        overlapped.fill((byte) 0);
        result = -1;
    }

    /** Makes the buffer hold at least {@code capacity} bytes, keeping the first {@code keep}; never in flight. */
    void ensureCapacity(long capacity, long keep) {
        if (buffer.byteSize() >= capacity) {
            return;
        }
        Arena old = arena;
        MemorySegment oldBuffer = buffer;
        allocate(Math.max(capacity, buffer.byteSize() * 2));
        if (keep > 0) {
            MemorySegment.copy(oldBuffer, 0, buffer, 0, keep);
        }
        old.close();
    }

    /** Gives back a buffer grown beyond {@code capacity}; never in flight. */
    void shrink(long capacity) {
        if (buffer.byteSize() > capacity) {
            Arena old = arena;
            allocate(capacity);
            old.close();
        }
    }

    /** Frees the native memory; only once the kernel is done with it. */
    void free() {
        arena.close();
    }
}
