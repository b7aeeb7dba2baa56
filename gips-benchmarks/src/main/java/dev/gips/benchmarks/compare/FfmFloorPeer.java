package dev.gips.benchmarks.compare;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The floor of any FFM library on the server side: one client on a SOCK_SEQPACKET socket, served by a loop that
 * makes one blocking {@code recvmsg} downcall per message (with room for an address and descriptors, and errno
 * captured, as a correct library needs) and copies the payload into a new {@code byte[]}, as every Java peer hands
 * its receiver; replies go out with one {@code send} downcall each. No locks, no multiplexing, no message objects.
 * It serves the C client of {@code seqpacket_peer.c}, 64-byte tasks without descriptors only.
 *
 * <pre>
 * FfmFloorPeer PATH
 * </pre>
 */
public final class FfmFloorPeer {
    private FfmFloorPeer() {}

    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int BUFFER = 64 << 10;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = handle("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = handle("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT = handle("accept",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVMSG = handle("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = handle("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    @SuppressWarnings("restricted") // the point of this peer: raw downcalls, run with --enable-native-access
    private static MethodHandle handle(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d, ERRNO);
    }

    /** Serves one client; see the class comment. */
    public static void main(String[] args) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE);
            byte[] path = args[0].getBytes(StandardCharsets.UTF_8);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, address, JAVA_BYTE, 2, path.length);
            int listenFd = (int) check((int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0),
                    "socket", errno);
            try {
                check((int) BIND.invokeExact(errno, listenFd, address, SOCKADDR_UN_SIZE), "bind " + args[0], errno);
                check((int) LISTEN.invokeExact(errno, listenFd, 16), "listen", errno);
                System.out.println("ready");
                System.out.flush();
                int fd = (int) check((int) ACCEPT.invokeExact(errno, listenFd, MemorySegment.NULL,
                        MemorySegment.NULL), "accept", errno);
                try {
                    serve(arena, errno, fd);
                } finally {
                    int r = (int) CLOSE.invokeExact(errno, fd);
                }
            } finally {
                int r = (int) CLOSE.invokeExact(errno, listenFd);
            }
        }
    }

    private static void serve(Arena arena, MemorySegment errno, int fd) throws Throwable {
        MemorySegment data = arena.allocate(BUFFER);
        MemorySegment out = arena.allocate(BUFFER);
        MemorySegment name = arena.allocate(SOCKADDR_UN_SIZE);
        MemorySegment control = arena.allocate(64);
        MemorySegment iov = arena.allocate(16);
        MemorySegment msg = arena.allocate(56); // struct msghdr on LP64
        Driver.Server replies = new Driver.Server() {
            @Override
            public void echo(byte[] payload, boolean withFd) throws IOException {
                send(payload);
            }

            @Override
            public void send(byte[] payload) throws IOException {
                MemorySegment.copy(payload, 0, out, JAVA_BYTE, 0, payload.length);
                long n;
                try {
                    n = (long) SEND.invokeExact(errno, fd, out, (long) payload.length, MSG_NOSIGNAL);
                } catch (Throwable t) {
                    throw new IOException(t);
                }
                check(n, "send", errno); // a SOCK_SEQPACKET send is whole or fails
            }
        };
        for (;;) {
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, BUFFER);
            msg.set(ADDRESS, 0, name);
            msg.set(JAVA_INT, 8, SOCKADDR_UN_SIZE);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, control.byteSize());
            msg.set(JAVA_INT, 48, 0);
            long n = check((long) RECVMSG.invokeExact(errno, fd, msg, MSG_CMSG_CLOEXEC), "recvmsg", errno);
            if (n == 0 && msg.get(JAVA_INT, 8) == 0) {
                return; // no datagram, no sender: the client has gone
            }
            byte[] payload = new byte[(int) n];
            MemorySegment.copy(data, JAVA_BYTE, 0, payload, 0, (int) n);
            Driver.serve(payload, false, replies);
        }
    }

    private static long check(long result, String call, MemorySegment errno) throws IOException {
        if (result < 0) {
            throw new IOException(call + ": errno " + (int) ERRNO_VALUE.get(errno, 0L));
        }
        return result;
    }
}
