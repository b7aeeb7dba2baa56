/**
 * The macOS backend: gips 0.2.0's Mach messages through launchd's bootstrap namespace, kqueue for polling, Mach memory
 * entries and POSIX shm for shared memory, all through {@code java.lang.foreign}. Internal: applications use
 * {@code dev.gips.ipc}, {@code dev.gips.poll} and {@code dev.gips.shm}, and core finds
 * {@link dev.gips.macos.MacosBackend} with {@link java.util.ServiceLoader}. Written on Linux and not yet run on a Mac:
 * {@code gips-macos/RISKS.md} says what to look at first.
 *
 * <h2>Layers</h2>
 * Bottom up; a class uses classes of its own layer or below only. Nothing but {@code MacosBackend} is loaded until
 * {@code isSupported()} said yes, and each function links on its first call.
 * <table>
 *   <caption>The classes of the backend, by layer</caption>
 *   <tr><th>layer</th><th>classes</th><th>job</th></tr>
 *   <tr><td>linking</td><td>{@code Native}</td><td>the one class that calls restricted methods: downcall handles,
 *       views of native memory, the errno capture</td></tr>
 *   <tr><td>bindings</td><td>{@code Bootstrap}, {@code Fcntl}, {@code MachMessage}, {@code MachPort},
 *       {@code MachVm}, {@code Pwd}, {@code SysEvent}, {@code SysMman}, {@code SysStat}, {@code Unistd}</td>
 *       <td>one class per C header: constants, layouts, one holder class per function</td></tr>
 *   <tr><td>codes</td><td>{@code Errno}, {@code KernReturn}, {@code Bsm}</td><td>names for errno values,
 *       {@code kern_return_t}/{@code mach_msg_return_t}/bootstrap codes, the words of an audit token</td></tr>
 *   <tr><td>formats</td><td>{@code Wire} (with {@code MalformedMessageException}), {@code Where}</td><td>gips'
 *       message format, encoded and checked in pure Java; the one shape of error messages</td></tr>
 *   <tr><td>task chores</td><td>{@code Ports}, {@code Namespace}, {@code Identity}</td><td>port rights and their
 *       release; the launchd namespace, check-in and look-up; credentials and user and group names</td></tr>
 *   <tr><td>OS objects</td><td>{@code Mailbox}, {@code Sender}, {@code MachListener}, {@code MachClient},
 *       {@code MachEndpoint}, {@code KqueuePoller} (with {@code Pollable}), {@code MachShmObject},
 *       {@code PosixShmObject}</td><td>state, locks and lifetimes; no layouts</td></tr>
 *   <tr><td>backend</td><td>{@code MacosBackend}</td><td>the {@link dev.gips.spi.Backend} core loads</td></tr>
 * </table>
 *
 * <h2>The same role, the same name</h2>
 * Where the three backends do the same job, they use the same class name, Linux's: {@code Native} (linking),
 * {@code Identity} (credentials), {@code Wire} (the wire format), {@code Where} (error messages), {@code Pollable}
 * (what the poller asks a channel). The OS objects are named facility + role, as in the JDK's {@code sun.nio.ch}:
 * {@code MachListener}, {@code MachClient}, {@code MachEndpoint}, {@code KqueuePoller}, {@code MachShmObject} stand
 * where Linux has {@code Seqpacket*}, {@code EpollPoller}, {@code PosixShmObject}, and Windows {@code Pipe*},
 * {@code IocpPoller}, {@code FileMappingShmObject}. {@code Ports} holds the chores Linux's {@code Fds} and Windows'
 * {@code Handles} hold for their kind of OS object.
 *
 * <h2>gips 0.2.0's macOS bugs, and what this backend does about them</h2>
 * Comments cite these by number; they are section 4.2 of the notes on the Rust crate, told again here.
 * <dl>
 *   <dt>M-1: client credentials were the server's own</dt>
 *   <dd>gips took the audit token of its own task, so every policy judged the server. Every receive here asks for
 *       the audit trailer ({@code Mailbox.RECEIVE_OPTIONS}) and the credentials come from it
 *       ({@code Identity.sender}).</dd>
 *   <dt>M-2: wrong audit-token words</dt>
 *   <dd>gips read the real uid and gid (words 3 and 4) as groups. {@code Bsm} reads euid and egid, words 1 and
 *       2.</dd>
 *   <dt>M-3: the receive parser trusted the message</dt>
 *   <dd>counts past the buffer, underflowing sizes, a panic on an unknown descriptor: one crafted message crashed a
 *       server. {@code Wire.decode} checks every size, count, type and disposition and refuses, never throws
 *       anything else.</dd>
 *   <dt>M-4: rights of refused messages leaked</dt>
 *   <dd>{@code Wire.decode} hands every right and region of a refused message to a releaser ({@code Ports.RELEASER});
 *       the listener keeps one reference per client port, the endpoint drops the service-port right a Rust server
 *       sends with each reply.</dd>
 *   <dt>M-5: no peer-death detection</dt>
 *   <dd>dead-name notifications on clients' reply ports (listener) and on the service port, and a no-senders
 *       notification on the reply port (endpoint), end the connection.</dd>
 *   <dt>M-6: sends without a timeout</dt>
 *   <dd>{@code Sender} waits in 250 ms slices so that close ends a send; {@code trySend} does not wait.</dd>
 *   <dt>M-7: the service's receive right was never destroyed</dt>
 *   <dd>{@code Ports.destroyReceive} drops it with {@code mach_port_mod_refs(RECEIVE, -1)} when the mailbox is
 *       released.</dd>
 *   <dt>M-8: receive timeouts in microseconds, Mach errors reported through errno</dt>
 *   <dd>{@code Mailbox} passes milliseconds, rounded up; Mach codes are reported by name ({@code KernReturn}).</dd>
 *   <dt>M-9: sending out-of-line memory freed the caller's buffer</dt>
 *   <dd>this backend never sends out-of-line memory, and refuses it on receive ({@code Mailbox.decode}).</dd>
 *   <dt>M-10: misaligned out-of-line descriptors</dt>
 *   <dd>the 64-bit fields of the {@code pack(4)} descriptors are laid out 4-aligned
 *       ({@code MachMessage.U64_PACK4}).</dd>
 *   <dt>M-11: memory-entry rights never released</dt>
 *   <dd>{@code MachShmObject.close} drops its entry's right; each export is one more user reference, which the
 *       receiver's handle owns.</dd>
 *   <dt>M-12: the allocation behind an anonymous region leaked</dt>
 *   <dd>{@code MachShmObject} makes entries with {@code MAP_MEM_NAMED_CREATE}: nothing is allocated besides
 *       them.</dd>
 *   <dt>M-13: the namespace depends on launchd's behaviour</dt>
 *   <dd>kept as gips does it (the root walk of {@code Namespace}), so that Java and Rust peers meet; RISKS.md, risk
 *       1.</dd>
 *   <dt>M-14: empty messages were not sent</dt>
 *   <dd>an empty message is sent as the 28 bytes of header and body ({@code Wire.encode}).</dd>
 *   <dt>M-15: port allocation inside an assertion</dt>
 *   <dd>{@code Ports.allocate} reports a failure as an {@link java.io.IOException}.</dd>
 *   <dt>M-16: the kqueue descriptor and its waker</dt>
 *   <dd>no close-on-exec and a waker ident that could collide: {@code KqueuePoller}'s waker has a filter of its own
 *       ({@code EVFILT_USER}), and the descriptor is closed once, behind a gate. (kqueues are not inherited across
 *       {@code fork}, so close-on-exec is moot.)</dd>
 * </dl>
 */
package dev.gips.macos;
