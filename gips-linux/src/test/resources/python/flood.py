"""Connects in a loop until killed (Python standard library only): each connection sends one message ("send") or
nothing ("silent") and closes at once. Usage: flood.py SOCKET_PATH send|silent. Prints "FLOODING" once it has made
its first connection, and never stops by itself: the test kills it."""
import socket
import sys

path, mode = sys.argv[1], sys.argv[2]
first = True
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
        if mode == "send":
            s.send(b"flood")
    except OSError:
        pass  # backlog full (EAGAIN), or refused and closed already: try again
    finally:
        s.close()
    if first:
        print("FLOODING", flush=True)
        first = False
