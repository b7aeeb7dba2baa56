"""A stdlib-only shared memory peer for the Java tests: speaks gips' SOCK_SEQPACKET wire format (payload as is,
descriptors as SCM_RIGHTS) and its 24-byte region header (u64 capacity, u64 total, u8 extension, u8 barrier, 6 pad).

usage:
  shm_peer.py offer  SOCKET KIND      create a region (KIND: good, sealable, oversized, damaged, tiny, pipe, rust),
                                      send it to the Java listener at SOCKET; for good, sealable and rust, wait for
                                      the reply and check Java's write
  shm_peer.py accept SOCKET NEWCAP    ask the Java listener for a region, check it, write into it, then grow it to
                                      NEWCAP (ftruncate + header capacity) and write past the old capacity
Prints one line of findings on success; exits non-zero with the reason on failure.
"""
import fcntl
import mmap
import os
import socket
import struct
import sys

HEADER = struct.Struct('<QQBB6x')
assert HEADER.size == 24


def pattern(n, seed):
    return bytes(((i * 31 + seed) & 0xFF) for i in range(n))


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    s.connect(path)
    return s


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def memfd(size, sealable=False):
    # MFD_CLOEXEC only: no sealing, like most foreign peers; or allowing seals, which the receiver may then add
    fd = os.memfd_create('python-peer', os.MFD_CLOEXEC | (os.MFD_ALLOW_SEALING if sealable else 0))
    os.ftruncate(fd, size)
    return fd


def offer(path, kind):
    s = connect(path)
    if kind == 'pipe':
        r, w = os.pipe()
        socket.send_fds(s, [b'pipe'], [r])
        os.close(r)
        os.close(w)
        expect_reply(s, b'refused')
        print('pipe refused')
        return
    capacity, total, barrier, size = {
        'good': (4000, 8000, 0, 24 + 4000),
        'sealable': (4000, 8000, 0, 24 + 4000),
        'oversized': (1 << 20, 1 << 20, 0, 4096),
        'damaged': (100, 100, 1, 24 + 100),
        'tiny': (0, 0, 0, 10),
        'rust': (4096, 4096, 0, 4096),  # gips 0.2.0 sizes the object `total`, without the header
    }[kind]
    fd = memfd(size, sealable=(kind == 'sealable'))
    m = mmap.mmap(fd, size)
    if size >= 24:
        HEADER.pack_into(m, 0, capacity, total, 0, barrier)
    if kind in ('good', 'sealable'):
        m[24:24 + 1000] = pattern(1000, 42)
    if kind == 'rust':
        m[24:24 + 100] = pattern(100, 43)
    socket.send_fds(s, [kind.encode()], [fd])
    if kind in ('good', 'sealable', 'rust'):
        expect_reply(s, b'written')
        got = bytes(m[24 + 100:24 + 100 + 14])
        if got != b'java was here!':
            fail('Java\'s write is not visible: %r' % got)
        if kind == 'sealable':
            seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
            if not seals & fcntl.F_SEAL_SHRINK:
                fail('Java did not seal the received memfd against shrinking: seals %#x' % seals)
            try:
                os.ftruncate(fd, 24)
                fail('shrinking a sealed memfd succeeded')
            except PermissionError:
                pass
            os.ftruncate(fd, 2 * size)  # growing stays allowed
        if kind == 'rust':
            st = os.fstat(fd)
            if st.st_size != 24 + total:
                fail('Java grew the object to %d bytes, wanted %d' % (st.st_size, 24 + total))
        print('saw java write; object %d bytes' % os.fstat(fd).st_size)
    else:
        expect_reply(s, b'refused')
        print(kind + ' refused')
    m.close()
    os.close(fd)


def expect_reply(s, want):
    data = s.recv(1024)
    if data != want:
        fail('expected %r, got %r' % (want, data))


def accept(path, newcap):
    s = connect(path)
    s.send(b'want')
    data, fds, _flags, _addr = socket.recv_fds(s, 1024, 4)
    if len(fds) != 1:
        fail('expected one descriptor, got %d with %r' % (len(fds), data))
    fd = fds[0]
    size = os.fstat(fd).st_size
    head = mmap.mmap(fd, 24)
    capacity, total, ext, barrier = HEADER.unpack_from(head, 0)
    head.close()
    if barrier != 0 or ext != 0 or capacity > total:
        fail('bad header %r' % ((capacity, total, ext, barrier),))
    if size < 24 + total:
        fail('object of %d bytes does not hold 24 + total = %d' % (size, 24 + total))
    m = mmap.mmap(fd, 24 + capacity)
    try:
        os.ftruncate(fd, 24)
        fail('shrinking a region Java created succeeded')
    except PermissionError:
        pass  # sealed with F_SEAL_SHRINK: no process can make another's mapping fault
    if bytes(m[24:24 + 1000]) != pattern(1000, 7):
        fail('Java\'s data is not visible')
    m[24 + 100:24 + 100 + 16] = b'python was here!'
    s.send(b'written')
    expect_reply(s, b'grow')
    # grow as another gips process would: make sure the object holds it, then publish the new capacity
    if os.fstat(fd).st_size < 24 + newcap:
        os.ftruncate(fd, 24 + newcap)
    big = mmap.mmap(fd, 24 + newcap)
    big[24 + newcap - 6:24 + newcap] = b'tail!!'
    struct.pack_into('<Q', big, 0, newcap)
    s.send(b'resized')
    expect_reply(s, b'bye')
    print('header %d/%d, object %d bytes, grew to %d' % (capacity, total, size, newcap))
    big.close()
    m.close()
    os.close(fd)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == 'offer':
        offer(path, sys.argv[3])
    elif mode == 'accept':
        accept(path, int(sys.argv[3]))
    else:
        fail('unknown mode ' + mode)


if __name__ == '__main__':
    main()
