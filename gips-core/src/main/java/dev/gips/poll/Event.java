package dev.gips.poll;

/**
 * One readiness event from {@link Poller#poll}.
 *
 * @param token    the registration it is for ({@link Token#WAKER} for a wake-up)
 * @param interest what is ready
 */
public record Event(Token token, Interest interest) {
    /** Whether the source is ready to receive. */
    public boolean isReadable() {
        return interest.isReadable();
    }

    /** Whether the source is ready to send. */
    public boolean isWritable() {
        return interest.isWritable();
    }

    /** Whether this event is a {@link Poller#wake()}. */
    public boolean fromWaker() {
        return token.equals(Token.WAKER);
    }
}
