package dev.gips.shm;

/**
 * The size of a new region, in gips' words: {@code mapped} is the usable size at creation ({@link Shm#capacity()}),
 * {@code capacity} the most it can grow to ({@link Shm#total()}).
 *
 * @param mapped   usable bytes at creation
 * @param capacity usable bytes it may grow to with {@link Shm#resize}; at least {@code mapped}
 */
public record Size(long mapped, long capacity) {
    /** Checks {@code 0 <= mapped <= capacity}. */
    public Size {
        if (mapped < 0 || capacity < mapped) {
            throw new IllegalArgumentException("need 0 <= mapped <= capacity: mapped=" + mapped + ", capacity="
                    + capacity);
        }
    }

    /** A region of {@code bytes} that cannot grow. */
    public static Size of(long bytes) {
        return new Size(bytes, bytes);
    }
}
