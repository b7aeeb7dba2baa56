package dev.gips.macos;

/** A channel a {@link KqueuePoller} can watch: the port set whose queued messages are its readiness. */
interface Pollable {
    /**
     * The port set an {@code EVFILT_MACHPORT} filter watches, or {@code MACH_PORT_NULL} for a channel whose messages
     * arrive on another's (a server's client: on its listener's).
     */
    int portSet();
}
