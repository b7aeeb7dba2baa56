# A raw peer that forces a large send buffer (root: SO_SNDBUFFORCE), finds the largest datagram this kernel lets it
# send (about 4 MiB: unix datagrams need a kmalloc'd linear part), sends one of that size and prints
# "SIZE <n>" and then what came back: "REPLY <text>" or "EOF".
import socket, sys
SO_SNDBUFFORCE = 32
path = sys.argv[1]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
a.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
lo, hi = 1, 32 << 20
while lo < hi:
    mid = (lo + hi + 1) // 2
    try:
        a.send(b"x" * mid)
        b.recv(mid + 1)
        lo = mid
    except OSError:
        hi = mid - 1
size = lo
print("SIZE %d" % size, flush=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
s.connect(path)
payload = bytes((i * 31 + 7) & 0xFF for i in range(256)) * (size // 256) + b"\x01" * (size % 256)
s.send(payload)
s.settimeout(30)
r = s.recv(64)
print("EOF" if not r else "REPLY " + r.decode())
