package dev.gips.linux;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import dev.gips.ipc.ServiceDescriptor;
import dev.gips.spi.AbstractBackend;
import dev.gips.spi.BackendProbe;
import dev.gips.spi.EndpointChannel;
import dev.gips.spi.Limits;
import dev.gips.spi.ListenerChannel;
import dev.gips.spi.PollerChannel;
import dev.gips.spi.RawHandle;
import dev.gips.spi.ShmObject;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Linux backend: AF_UNIX SOCK_SEQPACKET, epoll, POSIX shm and memfd through {@code java.lang.foreign}. Loads on any OS;
 * the native bindings are touched only once {@link #isSupported()} said yes.
 */
public final class LinuxBackend extends AbstractBackend {
    private static final Throwable UNSUPPORTED = probe();

    static {
        if (UNSUPPORTED == null) {
            Warmup.start();
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public LinuxBackend() {
        super("linux", UNSUPPORTED, Set.of(Handle.Kind.FILE_DESCRIPTOR));
    }

    private static Throwable probe() {
        // links the first bindings: fails here, not in the middle of a call, if native access is denied. close(-1)
        // only fails with EBADF, and its shape, int(int) with errno, is one every service or client links anyway
        // (close, epoll_create1): a probe of its own shape would cost a fresh JVM one more stub to generate
        return new BackendProbe("Linux", List.of("Linux"), "dev.gips.linux")
                .run(() -> Unistd.close(Native.threadCapture(), -1));
    }

    @Override
    public int maxHandles(int payloadLength) {
        // a payload sent out of band takes one descriptor for its memfd
        return payloadLength > Sockets.INLINE_MAX ? Limits.MAX_HANDLES - 1 : Limits.MAX_HANDLES;
    }

    @Override
    public ListenerChannel bind(ServiceDescriptor descriptor) throws IOException {
        Warmup.listenerComing();
        return SeqpacketListener.bind(descriptor.name(), descriptor.sharedMemoryChannel());
    }

    /** systemd socket activation: see {@link SocketActivation}. */
    @Override
    public ListenerChannel inheritListener(ServiceDescriptor descriptor) throws IOException {
        SocketActivation activation = SocketActivation.systemd();
        SocketActivation.Passed passed = activation.take(descriptor.name());
        try {
            return SeqpacketListener.adopt(passed.fd(), new Where(descriptor.name(), passed.address()));
        } catch (IOException | RuntimeException e) {
            activation.giveBack(passed);
            throw e;
        }
    }

    @Override
    public EndpointChannel connect(ServiceDescriptor descriptor, long timeoutNanos) throws IOException {
        return SeqpacketEndpoint.connect(descriptor.name(), timeoutNanos, descriptor.sharedMemoryChannel());
    }

    @Override
    public Credentials currentProcess() throws IOException {
        return Identity.currentProcess();
    }

    @Override
    public Optional<String> userId(String name) throws IOException {
        return Identity.userId(name);
    }

    @Override
    public Optional<String> groupId(String name) throws IOException {
        return Identity.groupId(name);
    }

    @Override
    public long duplicateHandle(Handle.Kind kind, long value) throws IOException {
        requireFd(kind);
        return Fds.duplicate((int) value);
    }

    @Override
    public void closeHandle(Handle.Kind kind, long value) {
        if (kind == Handle.Kind.FILE_DESCRIPTOR) {
            Fds.closeQuietly((int) value);
        }
    }

    @Override
    public PollerChannel openPoller() throws IOException {
        return EpollPoller.open();
    }

    @Override
    public ShmObject createShm(String name, long objectSize) throws IOException {
        return PosixShmObject.create(name, objectSize);
    }

    @Override
    public ShmObject openShm(String name) throws IOException {
        return PosixShmObject.open(name);
    }

    @Override
    public ShmObject shmFromHandle(RawHandle handle) throws IOException {
        if (handle.kind() != Handle.Kind.FILE_DESCRIPTOR) {
            closeHandle(handle.kind(), handle.value());
            throw new IllegalArgumentException(handle.kind() + " handles do not exist on Linux");
        }
        return PosixShmObject.adopt((int) handle.value());
    }

    private static void requireFd(Handle.Kind kind) {
        if (kind != Handle.Kind.FILE_DESCRIPTOR) {
            throw new IllegalArgumentException(kind + " handles do not exist on Linux");
        }
    }
}
