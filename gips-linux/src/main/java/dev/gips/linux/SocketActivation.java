package dev.gips.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd socket activation, as {@code sd_listen_fds_with_names(3)} reads it: the service manager passes listening
 * sockets as descriptors 3, 4, … ({@code SD_LISTEN_FDS_START}) and describes them in {@code LISTEN_PID} (the process
 * they are meant for), {@code LISTEN_FDS} (how many) and {@code LISTEN_FDNAMES} (their {@code FileDescriptorName=}s,
 * colon-separated). Everything systemd passed is checked before a socket is taken over.
 *
 * <p>One instance per process reads the real environment ({@link #systemd()}); tests build others. Each passed
 * descriptor is taken at most once, even after its listener closed: its number may by then belong to another file.
 */
final class SocketActivation {
    private static final Logger LOG = LoggerFactory.getLogger(SocketActivation.class);

    /** {@code SD_LISTEN_FDS_START} of {@code <systemd/sd-daemon.h>}. */
    static final int SD_LISTEN_FDS_START = 3;
    private static final String OPERATION = "socket activation";

    private final Map<String, String> environment;
    private final long pid;
    private final int firstFd;
    private final Set<Integer> taken = new HashSet<>();   // guarded by this
    private boolean cloexecSet;                           // guarded by this

    SocketActivation(Map<String, String> environment, long pid, int firstFd) {
        this.environment = environment;
        this.pid = pid;
        this.firstFd = firstFd;
    }

    /** The descriptors systemd passed to this process. */
    static SocketActivation systemd() {
        return Systemd.INSTANCE;
    }

    private static final class Systemd {
        static final SocketActivation INSTANCE =
                new SocketActivation(System.getenv(), ProcessHandle.current().pid(), SD_LISTEN_FDS_START);
    }

    /**
     * A passed socket, taken over.
     *
     * @param fd      its descriptor, close-on-exec and non-blocking
     * @param address where it is bound ({@code /path}, {@code @abstract} or {@code unnamed}), for messages
     */
    record Passed(int fd, String address) {}

    /**
     * Takes the listening socket for {@code service}: the one whose name in {@code LISTEN_FDNAMES} is
     * {@code service}, or the only one passed.
     *
     * @throws IOException naming what systemd passed and what is wrong with it
     */
    synchronized Passed take(String service) throws IOException {
        Where where = new Where(service, null);
        String fdsText = environment.get("LISTEN_FDS");
        if (fdsText == null) {
            throw where.error(OPERATION, "LISTEN_FDS is not set: this process was not started by systemd socket"
                    + " activation (a .socket unit with ListenSequentialPacket= and a matching .service)");
        }
        String pidText = environment.get("LISTEN_PID");
        if (pidText == null) {
            throw where.error(OPERATION, "LISTEN_FDS is set but LISTEN_PID is not: cannot tell whether the sockets"
                    + " are meant for this process");
        }
        long listenPid = parse(where, "LISTEN_PID", pidText);
        if (listenPid != pid) {
            throw where.error(OPERATION, "LISTEN_PID is " + listenPid + " but this process is " + pid + ": the"
                    + " sockets were passed to another process (a parent that started this one kept LISTEN_PID and"
                    + " LISTEN_FDS in its environment)");
        }
        long count = parse(where, "LISTEN_FDS", fdsText);
        if (count < 1 || count > Integer.MAX_VALUE - firstFd) {
            throw where.error(OPERATION, "LISTEN_FDS is " + count + ": systemd passed no socket");
        }
        int n = (int) count;
        setCloexec(where, n);
        int index = choose(where, n, environment.get("LISTEN_FDNAMES"));
        int fd = firstFd + index;
        if (taken.contains(fd)) {
            throw where.error(OPERATION, "descriptor " + fd + " is already taken over by another Listener");
        }
        String address = checkListening(where, fd);
        setNonBlocking(where, fd);
        taken.add(fd);
        LOG.debug("service \"{}\": took over descriptor {} ({}) from systemd", service, fd, address);
        return new Passed(fd, address);
    }

    /** Undoes {@link #take} for a socket whose listener could not be built, so that a retry may take it. */
    synchronized void giveBack(Passed passed) {
        taken.remove(passed.fd());
    }

    private static long parse(Where where, String variable, String text) throws IOException {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw where.error(OPERATION, variable + " is \"" + text + "\", not a number");
        }
    }

    /** The index of the socket for {@code where.service()} among the {@code n} passed. */
    private int choose(Where where, int n, String namesText) throws IOException {
        String service = where.service();
        if (namesText == null) {
            if (n == 1) {
                return 0;
            }
            throw where.error(OPERATION, "systemd passed " + n + " sockets without names (LISTEN_FDNAMES is not"
                    + " set), so which one is \"" + service + "\" is unknown: set FileDescriptorName=" + service
                    + " in its .socket unit");
        }
        List<String> names = Arrays.asList(namesText.split(":", -1));
        if (names.size() != n) {
            throw where.error(OPERATION, "LISTEN_FDNAMES names " + names.size() + " sockets (\"" + namesText
                    + "\") but LISTEN_FDS is " + n);
        }
        int index = names.indexOf(service);
        if (index >= 0) {
            return index;
        }
        if (n == 1) {
            // the default name is the .socket unit's; a unit that passes one socket passes this service's
            return 0;
        }
        throw where.error(OPERATION, "systemd passed " + n + " sockets named " + names + ", none named \""
                + service + "\": set FileDescriptorName=" + service + " in its .socket unit");
    }

    /** Sets close-on-exec on every passed descriptor, once, as {@code sd_listen_fds} does. */
    private void setCloexec(Where where, int n) throws IOException {
        if (cloexecSet) {
            return;
        }
        MemorySegment errno = Native.threadCapture();
        for (int fd = firstFd; fd < firstFd + n; fd++) {
            int flags = Fcntl.fcntl(errno, fd, Fcntl.F_GETFD, 0);
            if (flags < 0 || Fcntl.fcntl(errno, fd, Fcntl.F_SETFD, flags | Fcntl.FD_CLOEXEC) < 0) {
                throw where.error(OPERATION, "descriptor " + fd + " of LISTEN_FDS=" + n + ": fcntl(F_SETFD, FD_CLOEXEC): "
                        + Errno.describe(Native.errno(errno)));
            }
        }
        cloexecSet = true;
    }

    /** Checks that {@code fd} is a listening AF_UNIX SOCK_SEQPACKET socket; returns its address. */
    private static String checkListening(Where where, int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            int domain = option(where, fd, SysSocket.SO_DOMAIN, "SO_DOMAIN", errno, value, len);
            if (domain != SysSocket.AF_UNIX) {
                throw where.error(OPERATION, "descriptor " + fd + " is a socket of address family " + domain
                        + ", not AF_UNIX: use ListenSequentialPacket= with a path or @name in the .socket unit");
            }
            int type = option(where, fd, SysSocket.SO_TYPE, "SO_TYPE", errno, value, len);
            if (type != SysSocket.SOCK_SEQPACKET) {
                throw where.error(OPERATION, "descriptor " + fd + " is a " + typeName(type) + " socket, not"
                        + " SOCK_SEQPACKET: use ListenSequentialPacket= (not ListenStream= or ListenDatagram=) in the"
                        + " .socket unit");
            }
            if (option(where, fd, SysSocket.SO_ACCEPTCONN, "SO_ACCEPTCONN", errno, value, len) == 0) {
                throw where.error(OPERATION, "descriptor " + fd + " is an AF_UNIX SOCK_SEQPACKET socket that is"
                        + " not listening (Accept=yes passes connections, not the listening socket: use Accept=no)");
            }
            return address(fd, arena, errno);
        }
    }

    private static int option(Where where, int fd, int name, String optionName, MemorySegment errno,
            MemorySegment value, MemorySegment len) throws IOException {
        len.set(JAVA_INT, 0, 4);
        if (SysSocket.getsockopt(errno, fd, SysSocket.SOL_SOCKET, name, value, len) < 0) {
            int e = Native.errno(errno);
            if (e == Errno.ENOTSOCK) {
                throw where.error(OPERATION, "descriptor " + fd + " is not a socket");
            }
            throw where.error(OPERATION, "descriptor " + fd + ": getsockopt(" + optionName + "): "
                    + Errno.describe(e));
        }
        return value.get(JAVA_INT, 0);
    }

    private static String typeName(int type) {
        return switch (type) {
            case SysSocket.SOCK_STREAM -> "SOCK_STREAM";
            case SysSocket.SOCK_DGRAM -> "SOCK_DGRAM";
            default -> "type " + type;
        };
    }

    /** {@code /path}, {@code @abstract} or {@code unnamed}, as {@code getsockname} reports the socket. */
    private static String address(int fd, Arena arena, MemorySegment errno) {
        MemorySegment sa = arena.allocate(SysSocket.SOCKADDR_UN);
        MemorySegment len = arena.allocateFrom(JAVA_INT, (int) SysSocket.SOCKADDR_UN.byteSize());
        if (SysSocket.getsockname(errno, fd, sa, len) < 0) {
            return "descriptor " + fd;
        }
        int pathLength = (int) Math.min(len.get(JAVA_INT, 0) - SysSocket.SUN_PATH, SysSocket.SUN_PATH_SIZE);
        if (pathLength <= 0) {
            return "unnamed";
        }
        byte[] bytes = sa.asSlice(SysSocket.SUN_PATH, pathLength).toArray(JAVA_BYTE);
        if (bytes[0] == 0) {
            return "@" + new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8);
        }
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /**
     * Makes {@code fd} non-blocking: the listener accepts only after epoll said so, but a client may leave in
     * between, and a blocking accept would then hang.
     */
    private static void setNonBlocking(Where where, int fd) throws IOException {
        MemorySegment errno = Native.threadCapture();
        int flags = Fcntl.fcntl(errno, fd, Fcntl.F_GETFL, 0);
        if (flags < 0 || Fcntl.fcntl(errno, fd, Fcntl.F_SETFL, flags | Fcntl.O_NONBLOCK) < 0) {
            throw where.error(OPERATION, "descriptor " + fd + ": fcntl(F_SETFL, O_NONBLOCK): "
                    + Errno.describe(Native.errno(errno)));
        }
    }
}
