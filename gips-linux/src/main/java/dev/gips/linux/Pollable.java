package dev.gips.linux;

import dev.gips.spi.ReleaseGate;
import java.io.IOException;

/** A channel an {@link EpollPoller} can watch: the descriptor that shows its readiness, and the gate guarding it. */
interface Pollable {
    /** The descriptor whose readiness is the channel's (a listener's private epoll set, a socket). */
    int pollFd();

    /** Guards {@link #pollFd()} against being closed while the poller uses it. */
    ReleaseGate gate();

    /**
     * Called when a poller starts watching the channel: a channel that receives through shared memory must then keep
     * {@link #pollFd()} readable while messages wait.
     */
    default void watched() throws IOException {
    }
}
