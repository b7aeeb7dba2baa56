"""Soak client: soak_client.py ADDRESS COUNT SEED. Sends COUNT messages of random size (0 to 4 KiB, one in a hundred
up to 64 KiB) with 0 to 3 descriptors drawn from a pool of memfds and pipes, each to an echo server, and checks that
every reply carries the same bytes and descriptors of the same files (by inode). Prints
"OK <messages> <bytes> <descriptors>" and exits 0, or the first mismatch to stderr and exits 1."""
import array
import os
import random
import socket
import sys

SO_PASSCRED = 16
CMSG_SPACE_FDS = socket.CMSG_SPACE(3 * 4) + socket.CMSG_SPACE(12)


def main():
    path, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    pool = [os.memfd_create("soak-%d" % i) for i in range(3)]
    r, w = os.pipe()
    pool += [r, w]
    inodes = {fd: os.fstat(fd).st_ino for fd in pool}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)  # an empty reply then still carries credentials, EOF nothing
    s.settimeout(60)
    total_bytes = total_fds = 0
    for i in range(count):
        size = rnd.randint(0, 65536) if rnd.random() < 0.01 else rnd.randint(0, 4096)
        payload = rnd.randbytes(size)
        fds = [rnd.choice(pool) for _ in range(rnd.randint(0, 3))]
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        s.sendmsg([payload], anc)
        data, ancdata, flags, _ = s.recvmsg(70000, CMSG_SPACE_FDS)
        got = []
        for level, kind, body in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(body[: len(body) - len(body) % 4])
                got.extend(a)
        try:
            if not ancdata:
                fail("end-of-stream at message %d" % i)
            if data != payload:
                fail("message %d: %d bytes back, %d sent" % (i, len(data), len(payload)))
            if [os.fstat(fd).st_ino for fd in got] != [inodes[fd] for fd in fds]:
                fail("message %d: descriptors of other files came back" % i)
        finally:
            for fd in got:
                os.close(fd)
        total_bytes += size
        total_fds += len(fds)
    print("OK %d %d %d" % (count, total_bytes, total_fds), flush=True)


def fail(why):
    sys.stderr.write("soak_client: " + why + "\n")
    sys.exit(1)


main()
