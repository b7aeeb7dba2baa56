"""Plays systemd's part in socket activation, Python standard library only.

Usage: systemd_launch.py SOCKET_PATH FDNAME PID_MODE COMMAND...

Creates an AF_UNIX SOCK_SEQPACKET socket bound to SOCKET_PATH (mode 0666) and listening, then starts COMMAND as a
child with that socket as descriptor 3 (SD_LISTEN_FDS_START) and LISTEN_FDS=1, LISTEN_FDNAMES=FDNAME and LISTEN_PID
set as PID_MODE says: "child" (right: the child's pid, known only after fork), "parent" (wrong: this process).
Like systemd it keeps its own copy of the socket while the service runs and never removes the socket file. Waits
for the child and exits with its status.
"""
import os
import socket
import sys


def main():
    path, fdname, pid_mode, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.bind(path)
    os.chmod(path, 0o666)
    sock.listen(16)
    parent = os.getpid()
    child = os.fork()
    if child == 0:
        try:
            if sock.fileno() != 3:
                os.dup2(sock.fileno(), 3)
            os.set_inheritable(3, True)  # a plain descriptor, not close-on-exec, as systemd passes it
            env = dict(os.environ)
            env["LISTEN_PID"] = str(os.getpid() if pid_mode == "child" else parent)
            env["LISTEN_FDS"] = "1"
            env["LISTEN_FDNAMES"] = fdname
            os.execve(command[0], command, env)
        finally:
            os._exit(127)
    _, status = os.waitpid(child, 0)
    sock.close()
    sys.exit(os.waitstatus_to_exitcode(status))


main()
