/**
 * The Linux backend: AF_UNIX {@code SOCK_SEQPACKET} sockets, epoll, memfd and POSIX shared memory, through
 * {@code java.lang.foreign}. Nothing here is API: core finds {@link dev.gips.linux.LinuxBackend} through
 * {@code ServiceLoader} and talks to it through {@code dev.gips.spi}, whose package comment states the contract.
 *
 * <h2>Layers</h2>
 * Each layer uses only the ones above it.
 * <ol>
 *   <li><b>Bindings</b>, one class per C header, mechanism only: {@code SysSocket} ({@code <sys/socket.h>},
 *       {@code <sys/un.h>}), {@code SysEpoll} ({@code <sys/epoll.h>}, {@code <sys/eventfd.h>}), {@code SysMman},
 *       {@code SysStat}, {@code Fcntl}, {@code Unistd}, {@code Poll}, {@code Pwd} ({@code <pwd.h>}, {@code <grp.h>});
 *       {@code Native} links them (the one class with restricted calls) and reads the captured errno;
 *       {@code Errno} names errno values. Every constant, size and offset is checked against the headers
 *       ({@code NativeLayoutTest}).</li>
 *   <li><b>Mechanisms</b>, one job per class:
 *     <ul>
 *       <li>descriptors and names: {@code Fds}; {@code Where} (what error messages name); {@code UnixAddress} (a
 *           service name as gips 0.2.0 resolves it); {@code SocketFile} (a listener's socket file: bound without
 *           following another user's links, stale files taken over, removed only while it is ours);
 *           {@code Sockets} (connect, the endpoint's address, {@code SO_PASSCRED}, the inline limit);
 *           {@code Identity} (credentials from the kernel); {@code SocketActivation} (sockets systemd passed);</li>
 *       <li>waiting: {@code EpollSet} (an epoll set and its eventfd waker), {@code WaitScratch} (what a wait needs
 *           in native memory), {@code ParkingPoller} (virtual threads park instead of waiting in a downcall);</li>
 *       <li>messages: {@code MsgBuffers} (native scratch for one message), {@code Datagram} (one datagram in or
 *           out: {@code sendmsg}/{@code recvmsg}, control messages, truncation), {@code OutOfBand} (a large
 *           payload's sealed memfd), {@code Wire} (the protocol on top: the hello and the peer's kind, inline or out
 *           of band, empty message or end-of-stream), {@code SeqpacketSocket} (a connected socket as the protocol
 *           sees it);</li>
 *       <li>the shared-memory channel between gips-java peers: {@code Ring} (one direction: records in shared
 *           memory, every read checked), {@code ShmChannelMemory} (its sealed memfd, made, checked and mapped),
 *           {@code ShmControl} (its control datagrams on the socket: offer, accept, decline, switch, bell),
 *           {@code ShmChannel} (one connection's two rings: the handshake's state, sending, receiving, waiting),
 *           {@code HotClients} (the clients a listener's blocking receive spins on);</li>
 *       <li>a listener's jobs: {@code Acceptor} (accepting, and shedding when out of descriptors),
 *           {@code FairScheduler} (which client next), {@code OutOfBandBudget} (large payloads read at once),
 *           {@code SendBufferPool} (reply buffers), {@code Handoff} (an arrival carried out of the receive lock
 *           without an allocation).</li>
 *     </ul></li>
 *   <li><b>OS objects</b>, the SPI's channels, with their state, locks and lifetimes: {@code SeqpacketListener},
 *       {@code SeqpacketClient} (the server's socket for one client), {@code SeqpacketEndpoint},
 *       {@code EpollPoller}, {@code PosixShmObject}; {@code Pollable} is what a poller can watch.</li>
 *   <li><b>The backend</b>: {@link dev.gips.linux.LinuxBackend}, which core loads; it loads on any OS and touches
 *       the bindings only once {@code isSupported()} said yes.</li>
 * </ol>
 *
 * <h2>gips 0.2.0 bugs this backend does not repeat</h2>
 * The Rust crate this library mirrors has these faults on Linux; comments here cite them by number.
 * <dl>
 *   <dt>L-1</dt><dd>An empty message cannot be told from end-of-stream (both make {@code recvmsg} return 0), so the
 *       receiver drops the connection and leaks the descriptors the message carried. Here a datagram always comes
 *       with its sender's address or with credentials ({@code Wire}, "Empty messages").</dd>
 *   <dt>L-2</dt><dd>Binding removes whatever file is at the socket's path, and another user can squat the path or
 *       plant a link on the way. Here only a dead server's socket is taken over, and no link another user could have
 *       planted is followed ({@code SocketFile}).</dd>
 *   <dt>L-3</dt><dd>Only the peer's primary group is known, so group rules ignore its supplementary groups. Here
 *       they come from {@code SO_PEERGROUPS} ({@code Identity}).</dd>
 *   <dt>L-4</dt><dd>The 16 MiB payload limit is never reached: {@code sendmsg} fails above the socket's send
 *       buffer (about 208 KiB). Here larger payloads travel in a sealed memfd between gips-java peers, and a payload
 *       too large for a plain peer fails with a message that names the limit ({@code Wire}).</dd>
 *   <dt>L-5</dt><dd>Blocking modes change under the caller: a reply can fail with "would block", and an endpoint's
 *       socket is blocking or not depending on which receive ran last. Here a socket keeps one mode and a
 *       non-blocking call says so per call ({@code MSG_DONTWAIT}: {@code SeqpacketEndpoint}, {@code Datagram}).</dd>
 *   <dt>L-6</dt><dd>An anonymous shared memory object gets a generated name whose collisions are not retried. Here
 *       it is a memfd, which has no name ({@code PosixShmObject}).</dd>
 *   <dt>L-7</dt><dd>Closing a listener unlinks its path even when a newer server has bound it since. Here the file
 *       is removed only while its name still refers to the socket bound ({@code SocketFile}).</dd>
 *   <dt>B-X6</dt><dd>(all OSes) A named shared memory object is created readable by everyone, after removing any
 *       object of that name, then opened without {@code O_EXCL}, so another process can slip its own in. Here it is
 *       created exclusively, mode 0600 ({@code PosixShmObject}).</dd>
 *   <dt>B-X7</dt><dd>(all OSes) The caller's own groups are read into room for 16, so more groups is an error. Here
 *       the count is asked first ({@code Identity}).</dd>
 * </dl>
 */
package dev.gips.linux;
