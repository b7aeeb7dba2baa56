package dev.gips.benchmarks.compare;

import java.io.IOException;

/**
 * One side of a connection as the peers' common driver sees it. The protocol is the C baseline's
 * ({@code seqpacket_peer.c}): a payload's first byte says what the server does with it: {@code 'E'} echo (with the
 * server's own descriptor if one came), {@code 'D'} drop, {@code 'A'} answer with the 1-byte message {@code "A"},
 * {@code 'S'} + count (8 bytes, little-endian) + size (4 bytes) send count messages of size bytes, then {@code "A"}.
 */
interface Link extends AutoCloseable {
    /** Sends {@code payload}, with one descriptor if {@code withFd}. */
    void send(byte[] payload, boolean withFd) throws IOException;

    /** Receives one message, closes any descriptor it carried and returns the payload's length. */
    int receive() throws IOException;

    @Override
    void close() throws IOException;
}
