"""A gips 0.2.0 client written with the Python standard library only.

Usage: interop_client.py SOCKET_PATH WORKDIR

Talks to a gips-java Listener over a plain AF_UNIX SOCK_SEQPACKET socket: every message is one datagram holding the
raw payload, every handle an SCM_RIGHTS descriptor. The Java side replies to each message with the payload reversed
(see PythonInteropTest). Prints one line per step; exits non-zero on any mismatch.
"""
import array
import hashlib
import os
import socket
import struct
import sys

BUF = 1 << 20  # far larger than any datagram here, so a truncation would show as MSG_TRUNC
CONTROL = socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(struct.calcsize("3i"))
# recv_fds sizes its control buffer as CMSG_LEN(4 * maxfds); with SO_PASSCRED set it must also hold the
# SCM_CREDENTIALS message (which recv_fds skips), or the kernel truncates and sets MSG_CTRUNC
RECV_FDS_MAX = 16


def fail(why):
    print("FAIL " + why, flush=True)
    sys.exit(1)


def recv_one(sock):
    """One datagram: (payload, fds, sender pid or None). EOF raises EOFError (no data, no credentials)."""
    data, anc, flags, _ = sock.recvmsg(BUF, CONTROL)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        fail("truncated datagram, flags=%#x" % flags)
    fds, pid = [], None
    for level, kind, body in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(body[: len(body) - len(body) % a.itemsize])
            fds.extend(a)
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", body[:12])[0]
    if not data and not fds and pid is None:
        raise EOFError
    return data, fds, pid


def expect_reply(sock, sent, label):
    data, fds, pid = recv_one(sock)
    if fds:
        fail("%s: unexpected fds %r" % (label, fds))
    if data != sent[::-1]:
        fail("%s: reply of %d bytes is not the payload reversed" % (label, len(data)))
    print("reply %s len=%d sha256=%s from-pid=%s" % (label, len(data), hashlib.sha256(data).hexdigest(), pid),
          flush=True)


def main():
    path, workdir = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # lets this peer tell an empty datagram (it carries SCM_CREDENTIALS) from end-of-stream (nothing)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.settimeout(20)
    sock.connect(path)

    big = bytes((i * 31 + 7) % 251 for i in range(100_000))
    payloads = [("text", b"hello from python"), ("empty", b""), ("binary", bytes(range(256)) * 4), ("big", big)]
    for label, p in payloads:
        n = sock.send(p)  # a plain send: the datagram is the payload, nothing else
        if n != len(p):
            fail("short send %d of %d" % (n, len(p)))
        expect_reply(sock, p, label)

    # two datagrams back to back: the Java side must see two messages
    sock.send(b"first")
    sock.send(b"second")
    expect_reply(sock, b"first", "first")
    expect_reply(sock, b"second", "second")

    # a file this process wrote, sent as a descriptor for the Java side to read
    content = b"written by python pid %d\n" % os.getpid()
    mine = os.path.join(workdir, "from-python.txt")
    with open(mine, "wb") as f:
        f.write(content)
    fd = os.open(mine, os.O_RDONLY)
    socket.send_fds(sock, [b"file-for-java"], [fd])
    os.close(fd)  # the receiver has its own copy now
    msg, fds, flags, _ = socket.recv_fds(sock, BUF, RECV_FDS_MAX)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        fail("truncated reply to file-for-java")
    if msg != b"java read: " + content:
        fail("reply to file-for-java: %r" % msg)
    if len(fds) != 1:
        fail("reply to file-for-java carried %d fds, expected 1" % len(fds))
    # the Java side sent a descriptor of a file it opened for writing: use it
    line = b"python wrote this through fd\n"
    if os.write(fds[0], line) != len(line):
        fail("short write to the java fd")
    os.close(fds[0])
    print("wrote-to-java-fd", flush=True)

    # an empty message carrying a descriptor (gips 0.2.0 would mistake it for EOF; the Java side must not)
    r, w = os.pipe()
    socket.send_fds(sock, [b""], [r])
    os.close(r)
    msg, fds, flags, _ = socket.recv_fds(sock, BUF, RECV_FDS_MAX)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        fail("truncated reply to the empty message with an fd")
    if msg != b"empty-with-fd ok" or fds:
        fail("reply to the empty message with an fd: %r %r" % (msg, fds))
    os.close(w)
    print("empty-with-fd ok", flush=True)

    sock.send(b"done")
    expect_reply(sock, b"done", "done")
    try:
        recv_one(sock)
        fail("expected end-of-stream after done")
    except EOFError:
        print("eof", flush=True)
    sock.close()


if __name__ == "__main__":
    main()
