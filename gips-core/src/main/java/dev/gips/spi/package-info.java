/**
 * The backend SPI: what an OS backend provides so that the public classes of {@code dev.gips.ipc},
 * {@code dev.gips.poll} and {@code dev.gips.shm} work on that OS. Applications never use these types.
 *
 * <h2>Required types</h2>
 * A backend is a {@link dev.gips.spi.Backend} (in practice an {@link dev.gips.spi.AbstractBackend}, which answers
 * name, support and handle kinds from what the backend's probe found) registered in
 * {@code META-INF/services/dev.gips.spi.Backend}. Core
 * loads every registered backend and uses the first whose {@link dev.gips.spi.Backend#isSupported()} is true. A
 * backend provides:
 * <ul>
 *   <li>{@link dev.gips.spi.ListenerChannel}: the server side of a service; yields, in order, the arrival of a
 *       client ({@code CONNECTED}), its messages ({@code MESSAGE}) and its departure ({@code DISCONNECTED});</li>
 *   <li>{@link dev.gips.spi.ClientChannel}: the server's channel to one client, used for replies; backends extend
 *       {@link dev.gips.spi.AbstractClientChannel}, which keeps core's attachment, funnels the sends into one method
 *       and holds back what a client sent until core admits it;</li>
 *   <li>{@link dev.gips.spi.EndpointChannel}: the client side of a service;</li>
 *   <li>{@link dev.gips.spi.PollerChannel}: a readiness poller over those three channels, each a
 *       {@link dev.gips.spi.SourceChannel};</li>
 *   <li>handle operations ({@code duplicateHandle}, {@code closeHandle}), the caller's own credentials and the
 *       resolution of user and group names;</li>
 *   <li>{@link dev.gips.spi.ShmObject}: the OS object behind a shared memory region ({@code createShm},
 *       {@code openShm}, {@code shmFromHandle}): its size, growing it, mapping it into an arena, exporting a
 *       duplicate, its name, whether another process can shrink it ({@code isSealed}).</li>
 * </ul>
 *
 * <h2>How a backend is laid out</h2>
 * Each backend is one package in three layers: bindings (one class per C header, per DLL on Windows, each downcall
 * handle in a holder class of its own so that it links on first call, restricted calls only in the linking class
 * {@code Native}), OS objects (state, locks, lifetimes), and the {@code Backend}. The same job has the same class
 * name in every backend: {@code Native}, {@code Identity} (credentials), {@code Wire} (gips' wire format),
 * {@code Where} (every {@code IOException} message, through {@link dev.gips.spi.IoErrors}), {@code Pollable} (what
 * the poller asks a channel); the OS objects are facility + role ({@code SeqpacketListener}, {@code MachListener},
 * {@code PipeListener}; {@code EpollPoller}, {@code KqueuePoller}, {@code IocpPoller}). Each backend's
 * {@code package-info} maps its layers.
 *
 * <h2>What core does, so backends don't</h2>
 * Core checks arguments (payload at most {@link dev.gips.spi.Limits#MAX_PAYLOAD} bytes, at most
 * {@link dev.gips.spi.Backend#maxHandles(int)} handles, handles open and of a kind the backend moves), checks the
 * access policy once per client when the backend reports it {@code CONNECTED}, closes refused clients and logs them,
 * tracks closed state and throws {@link java.nio.channels.ClosedChannelException} for calls on closed objects.
 * For shared memory, core owns the 24-byte header and every rule about it: names' syntax, sizes, validation of
 * received regions, clamping, resizing, and the arenas that tie segments to mappings.
 *
 * <h2>What backends must guarantee</h2>
 * <ul>
 *   <li>No message or departure of a client is reported before core admitted it
 *       ({@link dev.gips.spi.ClientChannel#admit}), which core does after the client's {@code CONNECTED}, once its
 *       policy allowed it; none is reported after the client's channel was closed. This is what lets any number of
 *       threads receive at once: no thread can take a client's message while another still decides about the
 *       client. A refused client is closed without ever being admitted, and nothing it sent is read.</li>
 *   <li>Credentials come from the kernel, never from anything the peer sends.</li>
 *   <li>A peer that misbehaves (truncated message, bad framing, too many handles) is reported as
 *       {@code DISCONNECTED} on a listener; it never makes {@code receive} throw. Every OS handle it sent is
 *       closed.</li>
 *   <li>Timeouts: {@code timeoutNanos < 0} waits forever, {@code 0} never blocks, anything else waits at most that
 *       long. A waiting thread returns with {@link java.nio.channels.AsynchronousCloseException} when another thread
 *       closes the channel. Whatever clients do: with {@code 0}, {@code receive} does a bounded amount of work (it
 *       looks at the OS at most once) and returns {@code null} rather than keep taking arrivals; with a timeout, it
 *       returns at the deadline, late by at most the arrival it was handling.</li>
 *   <li>{@code send} is thread-safe and sends each message whole or not at all; {@code receive} and {@code send}
 *       may run at the same time on different threads.</li>
 *   <li>{@code close} is idempotent, wakes blocked threads, and releases the OS resource once the last of them has
 *       left.</li>
 *   <li>Shared memory: a named {@code createShm} never opens or destroys an existing object; an anonymous one
 *       leaves no name behind even if the process is killed; {@code ShmObject.map} ties the unmap to the arena it
 *       is given, so no segment outlives its mapping; {@code setSize} never shrinks; {@code isSealed} answers
 *       {@code true} only for an object no process can shrink.</li>
 * </ul>
 */
package dev.gips.spi;
