package dev.gips.macos;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launchd namespace services live in: the same one Rust gips uses (the bootstrap port, then
 * {@code bootstrap_parent} for as long as it answers with another port), so Java and Rust peers find each other.
 * The task's own bootstrap port would be the sounder choice (gips bug M-13), but not one Rust peers share.
 */
final class Namespace {
    private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);

    private Namespace() {}

    /** Checks a service name: launchd's {@code name_t} holds 127 bytes and a NUL. */
    static byte[] checkName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= Bootstrap.BOOTSTRAP_MAX_NAME_LEN) {
            throw new IllegalArgumentException("service name \"" + name + "\" is " + bytes.length
                    + " bytes of UTF-8; launchd allows at most " + (Bootstrap.BOOTSTRAP_MAX_NAME_LEN - 1));
        }
        for (byte b : bytes) {
            if (b == 0) {
                // core lets a leading NUL through: it is Linux's spelling of an abstract socket name
                throw new IllegalArgumentException("service name \"" + name.replace("\0", "\\0") + "\" contains a"
                        + " NUL character, which launchd names cannot (a leading NUL names an abstract socket, on"
                        + " Linux only)");
            }
        }
        return bytes;
    }

    /**
     * Checks {@code service} in: the receive right of its new service port.
     *
     * @throws IOException naming the bootstrap error, with what it means for the two a server meets
     */
    static int checkIn(String service) throws IOException {
        int[] result = call(service, Bootstrap::bootstrap_check_in);
        int kr = result[0];
        if (kr != Bootstrap.BOOTSTRAP_SUCCESS) {
            String hint = kr == Bootstrap.BOOTSTRAP_SERVICE_ACTIVE ? ": another process serves this name"
                    : kr == Bootstrap.BOOTSTRAP_NOT_PRIVILEGED ? ": not allowed in this bootstrap namespace" : "";
            throw Where.of(service).error("bootstrap_check_in", KernReturn.describe(kr) + hint);
        }
        return result[1];
    }

    /**
     * Looks {@code service} up: a send right to its service port.
     *
     * @throws dev.gips.ipc.NoSuchServiceException if nobody serves the name
     */
    static int lookUp(String service) throws IOException {
        int[] result = call(service, Bootstrap::bootstrap_look_up);
        if (result[0] == Bootstrap.BOOTSTRAP_UNKNOWN_SERVICE) {
            throw Where.of(service).noService("bootstrap_look_up", result[0]);
        }
        if (result[0] != Bootstrap.BOOTSTRAP_SUCCESS) {
            throw Where.of(service).error("bootstrap_look_up", result[0]);
        }
        return result[1];
    }

    /** {@code bootstrap_check_in} or {@code bootstrap_look_up}. */
    private interface Call {
        int run(int bootstrapPort, MemorySegment name, MemorySegment port);
    }

    /** Runs {@code call} for {@code service} in the root namespace: its code and the port it wrote. */
    private static int[] call(String service, Call call) throws IOException {
        byte[] name = checkName(service);
        int root = root();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocate(name.length + 1L); // zeroed: the NUL is there
            MemorySegment.copy(name, 0, cname, JAVA_BYTE, 0, name.length);
            MemorySegment out = arena.allocate(JAVA_INT);
            int kr = call.run(root, cname, out);
            return new int[] {kr, out.get(JAVA_INT, 0)};
        }
    }

    /** The root bootstrap port, found once. */
    static int root() throws IOException {
        Root r = Root.INSTANCE;
        if (r.failure != null) {
            throw Where.PROCESS.error("task_get_special_port(TASK_BOOTSTRAP_PORT)", r.failure);
        }
        return r.port;
    }

    private static final class Root {
        static final Root INSTANCE = new Root();
        final int port;
        final String failure; // what task_get_special_port answered, if it failed

        private Root() {
            int found = MachPort.MACH_PORT_NULL;
            String why = null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(JAVA_INT);
                int kr = Bootstrap.task_get_special_port(Ports.task(), Bootstrap.TASK_BOOTSTRAP_PORT, out);
                if (kr != KernReturn.KERN_SUCCESS || out.get(JAVA_INT, 0) == MachPort.MACH_PORT_NULL) {
                    why = KernReturn.describe(kr);
                } else {
                    found = out.get(JAVA_INT, 0);
                    for (int depth = 0; depth < 16; depth++) {
                        int krp = Bootstrap.bootstrap_parent(found, out);
                        int parent = out.get(JAVA_INT, 0);
                        if (krp != KernReturn.KERN_SUCCESS || parent == found || parent == MachPort.MACH_PORT_NULL) {
                            LOG.debug("bootstrap namespace: port {} at depth {} ({})", found, depth,
                                    KernReturn.describe(krp));
                            break;
                        }
                        found = parent;
                    }
                }
            }
            port = found;
            failure = why;
        }
    }
}
