"""A raw gips peer, Python stdlib only: speaks SOCK_SEQPACKET + SCM_RIGHTS directly, so tests can send what the
Java library never would. Usage: peer.py MODE ADDRESS [ARGS]. ADDRESS is a socket path or @abstract name.
Results go to stdout, one line each, for the test to check."""
import array
import fcntl
import os
import socket
import struct
import sys

SO_PASSCRED = 16
MAGIC = b"\x00gips-mf"
F_ADD_SEALS, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE = 1033, 1, 2, 4, 8


def address(name):
    return "\0" + name[1:] if name.startswith("@") else name


def connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
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


def recv_outcome(s):
    """'MSG <hex payload> <nfds>', 'EOF' (end-of-stream), 'RESET' or 'TIMEOUT'."""
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
        if not name.startswith("@"):
            os.unlink(name)
        say("DONE")
        return
    s = connect(name)
    if mode == "hold":
        # one message, then wait for the reply and hold the connection until killed
        send(s, b"hello from python")
        say(recv_outcome(s))
        sys.stdin.read()
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
