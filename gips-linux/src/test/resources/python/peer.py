"""A raw gips peer, Python stdlib only: speaks SOCK_SEQPACKET + SCM_RIGHTS directly, so tests can send what the
Java library never would. Usage: peer.py MODE ADDRESS [ARGS]. ADDRESS is a socket path, or abstract:NAME for the
abstract socket NAME (a command line cannot hold the NUL that starts one).
Results go to stdout, one line each, for the test to check."""
import array
import errno
import fcntl
import os
import socket
import struct
import sys

SO_PASSCRED = 16
MAGIC = b"\x00gips-mf"
F_ADD_SEALS, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE = 1033, 1, 2, 4, 8


def address(name):
    return "\0" + name[len("abstract:"):] if name.startswith("abstract:") else name


def connect(name, as_java=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if as_java:
        # the address prefix of gips-java endpoints: a gips-java listener then takes this peer for one of them,
        # sends it the hello first, and restores its out-of-band markers
        s.bind(b"\0gips-java:" + os.urandom(8).hex().encode())
    s.connect(address(name))
    # with SO_PASSCRED every real datagram carries SCM_CREDENTIALS; end-of-stream carries nothing
    s.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
    s.settimeout(20)
    return s


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def send(s, payload, fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([payload], anc)


expect_hello = False


def recv_outcome(s):
    """'MSG <hex payload> <nfds>', 'EOF' (end-of-stream), 'RESET' or 'TIMEOUT'."""
    global expect_hello
    if expect_hello:
        # a gips-java listener's first datagram to a gips-java endpoint (see Wire)
        expect_hello = False
        outcome = recv_outcome(s)
        if outcome != "MSG " + (b"\0gips-hi" + bytes([3]) + bytes(7)).hex() + " 0":
            return outcome
    while True:
        outcome = recv_one(s)
        # a gips-java listener offers a shared-memory channel (see ShmChannel): this peer leaves it unanswered and
        # keeps using the socket, which the listener then keeps doing too
        if not outcome.startswith("MSG " + b"\0gips-r".hex()) or len(outcome.split()[1]) != 32:
            return outcome


def recv_one(s):
    try:
        data, anc, flags, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(12))
    except ConnectionResetError:
        return "RESET"
    except socket.timeout:
        return "TIMEOUT"
    fds = []
    creds = False
    for level, kind, body in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(body[: len(body) - len(body) % 4])
            fds.extend(a)
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            creds = True
    for fd in fds:
        os.close(fd)
    if not data and not creds and not fds:
        return "EOF"
    return "MSG %s %d" % (data.hex(), len(fds))


def devnulls(n):
    return [os.open("/dev/null", os.O_RDONLY) for _ in range(n)]


def main():
    mode, name = sys.argv[1], sys.argv[2]
    if mode == "bind-and-exit":
        # leaves the socket file of a dead server behind
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.bind(address(name))
        s.listen(1)
        say("BOUND")
        os._exit(0)
    if mode == "empty-then-close":
        # ARGS: bound|unbound. An empty message and at once a hang-up, from a client with an autobind name or
        # without a name, and without SO_PASSCRED either way
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if sys.argv[3] == "bound":
            s.bind("")
        s.connect(address(name))
        send(s, b"")
        s.close()
        say("SENT")
        return
    if mode == "idle":
        # connects without an address and without SO_PASSCRED (which would autobind one at the first send), sends
        # nothing, and holds the connection until killed
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(address(name))
        say("CONNECTED")
        sys.stdin.read()
        return
    if mode == "serve-empty-then-close":
        # a server that answers its one client's first message with an empty message, another empty one carrying
        # a descriptor, and at once a hang-up; says the client's address, "" if it has none
        server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server.bind(address(name))
        server.listen(1)
        say("LISTENING")
        s, peer = server.accept()
        say("PEER " + (peer.hex() if isinstance(peer, bytes) else peer.encode().hex()))
        say(recv_outcome(s))
        send(s, b"")
        send(s, b"", devnulls(1))
        s.close()
        server.close()
        if not name.startswith("abstract:"):
            os.unlink(name)
        say("DONE")
        return
    if mode == "serve-record":
        # ARGS: count. A plain server for one client: says the outcome of count receives, then DONE
        server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server.bind(address(name))
        server.listen(1)
        say("LISTENING")
        s, _ = server.accept()
        s.settimeout(20)
        for _ in range(int(sys.argv[3])):
            say(recv_outcome(s))
        s.close()
        server.close()
        if not name.startswith("abstract:"):
            os.unlink(name)
        say("DONE")
        return
    if mode == "gips020-leading-nul":
        # what gips 0.2.0 does with the service name "\0" + ADDRESS: Path::new("/tmp").join(name), then socket2 copies
        # the bytes "/tmp/\0ADDRESS" into sun_path as a path (the first byte is not a NUL), and the kernel reads a path
        # only up to its first NUL. Says the errno name of a connect and of a bind to those bytes
        raw = b"/tmp/\0" + name.encode()
        for op in ("CONNECT", "BIND"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                (s.connect if op == "CONNECT" else s.bind)(raw)
                say(op + " OK")
            except OSError as e:
                say(op + " " + errno.errorcode[e.errno])
            s.close()
        return
    if mode == "peer-address":
        # connects without an address and without SO_PASSCRED, as a gips 0.2.0 client does; says the server's
        # address as getpeername reports it, sends "hello", and says the reply and the address it came from
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(address(name))
        s.settimeout(20)
        say("PEERNAME " + repr(s.getpeername()))
        send(s, b"hello")
        data, _, _, sender = s.recvmsg(1 << 16)
        say("REPLY %s FROM %r" % (data.hex(), sender))
        return
    global expect_hello
    expect_hello = mode in ("fake-marker", "memfd-marker", "lookalike-then-next")
    s = connect(name, expect_hello)
    if mode == "handoff":
        # ARGS: uid, gid. Hands the connected socket to a child process (fork), which drops to uid/gid if it can
        # (as root) and sends "<its pid> <its uid>": the server still sees the process that connected
        uid, gid = int(sys.argv[3]), int(sys.argv[4])
        child = os.fork()
        if child == 0:
            if os.getuid() == 0:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            send(s, ("%d %d" % (os.getpid(), os.getuid())).encode())
            os._exit(0)
        os.waitpid(child, 0)
        say("SENT")
        say(recv_outcome(s))
    elif mode == "send-fds":
        # ARGS: count. A plain message carrying count descriptors (the kernel allows at most 253)
        n = int(sys.argv[3])
        send(s, b"fds", devnulls(n))
        say("SENT")
        say(recv_outcome(s))
    elif mode == "fake-marker":
        # ARGS: count, length. A large-payload marker whose last descriptor is /dev/null, not a sealed memfd
        n, length = int(sys.argv[3]), int(sys.argv[4])
        send(s, MAGIC + struct.pack("<Q", length), devnulls(n))
        say("SENT")
        say(recv_outcome(s))
    elif mode == "memfd-marker":
        # ARGS: hex content, claimed length, extra. A marker whose memfd holds the content, sealed as gips-java
        # seals it, plus extra /dev/null descriptors before it
        content, claimed, extra = bytes.fromhex(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        fd = os.memfd_create("peer-payload", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.write(fd, content)
        fcntl.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
        send(s, MAGIC + struct.pack("<Q", claimed), devnulls(extra) + [fd])
        say("SENT")
        say(recv_outcome(s))
    elif mode == "lookalike-then-next":
        # ARGS: claimed length, kind. A plain message that happens to look like a gips-java marker (the magic and a
        # length) with one descriptor that does not back it: kind "devnull" (not a memfd), "unsealed" (a memfd
        # holding the length, without seals), "short" (a sealed memfd holding one byte less than claimed), "empty"
        # (a sealed empty memfd). Then a second message, "next". Says what came back for each.
        claimed, kind = int(sys.argv[3]), sys.argv[4]
        if kind == "devnull":
            fd = os.open("/dev/null", os.O_RDONLY)
        else:
            fd = os.memfd_create("look-alike", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
            size = {"unsealed": claimed, "short": claimed - 1, "empty": 0}[kind]
            if size > 0:
                os.ftruncate(fd, size)
            if kind != "unsealed":
                fcntl.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
        send(s, MAGIC + struct.pack("<Q", claimed), [fd])
        send(s, b"next")
        say("SENT")
        say(recv_outcome(s))
        say(recv_outcome(s))
    elif mode == "send-hex":
        # ARGS: hex payload, count. Any payload, with count descriptors of /dev/null
        send(s, bytes.fromhex(sys.argv[3]), devnulls(int(sys.argv[4])))
        say("SENT")
        say(recv_outcome(s))
    elif mode == "whoami":
        say("%d %d %s" % (os.getpid(), os.geteuid(), ",".join(str(g) for g in [os.getegid()] + os.getgroups())))
        send(s, b"whoami")
        say(recv_outcome(s))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
