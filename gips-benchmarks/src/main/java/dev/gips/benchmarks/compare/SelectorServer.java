package dev.gips.benchmarks.compare;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The JDK counterpart of {@link dev.gips.benchmarks.PollLoopServer}: one thread, one {@link Selector} over
 * Unix-domain {@link SocketChannel}s, echoing whatever each readable client sent (one read per event). Prints
 * "ready" once bound; runs until killed. Argument: the socket path.
 */
public final class SelectorServer {
    private SelectorServer() {}

    /** Serves until killed. */
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        Files.deleteIfExists(path);
        try (Selector selector = Selector.open();
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path), 4096).configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            System.out.println("ready");
            System.out.flush();
            for (;;) {
                selector.select(1000);
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext();) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            c.configureBlocking(false).register(selector, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel c = (SocketChannel) key.channel();
                        buffer.clear();
                        try {
                            if (c.read(buffer) < 0) {
                                key.cancel();
                                c.close();
                                continue;
                            }
                            buffer.flip();
                            c.write(buffer);
                        } catch (IOException e) { // the client went away
                            key.cancel();
                            c.close();
                        }
                    }
                }
            }
        }
    }
}
