"""Many clients at once (Python standard library only), for tests of listeners that serve many clients from many
threads. Usage: crowd_client.py SOCKET_PATH CLIENTS MESSAGES TAG EXPECT

CLIENTS threads each connect, then send MESSAGES messages "TAG/<client>/<seq>", one at a time, each waiting for its
echo. EXPECT "echo": every message must come back unchanged. EXPECT "refused": the service must close the connection
without answering anything (end-of-stream, or ECONNRESET/EPIPE when a send met the closed connection).

Prints one line per client that did not get what it expected ("FAIL <client> <why>"), then "DONE <ok> <failed>".
Exits 0 whatever the service did (the test asserts on the output)."""
import errno
import socket
import sys
import threading

TIMEOUT = 60


def client(path, tag, index, messages, expect, results):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(TIMEOUT)
    try:
        s.connect(path)
        for seq in range(messages):
            payload = ("%s/%d/%d" % (tag, index, seq)).encode()
            try:
                s.send(payload)
                reply = s.recv(1 << 16)
            except OSError as e:
                if expect == "refused" and e.errno in (errno.ECONNRESET, errno.EPIPE):
                    results[index] = None
                    return
                raise
            if expect == "refused":
                results[index] = "got %r instead of end-of-stream" % reply if reply else None
                return
            if reply != payload:
                results[index] = ("end-of-stream" if not reply else "got %r" % reply) + " at message %d" % seq
                return
        results[index] = None
    except socket.timeout:
        results[index] = "timed out"
    except OSError as e:
        results[index] = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def main():
    path, clients, messages, tag, expect = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    results = ["not run"] * clients
    threads = [threading.Thread(target=client, args=(path, tag, i, messages, expect, results))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = 0
    for i, r in enumerate(results):
        if r is not None:
            failed += 1
            print("FAIL %d %s" % (i, r), flush=True)
    print("DONE %d %d" % (clients - failed, failed), flush=True)


main()
