"""A gips 0.2.0 service written with the Python standard library only.

Usage: interop_server.py SOCKET_PATH

Binds SOCKET_PATH (AF_UNIX SOCK_SEQPACKET), prints "ready pid=N", serves one client, then exits 0. Every message is
one datagram holding the raw payload, with its handles as SCM_RIGHTS descriptors. For each message it prints
"msg len=N fds=K sha256=HEX", then acts on the payload:

  write:TEXT   writes TEXT to every received descriptor, closes them, replies "wrote K"
  give:TEXT    replies "here" with the descriptor of a file it wrote TEXT to
  bye          replies "bye" and hangs up
  anything else (including an empty payload) is echoed whole, with the received descriptors sent back

Exits non-zero on any protocol surprise (a truncated datagram, for example).
"""
import array
import hashlib
import os
import socket
import struct
import sys
import tempfile

BUF = 1 << 20
CONTROL = socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(struct.calcsize("3i"))


def fail(why):
    print("FAIL " + why, flush=True)
    sys.exit(1)


def recv_one(sock):
    """One datagram: (payload, fds, sender pid). End-of-stream raises EOFError (no data and no credentials)."""
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


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)
    print("ready pid=%d" % os.getpid(), flush=True)
    conn, _ = srv.accept()
    srv.close()
    os.unlink(path)
    conn.settimeout(20)
    # SO_PASSCRED: every datagram, even an empty one, arrives with SCM_CREDENTIALS; end-of-stream with nothing
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    peer_pid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    print("client pid=%d" % peer_pid, flush=True)
    while True:
        try:
            data, fds, pid = recv_one(conn)
        except EOFError:
            print("eof", flush=True)
            return
        print("msg len=%d fds=%d sha256=%s" % (len(data), len(fds), hashlib.sha256(data).hexdigest()), flush=True)
        if pid != peer_pid:
            fail("SCM_CREDENTIALS pid %r is not the peer's %d" % (pid, peer_pid))
        if data.startswith(b"write:"):
            for fd in fds:
                text = data[len(b"write:"):]
                if os.write(fd, text) != len(text):
                    fail("short write")
                os.close(fd)
            conn.send(b"wrote %d" % len(fds))
        elif data.startswith(b"give:"):
            with tempfile.TemporaryFile() as f:
                f.write(data[len(b"give:"):])
                f.flush()
                socket.send_fds(conn, [b"here"], [f.fileno()])
        elif data == b"bye":
            for fd in fds:
                os.close(fd)
            conn.send(b"bye")
            conn.close()
            print("closed", flush=True)
            return
        else:
            socket.send_fds(conn, [data], fds) if fds else conn.send(data)
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    main()
