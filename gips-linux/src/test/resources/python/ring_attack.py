"""A hostile gips-java endpoint for the shared-memory channel (see ShmChannel): takes the channel a listener offers,
then breaks its rules one way. Prints EOF if the listener dropped it within the wait, ALIVE if not.

usage: ring_attack.py MODE NAME
MODE garbage: a ring record that claims 2 GiB; unannounced: a datagram the ring did not announce; silent: announces
a datagram on the socket and never sends it; bells: 5000 bells, then a valid message "ping" through the ring.
"""
import array
import mmap
import os
import socket
import struct
import sys

RING = 64 * 1024
CONTROL = 128
REGION = 2 * (CONTROL + RING)
MESSAGE, ON_SOCKET = 1, 3


def control(kind):
    return b"\0gips-r" + kind + bytes(8)


def recv(s):
    data, anc, _, _ = s.recvmsg(1 << 16, socket.CMSG_SPACE(4 * 4))
    fds = []
    for level, kind, body in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(body[: len(body) - len(body) % 4])
            fds.extend(a)
    return data, fds


def publish(region, tail, length, kind, payload=b""):
    """Writes a record at the c2s ring's tail and moves the tail past it."""
    index = CONTROL + (tail % RING)
    region[index:index + 8] = struct.pack("<II", length, kind)
    region[index + 8:index + 8 + len(payload)] = payload
    tail += 8 + ((len(payload) + 7) & ~7)
    region[0:8] = struct.pack("<Q", tail)
    return tail


def main():
    mode, name = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(b"\0gips-java:" + os.urandom(8).hex().encode())
    s.connect(name)
    s.settimeout(10)
    hello, _ = recv(s)
    assert hello.startswith(b"\0gips-hi"), hello
    s.send(b"first")  # admission happens when the listener reads this client: then it offers the channel
    offer, fds = recv(s)
    assert offer.startswith(b"\0gips-ro") and len(fds) == 1, (offer, fds)
    region = mmap.mmap(fds[0], REGION)
    os.close(fds[0])
    s.send(control(b"a"))
    tail = 0
    if mode == "garbage":
        tail = publish(region, tail, 0x7FFFFFFF, MESSAGE)
        s.send(control(b"b"))
    elif mode == "unannounced":
        s.send(b"a datagram the ring did not announce")
    elif mode == "silent":
        tail = publish(region, tail, 0, ON_SOCKET)
        s.send(control(b"b"))
    elif mode == "bells":
        for _ in range(5000):
            s.send(control(b"b"))
        tail = publish(region, tail, 4, MESSAGE, b"ping")
        s.send(control(b"b"))
    s.settimeout(3)
    try:
        while True:
            data, fds = recv(s)
            for fd in fds:
                os.close(fd)
            if not data and not fds:
                print("EOF")
                return
    except socket.timeout:
        print("ALIVE")
    except ConnectionResetError:
        print("EOF")


main()
