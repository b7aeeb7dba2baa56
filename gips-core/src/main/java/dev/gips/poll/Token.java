package dev.gips.poll;

/**
 * Names a registration with a {@link Poller}; events carry it back. Registrations get tokens from 1 upward;
 * {@link #WAKER} (0) marks the event of {@link Poller#wake()}.
 *
 * @param value the token's number
 */
public record Token(long value) {
    /** The token of the poller's waker. */
    public static final Token WAKER = new Token(0);
    /** A token no registration has. */
    public static final Token INVALID = new Token(-1);
}
