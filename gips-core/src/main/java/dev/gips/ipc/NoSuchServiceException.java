package dev.gips.ipc;

import java.io.IOException;

/**
 * Nobody serves the service name: no listener is bound to it. {@link Endpoint#connect(String)} throws it at once;
 * {@link Endpoint#connect(String, java.time.Duration)} keeps trying until its time is up, for a client started
 * together with its server.
 *
 * {@snippet :
 * try (Endpoint endpoint = Endpoint.connect("com.example.echo")) {
 *     // ...
 * } catch (NoSuchServiceException e) {
 *     log.warn("the echo service is not running: {}", e.getMessage()); // an SLF4J Logger of the application
 * }
 * }
 *
 * <table>
 *   <caption>What "nobody serves it" is on each OS</caption>
 *   <tr><th>OS</th><th>condition</th></tr>
 *   <tr><td>Linux</td><td>no socket file ({@code ENOENT}), or one that nobody listens on: a stale file left by a
 *       server that died, or a file that is not a listening socket ({@code ECONNREFUSED}); for an abstract
 *       {@code @name}, no socket of that name ({@code ECONNREFUSED})</td></tr>
 *   <tr><td>macOS</td><td>the bootstrap name is unknown ({@code BOOTSTRAP_UNKNOWN_SERVICE})</td></tr>
 *   <tr><td>Windows</td><td>no pipe of that name ({@code ERROR_FILE_NOT_FOUND})</td></tr>
 * </table>
 *
 * <p>A service that exists but fails otherwise (refuses access to its socket file, is of another kind, keeps its
 * queue of pending connections full) is a plain {@link IOException}.
 */
public class NoSuchServiceException extends IOException {
    private static final long serialVersionUID = 1L;

    /** With a message that names the service, says that nobody serves it and gives the OS error. */
    public NoSuchServiceException(String message) {
        super(message);
    }

    /** With a message and the exception that showed that nobody serves the name. */
    public NoSuchServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
