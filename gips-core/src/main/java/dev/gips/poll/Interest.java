package dev.gips.poll;

/** Which readiness a registration wants: {@link #READABLE}, {@link #WRITABLE} or {@link #BOTH}. Immutable. */
public final class Interest {
    private static final int R = 1;
    private static final int W = 2;

    /** Ready to receive (a message or a new client is waiting). */
    public static final Interest READABLE = new Interest(R);
    /** Ready to send without blocking. */
    public static final Interest WRITABLE = new Interest(W);
    /** Both. */
    public static final Interest BOTH = new Interest(R | W);

    private final int bits;

    private Interest(int bits) {
        this.bits = bits;
    }

    /** The union of this and {@code other}. */
    public Interest or(Interest other) {
        return of(bits | other.bits);
    }

    /** Whether this includes {@link #READABLE}. */
    public boolean isReadable() {
        return (bits & R) != 0;
    }

    /** Whether this includes {@link #WRITABLE}. */
    public boolean isWritable() {
        return (bits & W) != 0;
    }

    static Interest of(int bits) {
        return switch (bits) {
            case R -> READABLE;
            case W -> WRITABLE;
            case R | W -> BOTH;
            default -> throw new IllegalArgumentException("interest must be READABLE, WRITABLE or both: " + bits);
        };
    }

    @Override
    public String toString() {
        return switch (bits) {
            case R -> "READABLE";
            case W -> "WRITABLE";
            default -> "READABLE|WRITABLE";
        };
    }
}
