package dev.gips.windows;

/** A channel an {@link IocpPoller} can watch: it says what it is ready for and tells pollers when that changes. */
interface Pollable {
    /** {@code PollerChannel.READABLE} and/or {@code WRITABLE}, as of now. */
    int readyOps();

    /** The pollers watching this channel. */
    Readiness readiness();
}
