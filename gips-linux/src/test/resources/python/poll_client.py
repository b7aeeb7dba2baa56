# Connects to a gips service, sends one message, then waits until killed.
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"hello from python")
time.sleep(60)
