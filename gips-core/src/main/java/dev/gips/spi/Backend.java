package dev.gips.spi;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Handle;
import dev.gips.ipc.ServiceDescriptor;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * An OS backend, found with {@link java.util.ServiceLoader}. Implementations must load on every OS: probing
 * happens in {@link #isSupported()}, which is cheap and never throws.
 */
public interface Backend {
    /** A short name for messages, such as {@code "linux"}. */
    String name();

    /** Whether this backend works in the running JVM (OS, architecture, native access). Never throws. */
    boolean isSupported();

    /** Why {@link #isSupported()} is false, or {@code null} when it is true. */
    Throwable unsupportedCause();

    /** The handle kinds this backend can send and receive. */
    Set<Handle.Kind> handleKinds();

    /** Most handles a message with a payload of {@code payloadLength} bytes may carry. */
    int maxHandles(int payloadLength);

    /** Binds a service. Name syntax errors are {@link IllegalArgumentException}s. */
    ListenerChannel bind(ServiceDescriptor descriptor) throws IOException;

    /**
     * Takes over a listening socket that the service manager passed to this process (systemd socket activation on
     * Linux): the one named {@code descriptor.name()}, or the only one passed. The backend checks everything the
     * service manager passed (that it was meant for this process, that the object is a listening socket of the
     * kind the backend serves), never removes a socket file it did not create, and throws an
     * {@link IOException} naming what is wrong.
     *
     * @throws UnsupportedOperationException on backends without socket activation
     */
    default ListenerChannel inheritListener(ServiceDescriptor descriptor) throws IOException {
        throw new UnsupportedOperationException("socket activation is not available on " + name()
                + ": it is systemd's (Linux); bind the service with Listener.bind instead");
    }

    /**
     * Connects to a service, once: core retries while nobody serves the name.
     *
     * @param timeoutNanos how long to wait while the service exists but cannot take the connection yet (on Linux its
     *                     queue of pending connections is full): {@code < 0} as long as it takes, {@code 0} not at
     *                     all, otherwise at most that long. A thread that waits parks (a virtual thread never holds
     *                     its carrier) and ends the wait with {@link java.io.InterruptedIOException}, its interrupt
     *                     status kept, when interrupted.
     * @throws dev.gips.ipc.NoSuchServiceException at once if nobody serves the name (see
     *         {@link IoErrors#noService})
     * @throws IOException if the service could not take the connection within the time, or the OS refused
     */
    EndpointChannel connect(ServiceDescriptor descriptor, long timeoutNanos) throws IOException;

    /** The credentials of this process, as a peer would see them. */
    Credentials currentProcess() throws IOException;

    /**
     * Whether {@code Credentials.uid} and {@code gidList} are decimal numbers (Unix uids and gids), so that a policy
     * compares an entry of digits as a number; {@code false} where they are something else (Windows SIDs), where an
     * entry of digits is an account name.
     */
    default boolean numericIds() {
        return true;
    }

    /** The id ({@code Credentials.uid} form) of the user called {@code name}, if there is one. */
    Optional<String> userId(String name) throws IOException;

    /** The id ({@code Credentials.gidList} form) of the group called {@code name}, if there is one. */
    Optional<String> groupId(String name) throws IOException;

    /** Duplicates an OS object; the result is owned by the caller. */
    long duplicateHandle(Handle.Kind kind, long value) throws IOException;

    /** Closes an OS object. Never throws: a handle being closed cannot be used for anything else. */
    void closeHandle(Handle.Kind kind, long value);

    /** A new readiness poller with its waker. */
    PollerChannel openPoller() throws IOException;

    /**
     * Creates a shared memory object of {@code objectSize} bytes, zero-filled. A named object is created
     * exclusively, readable and writable by its owner only; an anonymous one must leave no name behind, even if the
     * process dies.
     *
     * @param name       {@code null} for an anonymous object, else a normalised name ({@code "/data"}) that core
     *                   has checked
     * @param objectSize the size in bytes, header included
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws IOException if the OS refuses
     */
    ShmObject createShm(String name, long objectSize) throws IOException;

    /**
     * Opens an existing named shared memory object for reading and writing.
     *
     * @param name a normalised name ({@code "/data"}) that core has checked
     * @throws java.nio.file.NoSuchFileException if there is no object of that name
     * @throws IOException if the OS refuses
     */
    ShmObject openShm(String name) throws IOException;

    /**
     * The shared memory object a received handle holds. Takes ownership of {@code handle} whatever happens: on
     * failure the OS object is closed.
     *
     * @throws IOException if the handle holds no shared memory object
     */
    ShmObject shmFromHandle(RawHandle handle) throws IOException;
}
