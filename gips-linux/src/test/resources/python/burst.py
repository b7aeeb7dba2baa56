"""A plain client (no address, like C or Python clients of a gips service) that streams: sends COUNT datagrams as fast
as the socket takes them, then prints "SENT". Datagram i is the 4-byte little-endian i repeated 1 + i % 3 times,
except that every 7th (i % 7 == 3) is empty; every FD_EVERY-th (i % FD_EVERY == 0) carries a memfd holding the 4 bytes
of i. MODE close: closes the connection once sent; wait: keeps it open until stdin ends.
Usage: burst.py SOCKET_PATH COUNT FD_EVERY MODE."""
import os
import socket
import struct
import sys

path, count, fd_every, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
for i in range(count):
    data = b"" if i % 7 == 3 else struct.pack("<I", i) * (1 + i % 3)
    if i % fd_every == 0:
        fd = os.memfd_create("burst", os.MFD_CLOEXEC)
        os.write(fd, struct.pack("<I", i))
        s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
        os.close(fd)
    else:
        s.sendmsg([data])
print("SENT", flush=True)
if mode == "wait":
    sys.stdin.read()
s.close()
