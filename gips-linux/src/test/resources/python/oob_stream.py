"""Streams gips-java out-of-band messages as a hostile peer would (Python standard library only): one sealed memfd
of SIZE bytes, passed again and again behind a marker on each of STREAMS connections (a thread each), for as long as
the server takes them. Usage: oob_stream.py SOCKET_PATH STREAMS SIZE. Prints "STREAMING" once every connection is up;
runs until killed."""
import fcntl
import os
import socket
import struct
import sys
import threading

F_ADD_SEALS, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE = 1033, 1, 2, 4, 8
path, streams, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.memfd_create("oob-stream", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
os.write(fd, bytes(range(256)) * (size // 256) + bytes(size % 256))
fcntl.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
marker = b"\x00gips-mf" + struct.pack("<Q", size)
connections = []
for _ in range(streams):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # the address prefix of gips-java endpoints: only their markers are taken for out-of-band payloads
    s.bind(b"\0gips-java:" + os.urandom(8).hex().encode())
    s.connect(path)
    connections.append(s)


def stream(s):
    try:
        while True:
            s.sendmsg([marker], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
    except OSError:
        pass  # the server closed the connection


for s in connections:
    threading.Thread(target=stream, args=(s,), daemon=True).start()
print("STREAMING", flush=True)
threading.Event().wait()
