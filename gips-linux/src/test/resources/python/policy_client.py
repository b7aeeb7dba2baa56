"""A gips 0.2.0 client (Python standard library only) that reports what a service did with it.

Usage: policy_client.py SOCKET_PATH MODE TAG

MODE send-first: send "hello TAG", then receive; recv-first: receive first, then send "hello TAG".
Prints, one per line:
  ids uid=U gid=G groups=G1,G2      who this process is
  connect ok | connect error ENAME
  send ok | send error ENAME
  recv data TEXT | recv eof | recv error ENAME | recv timeout
Exits 0 whatever the service did (the test asserts on the output), non-zero only on an unexpected exception.
"""
import errno
import os
import socket
import struct
import sys

CONTROL = socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(struct.calcsize("3i"))


def ename(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def do_send(sock, tag):
    try:
        sock.send(b"hello " + tag.encode())
        print("send ok", flush=True)
    except OSError as e:
        print("send error " + ename(e), flush=True)


def do_recv(sock):
    try:
        data, anc, flags, _ = sock.recvmsg(1 << 16, CONTROL)
    except socket.timeout:
        print("recv timeout", flush=True)
        return
    except OSError as e:
        print("recv error " + ename(e), flush=True)
        return
    if not data and not anc:
        print("recv eof", flush=True)  # SO_PASSCRED is set: a real (even empty) datagram carries credentials
    else:
        print("recv data " + data.decode("utf-8", "replace"), flush=True)


def main():
    path, mode, tag = sys.argv[1], sys.argv[2], sys.argv[3]
    print("ids uid=%d gid=%d groups=%s" % (os.getuid(), os.getgid(), ",".join(map(str, os.getgroups()))),
          flush=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.settimeout(15)
    try:
        sock.connect(path)
        print("connect ok", flush=True)
    except OSError as e:
        print("connect error " + ename(e), flush=True)
        return
    if mode == "send-first":
        do_send(sock, tag)
        do_recv(sock)
    elif mode == "recv-first":
        do_recv(sock)
        do_send(sock, tag)
    else:
        print("unknown mode " + mode, flush=True)
        sys.exit(2)
    sock.close()


if __name__ == "__main__":
    main()
