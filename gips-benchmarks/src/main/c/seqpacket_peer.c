/* The C baseline of the Compare benchmarks: two processes on an AF_UNIX SOCK_SEQPACKET socket, blocking calls, the
 * same protocol and the same message pattern as the Java peers (see dev.gips.benchmarks.compare.Link), and payloads
 * over the socket's datagram limit sent as gips sends them: a sealed memfd (filled with write, read with pread) behind
 * a 16-byte marker datagram.
 *
 * usage: seqpacket_peer server PATH                       prints "ready" once listening; serves one client
 *        seqpacket_peer client PATH WARMUP_MS MEASURE_MS TASK...
 * TASK is rtt:SIZE, fd:SIZE (one descriptor each way), up:SIZE (client -> server messages/s) or down:SIZE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD (16 << 20)
static const char MAGIC[8] = {0, 'g', 'i', 'p', 's', '-', 'm', 'f'};
static char *buf;            /* received payloads */
static int inline_max;

static void die(const char *what) { perror(what); exit(1); }

/* With GIPS_PASSCRED=1 the socket sets SO_PASSCRED, as gips' sockets do (to tell an empty message from end-of-stream):
 * then the kernel attaches the sender's credentials to every message. */
static void maybe_passcred(int fd) {
    const char *v = getenv("GIPS_PASSCRED");
    int one = 1;
    if (v && *v == '1' && setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) die("SO_PASSCRED");
}

/* With GIPS_EPOLL=1 the server waits in epoll_wait, on a set holding the listening socket and the client, before
 * each recvmsg: what a server for many clients (gips' Listener among them) must do instead of blocking in recvmsg. */
static int epoll_set(int lfd, int fd) {
    const char *v = getenv("GIPS_EPOLL");
    if (!v || *v != '1') return -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event l = { .events = EPOLLIN, .data.fd = lfd }, c = { .events = EPOLLIN, .data.fd = fd };
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &l) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &c) < 0) die("epoll");
    return ep;
}

static void await_readable(int ep, int fd) {
    struct epoll_event ev[16];
    for (;;) {
        int n = epoll_wait(ep, ev, 16, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd == fd) return;
        }
    }
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send_msg(int fd, const char *data, size_t len, int pass_fd) {
    int fds[2], nfds = 0;
    char marker[16];
    int memfd = -1;
    if (pass_fd >= 0) fds[nfds++] = pass_fd;
    if ((long) len > inline_max) {
        memfd = memfd_create("gips-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0) die("memfd");
        for (size_t done = 0; done < len;) {
            ssize_t w = write(memfd, data + done, len - done);
            if (w < 0) die("write memfd");
            done += w;
        }
        /* F_SEAL_WRITE fails with EBUSY if something still holds a transient reference to a page once the kernel
         * has waited for it (seen once in a pinned run on a busy machine): try again rather than lose the round */
        for (int tries = 1; fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0;
             tries++) {
            if (errno != EBUSY || tries == 5) die("seal");
        }
        memcpy(marker, MAGIC, 8);
        uint64_t l = len;
        memcpy(marker + 8, &l, 8);
        fds[nfds++] = memfd;
        data = marker;
        len = sizeof marker;
    }
    struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
    union { char b[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds > 0) {
        msg.msg_control = control.b;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t) len) die("sendmsg");
    if (memfd >= 0) close(memfd);
}

/* room for SCM_CREDENTIALS (with GIPS_PASSCRED) and a few descriptors */
#define CONTROL_SIZE (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int)))

/* With GIPS_MMSG=1 the server takes up to BATCH datagrams per recvmmsg (blocking for the first only) and hands them
 * out one by one: what gips' Listener does for a plain client that streams. */
#define BATCH 8
static int batch_mode;
static struct mmsghdr batch[BATCH];
static struct iovec batch_iov[BATCH];
static union { char b[CONTROL_SIZE]; struct cmsghdr align; } batch_control[BATCH];
static char *batch_data[BATCH];
static int batch_next, batch_count;

static struct msghdr *next_datagram(int fd, ssize_t *n) {
    if (batch_next == batch_count) {
        for (int i = 0; i < BATCH; i++) {
            if (!batch_data[i] && !(batch_data[i] = malloc(MAX_PAYLOAD + 1))) die("malloc");
            batch_iov[i] = (struct iovec) { .iov_base = batch_data[i], .iov_len = MAX_PAYLOAD + 1 };
            batch[i].msg_hdr = (struct msghdr) { .msg_iov = &batch_iov[i], .msg_iovlen = 1,
                                                 .msg_control = batch_control[i].b, .msg_controllen = CONTROL_SIZE };
        }
        int k = recvmmsg(fd, batch, BATCH, MSG_CMSG_CLOEXEC | MSG_WAITFORONE, NULL);
        if (k <= 0) die("recvmmsg");
        batch_next = 0;
        batch_count = k;
    }
    int i = batch_next++;
    buf = batch_data[i];
    *n = batch[i].msg_len;
    return &batch[i].msg_hdr;
}

/* Receives one message into buf; returns its length (-1 at end of stream); *got_fd is a received descriptor
 * (other than the payload's memfd) or -1. */
static long recv_msg(int fd, int *got_fd) {
    struct iovec iov = { .iov_base = buf, .iov_len = MAX_PAYLOAD + 1 };
    union { char b[CONTROL_SIZE]; struct cmsghdr align; } control;
    struct msghdr one = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
                          .msg_controllen = sizeof control.b };
    struct msghdr *msgp = &one;
    ssize_t n;
    if (batch_mode) {
        msgp = next_datagram(fd, &n);
    } else {
        n = recvmsg(fd, &one, MSG_CMSG_CLOEXEC);
        if (n < 0) die("recvmsg");
    }
    struct msghdr msg = *msgp;
    if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) { fprintf(stderr, "truncated message\n"); exit(1); }
    int fds[4], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
        }
    }
    if (n == 0 && nfds == 0) return -1;
    *got_fd = -1;
    if (n == 16 && nfds > 0 && memcmp(buf, MAGIC, 8) == 0) {
        int memfd = fds[--nfds];
        uint64_t len;
        memcpy(&len, buf + 8, 8);
        int seals = fcntl(memfd, F_GET_SEALS);
        if (len > MAX_PAYLOAD || seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_WRITE)) != (F_SEAL_SHRINK | F_SEAL_WRITE))
            die("large payload");
        for (uint64_t done = 0; done < len;) {
            ssize_t r = pread(memfd, buf + done, len - done, done);
            if (r <= 0) die("pread memfd");
            done += r;
        }
        close(memfd);
        n = len;
    }
    if (nfds > 0) *got_fd = fds[0];
    for (int i = 1; i < nfds; i++) close(fds[i]);
    return n;
}

static int serve(const char *path) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (bind(lfd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(lfd, 16) < 0) die("bind");
    printf("ready\n");
    fflush(stdout);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) die("accept");
    maybe_passcred(fd);
    int ep = epoll_set(lfd, fd);
    const char *mmsg = getenv("GIPS_MMSG");
    batch_mode = mmsg && *mmsg == '1';
    int own = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char *out = malloc(MAX_PAYLOAD);
    for (;;) {
        int got;
        if (ep >= 0) await_readable(ep, fd);
        long n = recv_msg(fd, &got);
        if (n < 0) break;
        if (got >= 0) close(got);
        char kind = n > 0 ? buf[0] : 'D';
        if (kind == 'E') {
            send_msg(fd, buf, n, got >= 0 ? own : -1);
        } else if (kind == 'A') {
            send_msg(fd, "A", 1, -1);
        } else if (kind == 'S') {
            long long count;
            int size;
            memcpy(&count, buf + 1, 8);
            memcpy(&size, buf + 9, 4);
            memset(out, 'D', size);
            for (long long i = 0; i < count; i++) send_msg(fd, out, size, -1);
            send_msg(fd, "A", 1, -1);
        }
    }
    unlink(path);
    return 0;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static void await_ack(int fd) {
    int got;
    for (;;) {
        long n = recv_msg(fd, &got);
        if (n < 0) die("server hung up");
        if (got >= 0) close(got);
        if (n == 1 && buf[0] == 'A') return;
    }
}

/* Round trips for ms milliseconds; returns the sorted samples' count and fills samples. */
static long round_trips(int fd, char *payload, int size, int with_fd, int own, long long ms, long long *samples,
                        long cap) {
    long count = 0;
    long long end = now_ns() + ms * 1000000LL;
    while (count < cap) {
        long long t0 = now_ns();
        if (t0 >= end) break;
        send_msg(fd, payload, size, with_fd ? own : -1);
        int got;
        long n = recv_msg(fd, &got);
        if (n != size) die("echo");
        if (got >= 0) close(got);
        samples[count++] = now_ns() - t0;
    }
    return count;
}

/* One-way messages for ms milliseconds, then an ack; returns messages per second. */
static double up(int fd, char *payload, int size, long long ms) {
    payload[0] = 'D';
    long long start = now_ns(), end = start + ms * 1000000LL;
    long count = 0;
    do {
        for (int i = 0; i < 256; i++) send_msg(fd, payload, size, -1);
        count += 256;
    } while (now_ns() < end);
    send_msg(fd, "A", 1, -1);
    await_ack(fd);
    return count / ((now_ns() - start) / 1e9);
}

static double down(int fd, int size, long long ms, double guess) {
    long long count = (long long) (guess * ms / 1000.0);
    if (count < 1000) count = 1000;
    char req[13] = {'S'};
    memcpy(req + 1, &count, 8);
    memcpy(req + 9, &size, 4);
    long long start = now_ns();
    send_msg(fd, req, sizeof req, -1);
    for (long long i = 0; i < count; i++) {
        int got;
        if (recv_msg(fd, &got) != size) die("down");
    }
    await_ack(fd);
    return count / ((now_ns() - start) / 1e9);
}

static int client(const char *path, long long warmup, long long measure, int ntasks, char **tasks) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    /* an abstract autobind name, as gips endpoints take (and Rust gips gets from SO_PASSCRED): a server that sees
     * the client's address needs no SO_PASSCRED to tell an empty message from end-of-stream */
    sa_family_t autobind = AF_UNIX;
    if (bind(fd, (struct sockaddr *) &autobind, sizeof autobind) < 0) die("bind");
    if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) die("connect");
    maybe_passcred(fd);
    int own = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char *payload = malloc(MAX_PAYLOAD);
    long cap = 4000000;
    long long *samples = malloc(cap * sizeof *samples);
    for (int t = 0; t < ntasks; t++) {
        char kind[8];
        int size;
        if (sscanf(tasks[t], "%7[a-z]:%d", kind, &size) != 2) { fprintf(stderr, "bad task %s\n", tasks[t]); return 2; }
        memset(payload, 'x', size);
        if (!strcmp(kind, "rtt") || !strcmp(kind, "fd")) {
            int with_fd = kind[0] == 'f';
            payload[0] = 'E';
            round_trips(fd, payload, size, with_fd, own, warmup, samples, cap);
            long n = round_trips(fd, payload, size, with_fd, own, measure, samples, cap);
            qsort(samples, n, sizeof *samples, cmp);
            printf("%s %d %lld %lld %ld\n", kind, size, samples[n / 2], samples[n * 9 / 10], n);
        } else if (!strcmp(kind, "up")) {
            up(fd, payload, size, warmup);
            printf("up %d %.0f\n", size, up(fd, payload, size, measure));
        } else if (!strcmp(kind, "down")) {
            double rate = down(fd, size, warmup, 100000);
            printf("down %d %.0f\n", size, down(fd, size, measure, rate));
        }
        fflush(stdout);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    buf = malloc(MAX_PAYLOAD + 1);
    if (argc == 3 && !strcmp(argv[1], "server")) {
        int probe = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        int sndbuf;
        socklen_t l = sizeof sndbuf;
        getsockopt(probe, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l);
        close(probe);
        inline_max = sndbuf - 32;
        return serve(argv[2]);
    }
    if (argc >= 6 && !strcmp(argv[1], "client")) {
        int probe = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        int sndbuf;
        socklen_t l = sizeof sndbuf;
        getsockopt(probe, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l);
        close(probe);
        inline_max = sndbuf - 32;
        return client(argv[2], atoll(argv[3]), atoll(argv[4]), argc - 5, argv + 5);
    }
    fprintf(stderr, "usage: %s server PATH | client PATH WARMUP_MS MEASURE_MS TASK...\n", argv[0]);
    return 2;
}
