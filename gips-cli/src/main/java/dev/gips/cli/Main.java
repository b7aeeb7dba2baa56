package dev.gips.cli;

import dev.gips.ipc.Credentials;
import dev.gips.ipc.Endpoint;
import dev.gips.ipc.Handle;
import dev.gips.ipc.Listener;
import dev.gips.ipc.Message;
import dev.gips.ipc.Pod;
import dev.gips.ipc.ServiceDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code gips} command: {@code call}, {@code serve} and {@code probe} a service by name, for poking at services
 * the way {@code busctl}, {@code grpcurl} or {@code socat} do for theirs. Run as {@code java -jar gips-cli.jar};
 * {@code gips help} lists the commands. Exit status: 0 done, 1 the service failed or is not there, 2 a bad command
 * line.
 */
public final class Main {
    private Main() {}

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    static final String HELP = """
            gips: call, serve and probe gips services (https://crates.io/crates/gips and gips for Java)

              gips call NAME [TEXT | --hex HEX | --file PATH] [--handle PATH]... [--timeout 10s] [--wait 0s]
                        [--raw]
                  send one message, wait for the reply (--timeout); print the server's credentials and
                  the reply (--raw: only the reply's bytes on stdout, the rest on stderr); --wait: try to
                  connect until the service answers or the time is up (a server just started)
              gips serve NAME [--print] [--count N] [--allow-uid UID]... [--allow-group GROUP]...
                  bind NAME and print every message with its client's credentials; reply with the
                  same payload and handles (an echo server) unless --print; stop after N messages
              gips probe NAME
                  is someone listening on NAME, who (its credentials), and which gips it speaks

            NAME is a service name as gips resolves it (on Linux: /tmp/NAME, or an absolute path).
            A payload is text (UTF-8), --hex bytes or a --file's contents; empty if none is given.
            --handle PATH sends PATH, opened read-only, as a file descriptor (Linux, macOS).
            Exit status: 0 done, 1 the service failed or is not there, 2 a bad command line.
            """;

    /** Runs the command {@code args} and exits with its status. */
    public static void main(String[] args) {
        int status = run(Arrays.asList(args), System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs the command {@code args}, writing to {@code out} and {@code err}; returns the exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.print(HELP);
            return USAGE;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "call" -> call(Args.parse(rest, Set.of("--raw"),
                        Set.of("--hex", "--file", "--handle", "--timeout", "--wait")), out, err);
                case "serve" -> serve(Args.parse(rest, Set.of("--print"),
                        Set.of("--count", "--allow-uid", "--allow-group")), out, err);
                case "probe" -> probe(Args.parse(rest, Set.of(), Set.of()), out);
                case "help", "--help", "-h" -> {
                    out.print(HELP);
                    yield OK;
                }
                case "--version" -> {
                    out.println("gips " + Optional.ofNullable(Main.class.getPackage().getImplementationVersion())
                            .orElse("(development build)"));
                    yield OK;
                }
                default -> throw new UsageException("unknown command " + command);
            };
        } catch (UsageException e) {
            err.println("gips " + command + ": " + e.getMessage() + " (gips help shows the commands)");
            return USAGE;
        } catch (IOException e) {
            err.println("gips " + command + ": " + e.getMessage());
            return FAILED;
        }
    }

    /** {@code gips call}: one message, one reply. */
    private static int call(Args args, PrintStream out, PrintStream err) throws UsageException, IOException {
        String name = args.required(0, "NAME");
        args.atMost(2);
        byte[] payload = Payloads.from(args, 1);
        Duration timeout = args.duration("--timeout", CALL_TIMEOUT);
        Duration wait = args.duration("--wait", Duration.ZERO);
        boolean raw = args.has("--raw");
        List<Handle> handles = new ArrayList<>();
        try (Endpoint endpoint = connect(name, wait)) {
            for (String file : args.all("--handle")) {
                handles.add(Descriptors.open(Path.of(file)));
            }
            try {
                endpoint.send(payload, handles.toArray(Handle[]::new));
            } catch (IOException e) {
                if (e instanceof EOFException || hasHungUp(endpoint)) {
                    return closedWithoutReply(err, name);
                }
                throw e;
            }
            Optional<Message> reply;
            try {
                reply = endpoint.recv(timeout);
            } catch (EOFException e) {
                return closedWithoutReply(err, name);
            }
            if (reply.isEmpty()) {
                err.println("gips call: no reply from " + name + " within " + seconds(timeout));
                return FAILED;
            }
            PrintStream info = raw ? err : out;
            info.println("server: " + describe(endpoint.peerCredentials()));
            try (Message m = reply.get()) {
                if (raw) {
                    out.write(m.payload());
                } else {
                    out.println("reply: " + Payloads.describe(m.payload()));
                }
                printHandles(info, m);
            }
            return OK;
        } finally {
            handles.forEach(Handle::close);
        }
    }

    /**
     * Connects, trying again until the service answers or {@code wait} is up: {@code gips serve NAME &} followed at
     * once by {@code gips call --wait 5s NAME …} must not fail because the server has not bound its name yet.
     */
    private static Endpoint connect(String name, Duration wait) throws IOException {
        return Endpoint.connect(name, wait);
    }

    /** Whether the server has closed the connection: a send that failed may have met a refusal. */
    private static boolean hasHungUp(Endpoint endpoint) {
        try {
            endpoint.tryRecv().ifPresent(Message::close);
            return false;
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            return false;   // the caller reports the send's own error
        }
    }

    private static int closedWithoutReply(PrintStream err, String name) throws IOException {
        err.println("gips call: " + name + " closed the connection without a reply (its policy may refuse this"
                + " user: uid " + Credentials.currentProcess().uid() + ")");
        return FAILED;
    }

    /** {@code gips serve}: an echo (or print) server until killed or {@code --count} messages. */
    private static int serve(Args args, PrintStream out, PrintStream err) throws UsageException, IOException {
        String name = args.required(0, "NAME");
        args.atMost(1);
        boolean echo = !args.has("--print");
        int count = args.count("--count", Integer.MAX_VALUE);
        ServiceDescriptor descriptor = new ServiceDescriptor(name);
        if (args.has("--allow-uid")) {
            descriptor = descriptor.withAllowedUid(args.all("--allow-uid").toArray(String[]::new));
        }
        if (args.has("--allow-group")) {
            descriptor = descriptor.withAllowedGroup(args.all("--allow-group").toArray(String[]::new));
        }
        Listener listener = Listener.bind(descriptor);
        // Ctrl-C: close the listener, which removes its socket file
        Thread closer = new Thread(listener::close, "gips-serve-close");
        Runtime.getRuntime().addShutdownHook(closer);
        try (listener) {
            out.println("serving " + name + " (" + (echo ? "echo" : "print") + ", pid "
                    + ProcessHandle.current().pid() + ")" + (count == Integer.MAX_VALUE ? "; Ctrl-C stops" : ""));
            out.flush();
            for (int served = 0; served < count; served++) {
                Pod pod = listener.accept();
                try (Message m = pod.message()) {
                    out.println("message from " + describe(pod.credentials()) + ": " + Payloads.describe(m.payload()));
                    printHandles(out, m);
                    out.flush();
                    if (echo) {
                        pod.reply(m.payload(), m.handles().toArray(Handle[]::new));
                    }
                } catch (IOException e) {
                    // one client's trouble (it hung up before the echo) does not stop a test server
                    err.println("gips serve: " + e.getMessage());
                }
            }
        } catch (ClosedChannelException e) {
            return OK;   // Ctrl-C closed the listener while accept waited
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(closer);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs or has run
            }
        }
        return OK;
    }

    /** {@code gips probe}: who listens on a name. */
    private static int probe(Args args, PrintStream out) throws UsageException {
        String name = args.required(0, "NAME");
        args.atMost(1);
        Endpoint endpoint;
        try {
            endpoint = Endpoint.connect(name);
        } catch (IOException e) {
            out.println("listening: no (" + e.getMessage() + ")");
            return FAILED;
        }
        try (endpoint) {
            out.println("listening: yes");
            try {
                out.println("server: " + describe(endpoint.peerCredentials()));
            } catch (IOException e) {
                out.println("server: unknown (" + e.getMessage() + ")");
            }
            out.println("speaks: " + speaks(name));
        }
        return OK;
    }

    /**
     * Which gips the server speaks: {@code gips for Java} or {@code plain gips} (the Rust crate, or any peer of its
     * wire format). On Linux a gips-for-Java listener marks its socket file with the sticky bit (mode 1666), which is
     * what a gips-for-Java endpoint checks when it connects (README, Linux details); elsewhere the two speak the
     * same format.
     */
    private static String speaks(String name) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return "gips (on this OS gips for Java speaks exactly gips 0.2.0's format)";
        }
        if (name.startsWith("\0")) {
            return "unknown (an abstract name has no socket file to carry gips for Java's mark; a gips-for-Java"
                    + " service greets gips-for-Java clients when it accepts them)";
        }
        Path file = name.startsWith("/") ? Path.of(name) : Path.of("/tmp", name);
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return (mode & 01000) != 0 ? "gips for Java (" + file + " is mode 1666, gips for Java's mark)"
                    : "plain gips (" + file + " has no gips for Java mark: mode " + Integer.toOctalString(mode & 07777)
                            + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown (" + e + ")";
        }
    }

    static String describe(Credentials c) {
        return "pid=" + c.pid() + " uid=" + c.uid() + " groups=" + String.join(",", c.gidList()) + " privileged="
                + c.isPrivileged();
    }

    private static void printHandles(PrintStream out, Message m) {
        List<Handle> handles = m.handles();
        for (int i = 0; i < handles.size(); i++) {
            out.println("  handle " + (i + 1) + ": " + Descriptors.describe(handles.get(i)));
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
