package dev.gips.ipc;

import java.io.IOException;

/**
 * One message received by a {@link Listener}, with the client's connection to reply on and the client's
 * credentials.
 *
 * {@snippet :
 * Pod pod = listener.accept();
 * try (Message m = pod.message()) {
 *     pod.reply(m.payload());   // echo
 * }
 * }
 *
 * @param connection  the client's connection; the same object for every message of that client
 * @param message     the message
 * @param credentials the client's credentials, taken by the kernel when it connected
 */
public record Pod(Connection connection, Message message, Credentials credentials) {

    /**
     * Replies to the client without handles: the same as {@code connection().reply(payload)}.
     *
     * @throws java.io.EOFException if the client has gone
     * @throws java.nio.channels.ClosedChannelException if the connection was closed
     * @throws IOException if the OS refused the message
     */
    public void reply(byte[] payload) throws IOException {
        connection.reply(payload);
    }

    /**
     * Replies to the client: the same as {@code connection().reply(payload, handles)}.
     *
     * @throws java.io.EOFException if the client has gone
     * @throws java.nio.channels.ClosedChannelException if the connection was closed
     * @throws IOException if the OS refused the message
     */
    public void reply(byte[] payload, Handle... handles) throws IOException {
        connection.reply(payload, handles);
    }

    /**
     * Replies to the client without handles if that can be done without waiting for it to read: the same as
     * {@code connection().tryReply(payload)}.
     *
     * @return {@code false} if the client's queue is full and nothing was sent
     * @throws java.io.EOFException if the client has gone
     * @throws java.nio.channels.ClosedChannelException if the connection was closed
     * @throws IOException if the OS refused the message
     */
    public boolean tryReply(byte[] payload) throws IOException {
        return connection.tryReply(payload);
    }

    /**
     * Replies to the client if that can be done without waiting for it to read: the same as
     * {@code connection().tryReply(payload, handles)}.
     *
     * @return {@code false} if the client's queue is full and nothing was sent
     * @throws java.io.EOFException if the client has gone
     * @throws java.nio.channels.ClosedChannelException if the connection was closed
     * @throws IOException if the OS refused the message
     */
    public boolean tryReply(byte[] payload, Handle... handles) throws IOException {
        return connection.tryReply(payload, handles);
    }
}
