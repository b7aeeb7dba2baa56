/**
 * Message-based IPC between processes on one machine: {@link dev.gips.ipc.Listener} (server),
 * {@link dev.gips.ipc.Endpoint} (client), {@link dev.gips.ipc.Connection} (the server's side of one client),
 * messages that keep their boundaries and carry OS {@link dev.gips.ipc.Handle}s, and access
 * {@link dev.gips.ipc.Policy policies} decided on kernel-vouched {@link dev.gips.ipc.Credentials}.
 *
 * <table>
 *   <caption>Mechanisms</caption>
 *   <tr><th>OS</th><th>transport</th><th>handles</th><th>credentials</th></tr>
 *   <tr><td>Linux</td><td>AF_UNIX SOCK_SEQPACKET</td><td>SCM_RIGHTS</td><td>SO_PEERCRED, SO_PEERGROUPS</td></tr>
 *   <tr><td>macOS</td><td>Mach ports</td><td>port rights</td><td>audit token</td></tr>
 *   <tr><td>Windows</td><td>message-mode named pipes</td><td>DuplicateHandle</td><td>client token</td></tr>
 * </table>
 */
package dev.gips.ipc;
