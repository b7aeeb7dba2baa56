package dev.gips.spi;

/**
 * An SPI channel a {@link PollerChannel} can watch: the channel behind a public {@code dev.gips.poll.Source}, that is
 * a {@link ListenerChannel}, an {@link EndpointChannel} or a {@link ClientChannel}. It declares nothing itself: what a
 * poller needs of a channel differs per OS (a descriptor and its gate on Linux, a port set on macOS, a readiness
 * list on Windows), so each backend's channels also implement a {@code Pollable} interface of the backend's own,
 * which its poller asks for that.
 */
public interface SourceChannel {}
