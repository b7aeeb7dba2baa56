/**
 * The Windows backend: message-mode named pipes in gips 0.2.0's framing, I/O completion ports for pipe I/O and for
 * polling, page-file-backed file mappings for shared memory, all through {@code java.lang.foreign}. Internal:
 * applications use {@code dev.gips.ipc}, {@code dev.gips.poll} and {@code dev.gips.shm}, and core finds
 * {@link dev.gips.windows.WindowsBackend} with {@link java.util.ServiceLoader}. Written on Linux and not yet run on
 * Windows: {@code gips-windows/RISKS.md} says what to look at first.
 *
 * <h2>Layers</h2>
 * Bottom up; a class uses classes of its own layer or below only, except that {@code PipeChannel} reports to its
 * owner (a {@code PipeClient} or {@code PipeEndpoint}) through {@code PipeChannel.Owner}. Nothing but
 * {@code WindowsBackend} is loaded until {@code isSupported()} said yes; a DLL is looked up, and each function
 * linked, on its first call.
 * <table>
 *   <caption>The classes of the backend, by layer</caption>
 *   <tr><th>layer</th><th>classes</th><th>job</th></tr>
 *   <tr><td>linking</td><td>{@code Native}</td><td>the one class that calls restricted methods: DLL lookups,
 *       downcall handles, views of native memory, the {@code GetLastError} capture, UTF-16 strings</td></tr>
 *   <tr><td>bindings</td><td>{@code Kernel32}, {@code Advapi32}, {@code MinWinBase}</td><td>one class per DLL,
 *       since lookup is per DLL: constants, layouts, one holder class per function; the structs of
 *       {@code <minwinbase.h>} that many kernel32 calls share</td></tr>
 *   <tr><td>codes</td><td>{@code WinError}</td><td>names and texts of the {@code GetLastError} codes</td></tr>
 *   <tr><td>formats</td><td>{@code Wire}, {@code Where}</td><td>gips' framing inside one pipe message, encoded and
 *       checked in pure Java; the one shape of error messages</td></tr>
 *   <tr><td>process chores</td><td>{@code Handles}, {@code Identity}, {@code IoPort} (with {@code Op}),
 *       {@code Waits}</td><td>handle bookkeeping and the checks on handles a peer sends; credentials from access
 *       tokens and security descriptors; the completion port and its pump thread, and the native memory of each
 *       overlapped operation; how receivers wait</td></tr>
 *   <tr><td>OS objects</td><td>{@code PipeChannel}, {@code PipeListener}, {@code PipeClient}, {@code PipeEndpoint},
 *       {@code IocpPoller} (with {@code Pollable}, {@code Readiness}), {@code FileMappingShmObject}</td><td>state,
 *       locks and lifetimes; no layouts</td></tr>
 *   <tr><td>backend</td><td>{@code WindowsBackend}</td><td>the {@link dev.gips.spi.Backend} core loads</td></tr>
 * </table>
 *
 * <h2>The same role, the same name</h2>
 * Where the three backends do the same job, they use the same class name, Linux's: {@code Native} (linking),
 * {@code Identity} (credentials), {@code Wire} (the wire format), {@code Where} (error messages), {@code Pollable}
 * (what the poller asks a channel). The OS objects are named facility + role, as in the JDK's {@code sun.nio.ch}:
 * {@code PipeListener}, {@code PipeClient}, {@code PipeEndpoint}, {@code IocpPoller}, {@code FileMappingShmObject}
 * stand where Linux has {@code Seqpacket*}, {@code EpollPoller}, {@code PosixShmObject}, and macOS {@code Mach*},
 * {@code KqueuePoller}, {@code MachShmObject}. {@code Handles} holds the chores Linux's {@code Fds} and macOS'
 * {@code Ports} hold for their kind of OS object.
 *
 * <h2>gips 0.2.0's Windows bugs, and what this backend does about them</h2>
 * Comments cite these by number; they are section 4.3 of the notes on the Rust crate, told again here.
 * <dl>
 *   <dt>W-1: the accept {@code OVERLAPPED} moved while the kernel pointed at it</dt>
 *   <dd>every {@code OVERLAPPED} and buffer lives in an {@code Op}'s native memory, which never moves and is freed
 *       only after the pump saw the operation complete.</dd>
 *   <dt>W-2: a message over 64 KiB dropped the connection</dt>
 *   <dd>{@code ERROR_MORE_DATA} makes {@code PipeChannel} grow the buffer to the size the frame claims and read the
 *       rest, so any message up to 16 MiB arrives whole.</dd>
 *   <dt>W-3: received handle values were trusted</dt>
 *   <dd>{@code Handles.refuse} accepts only values that are multiples of 4 below 2^32, open in this process, and
 *       none of the backend's own; {@code Wire.decode} bounds counts and sizes before it allocates. A peer can still
 *       name another open handle of the process: RISKS.md, risk 7.</dd>
 *   <dt>W-4: the client could duplicate handles into itself</dt>
 *   <dd>{@code PipeEndpoint} opens the server's process by {@code GetNamedPipeServerProcessId}.</dd>
 *   <dt>W-5: the client read in byte mode</dt>
 *   <dd>{@code PipeEndpoint} switches its handle to {@code PIPE_READMODE_MESSAGE}.</dd>
 *   <dt>W-6: sends held a lock until the peer had read</dt>
 *   <dd>no {@code FlushFileBuffers}, and no lock is held while a send waits for its write to complete.</dd>
 *   <dt>W-7: closing freed buffers the kernel still wrote to</dt>
 *   <dd>{@code PipeChannel} cancels its I/O ({@code CancelIoEx}) and frees the ops and closes the handle only when
 *       the last completion came.</dd>
 *   <dt>W-8: pipe squatting and remote clients</dt>
 *   <dd>{@code PipeListener} creates the first instance with {@code FILE_FLAG_FIRST_PIPE_INSTANCE}, rejects remote
 *       clients, and gives every instance a protected DACL that lets others connect but not create instances.</dd>
 *   <dt>W-9: clients allowed full impersonation</dt>
 *   <dd>{@code PipeEndpoint} connects with {@code SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION}.</dd>
 *   <dt>W-10: weak credentials</dt>
 *   <dd>{@code Identity} reads them once per client from the connection's token (impersonating the client just long
 *       enough), never through a pid that could be reused, sizes every token query, and keeps only groups that
 *       grant access (no deny-only groups).</dd>
 *   <dt>W-11: sections readable by others, squatted names adopted, descriptors leaked</dt>
 *   <dd>{@code FileMappingShmObject} gives sections a DACL for SYSTEM and the owner only, refuses a name that exists,
 *       and the security descriptor is freed with its arena ({@code Identity.securityAttributes}).</dd>
 *   <dt>W-12: the accept-token formula and the private poller</dt>
 *   <dd>completions are matched by their {@code OVERLAPPED}'s address ({@code IoPort}), not by a token; the public
 *       poller's tokens are core's, forgotten at deregistration, and a poll reports at most the caller's capacity.</dd>
 *   <dt>W-13: polling every 10 ms and 100 µs</dt>
 *   <dd>the pump waits in {@code GetQueuedCompletionStatusEx}; receivers wait on conditions the pump signals.</dd>
 *   <dt>W-14: small ones</dt>
 *   <dd>connect reports a missing pipe at once ({@code NoSuchServiceException}), and
 *       {@code Endpoint.connect(name, Duration)} tries again until the service appears; a failed
 *       {@code MapViewOfFile} is always checked; nothing asserts on a failed {@code CloseHandle}.</dd>
 * </dl>
 */
package dev.gips.windows;
