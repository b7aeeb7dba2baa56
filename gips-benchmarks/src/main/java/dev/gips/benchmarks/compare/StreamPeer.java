package dev.gips.benchmarks.compare;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * What a Java user picks without gips: a blocking {@link SocketChannel} on an AF_UNIX stream socket, either the JDK's
 * ({@link UnixDomainSocketAddress}) or junixsocket's ({@link AFUNIXSocketChannel}, which can also pass descriptors).
 * Messages are framed with a 4-byte length prefix; a direct buffer is reused for writing and a direct buffer reads
 * ahead, so a message costs one {@code write} and usually one {@code read} or less.
 *
 * {@code jdk-virtual} is the JDK's channel with both loops on virtual threads, the reference for gips on virtual
 * threads.
 *
 * <pre>
 * StreamPeer server jdk|jdk-virtual|junixsocket PATH
 * StreamPeer client jdk|jdk-virtual|junixsocket PATH WARMUP_MS MEASURE_MS TASK...
 * </pre>
 */
public final class StreamPeer {
    private StreamPeer() {}

    private static final int MAX = 16 << 20;

    /** Runs a server or a client; see the class comment. */
    public static void main(String[] args) throws Exception {
        boolean junix = args[1].equals("junixsocket");
        boolean virtual = args[1].equals("jdk-virtual");
        Path path = Path.of(args[2]);
        if (args[0].equals("server")) {
            Files.deleteIfExists(path);
            try (ServerSocketChannel server = junix
                    ? AFUNIXServerSocketChannel.open().bind(AFUNIXSocketAddress.of(path))
                    : ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path))) {
                System.out.println("ready");
                System.out.flush();
                try (Framed f = new Framed(server.accept())) {
                    GipsPeer.on(virtual, () -> {
                        serve(f);
                        return null;
                    });
                } finally {
                    Files.deleteIfExists(path);
                }
            }
        } else {
            SocketChannel channel = junix ? AFUNIXSocketChannel.open(AFUNIXSocketAddress.of(path))
                    : SocketChannel.open(UnixDomainSocketAddress.of(path));
            try (Framed f = new Framed(channel)) {
                GipsPeer.on(virtual, () -> {
                    client(f, args);
                    return null;
                });
            }
        }
    }

    private static void serve(Framed f) throws IOException {
        for (;;) {
            byte[] p;
            try {
                p = f.receive();
            } catch (EOFException e) {
                return;
            }
            Driver.serve(p, f.lastHadFd, new Driver.Server() {
                @Override
                public void echo(byte[] payload, boolean withFd) throws IOException {
                    f.send(payload, withFd);
                }

                @Override
                public void send(byte[] payload) throws IOException {
                    f.send(payload, false);
                }
            });
        }
    }

    private static void client(Framed f, String[] args) throws IOException {
        Driver.run(new Link() {
            @Override
            public void send(byte[] payload, boolean withFd) throws IOException {
                f.send(payload, withFd);
            }

            @Override
            public int receive() throws IOException {
                return f.receive().length;
            }

            @Override
            public void close() throws IOException {
                f.close();
            }
        }, Long.parseLong(args[3]), Long.parseLong(args[4]), Arrays.copyOfRange(args, 5, args.length));
    }

    /** Length-prefixed messages on a stream channel. */
    static final class Framed implements AutoCloseable {
        private final SocketChannel channel;
        private final AFUNIXSocketChannel junix;
        private final ByteBuffer out = ByteBuffer.allocateDirect(4 + MAX);
        private final ByteBuffer in = ByteBuffer.allocateDirect(4 + MAX).flip();
        private final RandomAccessFile own;
        boolean lastHadFd;

        Framed(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.junix = channel instanceof AFUNIXSocketChannel j ? j : null;
            this.own = junix == null ? null : new RandomAccessFile("/dev/null", "r");
            if (junix != null) {
                junix.setAncillaryReceiveBufferSize(256); // room for a few descriptors
            }
        }

        void send(byte[] payload, boolean withFd) throws IOException {
            if (withFd) {
                if (junix == null) {
                    throw new UnsupportedOperationException("the JDK's SocketChannel cannot pass descriptors");
                }
                junix.setOutboundFileDescriptors(own.getFD());
            }
            out.clear();
            out.putInt(payload.length).put(payload).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }

        byte[] receive() throws IOException {
            lastHadFd = false;
            fill(4);
            int len = in.getInt();
            fill(len);
            byte[] p = new byte[len];
            in.get(p);
            return p;
        }

        private void fill(int n) throws IOException {
            while (in.remaining() < n) {
                in.compact();
                int r = channel.read(in);
                in.flip();
                if (r < 0) {
                    throw new EOFException();
                }
                if (junix != null) {
                    FileDescriptor[] fds = junix.getReceivedFileDescriptors();
                    if (fds != null && fds.length > 0) {
                        lastHadFd = true;
                        for (FileDescriptor fd : fds) {
                            new FileInputStream(fd).close();
                        }
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
            if (own != null) {
                own.close();
            }
        }
    }
}
