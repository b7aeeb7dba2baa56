package dev.gips.poll;

/**
 * Something a {@link Poller} can watch: a {@link dev.gips.ipc.Listener}, an {@link dev.gips.ipc.Endpoint} or a
 * {@link dev.gips.ipc.Connection}. Applications do not implement it; a poller refuses other implementations.
 */
public interface Source {}
