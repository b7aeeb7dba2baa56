/**
 * Shared memory regions that travel between processes as handles, with zero-copy
 * {@link java.lang.foreign.MemorySegment} access: POSIX shm and memfd on Linux, Mach memory entries on macOS, file
 * mappings on Windows.
 */
package dev.gips.shm;
