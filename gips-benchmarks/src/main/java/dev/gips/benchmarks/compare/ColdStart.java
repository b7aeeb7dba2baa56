package dev.gips.benchmarks.compare;

import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The work whose cold start {@link Compare} times, from process start to exit: bind a service, connect to it, send
 * one message and answer it, with gips ({@code gips}) or with the JDK's {@link SocketChannel} ({@code jdk}, a
 * length-prefixed frame); {@code ffm} only links and calls one libc function through {@link Linker} (what any FFM
 * library pays before its first system call); {@code ffm-shapes} does what {@code ffm} does and also links, without
 * calling, one downcall of each distinct shape (function descriptor and linker options) that the {@code gips} run
 * links on Linux, so that {@code ffm-shapes} minus {@code ffm} is the JDK's cost of generating those call stubs,
 * a floor for any FFM library that makes these system calls; {@code none} does nothing, to show the JVM's own
 * start-up.
 */
public final class ColdStart {
    private ColdStart() {}

    /** {@code ColdStart gips|jdk|ffm|ffm-shapes|none}. */
    public static void main(String[] args) throws Throwable {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "gips-cold-" + ProcessHandle.current().pid());
        byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
        switch (args[0]) {
            case "gips" -> {
                try (Listener listener = Listener.bind(path.toString());
                        Endpoint endpoint = Endpoint.connect(path.toString())) {
                    endpoint.send(ping);
                    Pod pod = listener.accept();
                    pod.reply(pod.message().payload());
                    try (Message reply = endpoint.recv()) {
                        check(reply.payload());
                    }
                }
            }
            case "jdk" -> {
                var address = UnixDomainSocketAddress.of(path);
                try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
                        SocketChannel client = SocketChannel.open(address);
                        SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.allocate(4 + ping.length).putInt(ping.length).put(ping).flip());
                    accepted.write(ByteBuffer.wrap(read(accepted)));
                    check(Arrays.copyOfRange(read(client), 4, 4 + ping.length));
                } finally {
                    Files.deleteIfExists(path);
                }
            }
            case "ffm" -> ffm();
            case "ffm-shapes" -> {
                ffm();
                gipsShapes();
            }
            case "none" -> { }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    @SuppressWarnings("restricted")
    private static void ffm() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle getpid = linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            if ((int) getpid.invokeExact(errno) != ProcessHandle.current().pid()) {
                throw new IllegalStateException("getpid");
            }
        }
    }

    /**
     * One libc function of each call shape (function descriptor and linker options) that gips-linux links on the
     * {@code gips} path (bind, connect, send, accept, reply, receive, close), with the options gips links it with
     * besides errno capture. A shape the JVM has seen costs little to link again, so one function per shape is
     * enough; keep this list in step with the bindings gips-linux uses (its {@code Native.downcall} calls the same
     * {@link Linker#downcallHandle}, with errno captured for every call but {@code geteuid}'s).
     */
    private static Object[][] gipsShapeList() {
        Linker linker = Linker.nativeLinker();
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout l = (ValueLayout) linker.canonicalLayouts().get("long");
        ValueLayout p = ValueLayout.ADDRESS;
        Linker.Option errno = Linker.Option.captureCallState("errno");
        Linker.Option[] plain = {errno};
        Linker.Option[] variadic2 = {Linker.Option.firstVariadicArg(2), errno};
        Linker.Option[] variadic3 = {Linker.Option.firstVariadicArg(3), errno};
        return new Object[][] {
            {"close", FunctionDescriptor.of(i, i), plain},                         // also the probe, epoll_create1
            {"fcntl", FunctionDescriptor.of(i, i, i, i), variadic2},               // also socket
            {"geteuid", FunctionDescriptor.of(i), new Linker.Option[0]},
            {"openat", FunctionDescriptor.of(i, i, p, i, i), variadic3},           // also fchmodat, epoll_wait
            {"bind", FunctionDescriptor.of(i, i, p, i), plain},                    // also connect, unlinkat
            {"statx", FunctionDescriptor.of(i, i, p, i, i, p), plain},
            {"listen", FunctionDescriptor.of(i, i, i), plain},                     // also eventfd
            {"epoll_ctl", FunctionDescriptor.of(i, i, i, i, p), plain},
            {"mmap", FunctionDescriptor.of(p, p, l, i, i, i, l), plain},
            {"getsockopt", FunctionDescriptor.of(i, i, i, i, p, p), plain},
            {"sendmsg", FunctionDescriptor.of(l, i, p, i), plain},                 // also recvmsg
            {"accept4", FunctionDescriptor.of(i, i, p, p, i), plain},
            {"munmap", FunctionDescriptor.of(i, p, l), plain},
        };
    }

    /** How many call shapes {@code ffm-shapes} links: those gips-linux links on the {@code gips} path. */
    static final int GIPS_SHAPES = 13;

    /** Links one function of each shape in {@link #gipsShapeList()}, calling none of them. */
    @SuppressWarnings("restricted")
    private static void gipsShapes() {
        Linker linker = Linker.nativeLinker();
        Object[][] shapes = gipsShapeList();
        if (shapes.length != GIPS_SHAPES) {
            throw new IllegalStateException("GIPS_SHAPES says " + GIPS_SHAPES + ", the list has " + shapes.length);
        }
        for (Object[] shape : shapes) {
            linker.downcallHandle(linker.defaultLookup().find((String) shape[0]).orElseThrow(),
                    (FunctionDescriptor) shape[1], (Linker.Option[]) shape[2]);
        }
    }

    /** One whole frame, prefix included. */
    private static byte[] read(SocketChannel channel) throws java.io.IOException {
        ByteBuffer header = ByteBuffer.allocate(4);
        while (header.hasRemaining()) {
            channel.read(header);
        }
        ByteBuffer frame = ByteBuffer.allocate(4 + header.flip().getInt(0)).put(header);
        while (frame.hasRemaining()) {
            channel.read(frame);
        }
        return frame.array();
    }

    private static void check(byte[] reply) {
        if (!new String(reply, StandardCharsets.UTF_8).equals("ping")) {
            throw new IllegalStateException("wrong reply");
        }
    }
}
