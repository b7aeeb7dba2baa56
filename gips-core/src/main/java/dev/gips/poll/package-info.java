/**
 * Readiness polling over many {@link dev.gips.poll.Source}s with one thread: epoll on Linux, kqueue on macOS, IOCP
 * on Windows.
 */
package dev.gips.poll;
