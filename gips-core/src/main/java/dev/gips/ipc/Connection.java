package dev.gips.ipc;

import dev.gips.internal.OpenState;
import dev.gips.internal.jfr.Jfr;
import dev.gips.internal.jfr.MessageSentEvent;
import dev.gips.poll.Source;
import dev.gips.spi.ClientChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.List;

/**
 * The server's side of one client of a {@link Listener}. Messages from the client arrive through
 * {@link Listener#accept()}; this object sends replies.
 *
 * <p>Thread safety: {@link #reply} may be called from several threads at once; each message goes out whole.
 *
 * <p>A connection closes when the client hangs up (the listener notices while accepting), when {@link #close()} is
 * called, or when its listener closes.
 */
public final class Connection implements Source, AutoCloseable {
    private final ClientChannel channel;
    private final Credentials credentials;
    private final String service;
    private final OpenState state;

    Connection(ClientChannel channel, String service) {
        this.channel = channel;
        this.credentials = channel.credentials();
        this.service = service;
        this.state = new OpenState("Connection of pid " + credentials.pid() + " (uid " + credentials.uid() + ") to",
                service, null);
    }

    /**
     * Sends a message without handles to the client: the same as {@link #reply(byte[], Handle...)} with none,
     * without the empty array a varargs call allocates.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public void reply(byte[] payload) throws IOException {
        reply(payload, Outgoing.NO_HANDLES);
    }

    /**
     * Sends a message to the client.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public void reply(byte[] payload, Handle... handles) throws IOException {
        send(payload, null, Outgoing.check(payload, handles), true);
    }

    /**
     * Sends the bytes of {@code payload} from its position to its limit, then sets its position to its limit.
     *
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public void reply(ByteBuffer payload, List<Handle> handles) throws IOException {
        send(null, payload, Outgoing.check(payload, handles), true);
    }

    /**
     * Sends a message to the client if that can be done without waiting for it to read, else sends nothing. A
     * client that never reads its replies fills its socket; a server that serves many clients from one thread
     * uses this instead of {@link #reply} so that such a client cannot stall it, and decides what to do with the
     * client (retry when the connection is reported {@linkplain dev.gips.poll.Interest#WRITABLE writable}, or
     * {@link #close()} it).
     *
     * @return {@code true} if the message was sent; {@code false} if the client's queue is full and nothing was
     *         sent
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public boolean tryReply(byte[] payload) throws IOException {
        return tryReply(payload, Outgoing.NO_HANDLES);
    }

    /**
     * Like {@link #tryReply(byte[])}, with handles, which are copied to the client and stay open here.
     *
     * @return {@code true} if the message was sent; {@code false} if the client's queue is full and nothing was
     *         sent
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public boolean tryReply(byte[] payload, Handle... handles) throws IOException {
        return send(payload, null, Outgoing.check(payload, handles), false);
    }

    /**
     * Like {@link #tryReply(byte[], Handle...)}, with the bytes of {@code payload} from its position to its limit.
     * When the message is sent the position is set to the limit; otherwise it is left unchanged.
     *
     * @return {@code true} if the message was sent; {@code false} if nothing was sent
     * @throws IllegalArgumentException if the payload exceeds 16 MiB or there are too many handles
     * @throws java.io.EOFException if the client has gone (closed its side or exited) and the listener has not
     *         noticed yet
     * @throws ClosedChannelException if this connection is closed: by {@link #close()}, by its listener, or because
     *         the listener noticed that the client has gone (see {@link #isOpen()})
     * @throws IOException if the OS refused the message
     */
    public boolean tryReply(ByteBuffer payload, List<Handle> handles) throws IOException {
        return send(null, payload, Outgoing.check(payload, handles), false);
    }

    /** The client's credentials, taken once by the kernel when it connected. */
    public Credentials credentials() {
        return credentials;
    }

    /** Whether the client is still connected and this side was not closed. */
    public boolean isOpen() {
        return !state.isClosed() && channel.isOpen();
    }

    /** Disconnects the client; idempotent. */
    @Override
    public void close() {
        state.close();
        channel.close();
    }

    /**
     * The one path of every reply. The payload is {@code array}, or else {@code buffer} from its position to its
     * limit, whose position moves to its limit once the message is sent. {@code wait}: {@link #reply}, which waits
     * for room; otherwise {@link #tryReply}, which sends nothing when the client's queue is full.
     *
     * @return whether the message was sent (always {@code true} when {@code wait})
     */
    private boolean send(byte[] array, ByteBuffer buffer, long[] handles, boolean wait) throws IOException {
        ensureOpen();
        int size = array != null ? array.length : buffer.remaining();
        MessageSentEvent jfr = Jfr.beginSend(service, "server", credentials.pid(), size, handles.length);
        if (wait) {
            if (array != null) {
                channel.send(array, handles);
            } else {
                channel.send(buffer, handles);
            }
        } else if (!(array != null ? channel.trySend(array, handles) : channel.trySend(buffer, handles))) {
            return false;
        }
        Jfr.sent(jfr);
        if (buffer != null) {
            buffer.position(buffer.limit());
        }
        return true;
    }

    ClientChannel pollChannel() throws ClosedChannelException {
        ensureOpen();
        return channel;
    }

    void markClosed() {
        state.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (state.isClosed() || !channel.isOpen()) {
            throw state.closedException();
        }
    }

    @Override
    public String toString() {
        return "Connection[pid " + credentials.pid() + ", uid " + credentials.uid() + (isOpen() ? "]" : ", closed]");
    }
}
