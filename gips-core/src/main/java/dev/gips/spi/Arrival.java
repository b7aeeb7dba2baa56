package dev.gips.spi;

/**
 * What a {@link ListenerChannel} reports: a client arrived, sent a message, or left.
 *
 * @param kind    what happened
 * @param client  the client it happened to
 * @param message the message, for {@link Kind#MESSAGE} only
 */
public record Arrival(Kind kind, ClientChannel client, RawMessage message) {
    /** The kinds of arrival. */
    public enum Kind {
        /**
         * A client connected; core decides with the policy whether it stays, and then either admits it
         * ({@link ClientChannel#admit}) or closes it. Nothing more of the client is reported before it is admitted.
         */
        CONNECTED,
        /** A client sent a message. */
        MESSAGE,
        /** A client hung up, or was dropped for misbehaving; its channel is already closed. */
        DISCONNECTED
    }

    /** A client connected. */
    public static Arrival connected(ClientChannel client) {
        return new Arrival(Kind.CONNECTED, client, null);
    }

    /** A client sent {@code message}. */
    public static Arrival message(ClientChannel client, RawMessage message) {
        return new Arrival(Kind.MESSAGE, client, message);
    }

    /** A client left. */
    public static Arrival disconnected(ClientChannel client) {
        return new Arrival(Kind.DISCONNECTED, client, null);
    }
}
