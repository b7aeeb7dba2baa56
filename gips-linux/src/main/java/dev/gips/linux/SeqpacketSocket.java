package dev.gips.linux;

/**
 * A connected SOCK_SEQPACKET socket as the protocol ({@link Wire}) sees it: its descriptor, the service it belongs to
 * (for messages), the largest payload it sends inline, and what is known of the peer at the other end. A client's
 * endpoint learns the service's kind from the service's first datagram; the server's socket for a client knows the
 * client's kind from its address. The channel that holds the socket keeps the descriptor open while it is used (its
 * gate), and closes it.
 */
final class SeqpacketSocket {
    /** What is known of the peer; see {@link Wire}, "Knowing the peer". */
    enum PeerKind {
        /** Not known yet: an endpoint that has not seen the service's first datagram, and no mark told. */
        UNKNOWN,
        /** A plain gips 0.2.0 peer (Rust, Python, C): nothing travels out of band. */
        PLAIN,
        /** gips for Java: payloads over the datagram limit travel out of band. */
        JAVA
    }

    final int fd;
    final Where where;
    /** The largest payload sent in the datagram itself: {@code SO_SNDBUF} less the kernel's 32 bytes. */
    final int inlineMax;
    private volatile PeerKind peer;             // changed by one thread at a time (the endpoint's read lock)

    SeqpacketSocket(int fd, Where where, PeerKind peer) {
        this.fd = fd;
        this.where = where;
        this.peer = peer;
        this.inlineMax = Sockets.inlineMax(fd);
    }

    PeerKind peer() {
        return peer;
    }

    /** Whether the peer is known to be gips for Java, which sends and restores out-of-band payloads. */
    boolean isJavaPeer() {
        return peer == PeerKind.JAVA;
    }

    /** Records what the peer turned out to be. */
    void peerIs(PeerKind kind) {
        peer = kind;
    }
}
