"""Holds many connections and sends nothing (Python standard library only), to run a server out of descriptors.
Usage: hoard.py SOCKET_PATH COUNT. Connects COUNT times (a connection the server closes at once still counts), prints
"HOLDING <count>" and keeps every connection open until it is killed."""
import resource
import signal
import socket
import sys

path, count = sys.argv[1], int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 16:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 16), hard))
held = []
for _ in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    held.append(s)
print("HOLDING %d" % len(held), flush=True)
while True:
    signal.pause()
