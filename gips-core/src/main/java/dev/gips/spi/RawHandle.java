package dev.gips.spi;

import dev.gips.ipc.Handle;

/**
 * An OS object as it crosses the SPI: its kind and its raw value (a file descriptor, a Mach port name, a Windows
 * {@code HANDLE}). Whoever holds a received {@code RawHandle} owns the OS object until core adopts it.
 *
 * @param kind  what the value names
 * @param value the raw value
 */
public record RawHandle(Handle.Kind kind, long value) {}
