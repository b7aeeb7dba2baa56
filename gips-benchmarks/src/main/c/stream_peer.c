/* A C peer on an AF_UNIX SOCK_STREAM socket, with the framing of the Java stream peers (StreamPeer: a 4-byte
 * big-endian length prefix and the payload in one write; reads fill a read-ahead buffer) and the protocol of
 * seqpacket_peer.c. It is what the JDK's SocketChannel peer would be with no JVM at all: the kernel's stream path,
 * which gips cannot take (its wire is SOCK_SEQPACKET, for message boundaries and Rust gips compatibility).
 *
 * usage: stream_peer server PATH                       prints "ready" once listening; serves one client
 *        stream_peer client PATH WARMUP_MS MEASURE_MS TASK...
 * TASK is rtt:SIZE, up:SIZE or down:SIZE (no descriptors: the JDK peer cannot pass them). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD (16 << 20)
static char *in;             /* read-ahead buffer: bytes [in_pos, in_end) are unread */
static size_t in_pos, in_end;
static char *out;            /* one frame: prefix + payload */

static void die(const char *what) { perror(what); exit(1); }

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send_msg(int fd, const char *data, size_t len) {
    uint32_t be = htonl((uint32_t) len);
    memcpy(out, &be, 4);
    memcpy(out + 4, data, len);
    for (size_t done = 0; done < len + 4;) {
        ssize_t w = write(fd, out + done, len + 4 - done);
        if (w < 0) die("write");
        done += w;
    }
}

/* Makes at least n unread bytes available; returns 0 at end of stream. */
static int fill(int fd, size_t n) {
    while (in_end - in_pos < n) {
        if (in_pos > 0) {
            memmove(in, in + in_pos, in_end - in_pos);
            in_end -= in_pos;
            in_pos = 0;
        }
        ssize_t r = read(fd, in + in_end, 4 + MAX_PAYLOAD - in_end);
        if (r < 0) die("read");
        if (r == 0) return 0;
        in_end += r;
    }
    return 1;
}

/* Receives one message; returns its length and points *data at it (valid until the next call), -1 at the end. */
static long recv_msg(int fd, const char **data) {
    if (!fill(fd, 4)) return -1;
    uint32_t be;
    memcpy(&be, in + in_pos, 4);
    size_t len = ntohl(be);
    if (len > MAX_PAYLOAD) { fprintf(stderr, "frame too large\n"); exit(1); }
    if (!fill(fd, 4 + len)) return -1;
    *data = in + in_pos + 4;
    in_pos += 4 + len;
    return (long) len;
}

static int serve(const char *path) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(lfd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(lfd, 16) < 0) die("bind");
    printf("ready\n");
    fflush(stdout);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) die("accept");
    char *data = malloc(MAX_PAYLOAD);
    for (;;) {
        const char *m;
        long n = recv_msg(fd, &m);
        if (n < 0) break;
        char kind = n > 0 ? m[0] : 'D';
        if (kind == 'E') {
            send_msg(fd, m, n);
        } else if (kind == 'A') {
            send_msg(fd, "A", 1);
        } else if (kind == 'S') {
            long long count;
            int size;
            memcpy(&count, m + 1, 8);
            memcpy(&size, m + 9, 4);
            memset(data, 'D', size);
            for (long long i = 0; i < count; i++) send_msg(fd, data, size);
            send_msg(fd, "A", 1);
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
    for (;;) {
        const char *m;
        long n = recv_msg(fd, &m);
        if (n < 0) { fprintf(stderr, "server hung up\n"); exit(1); }
        if (n == 1 && m[0] == 'A') return;
    }
}

static long round_trips(int fd, char *payload, int size, long long ms, long long *samples, long cap) {
    long count = 0;
    long long end = now_ns() + ms * 1000000LL;
    while (count < cap) {
        long long t0 = now_ns();
        if (t0 >= end) break;
        send_msg(fd, payload, size);
        const char *m;
        if (recv_msg(fd, &m) != size) { fprintf(stderr, "echo\n"); exit(1); }
        samples[count++] = now_ns() - t0;
    }
    return count;
}

static double up(int fd, char *payload, int size, long long ms) {
    payload[0] = 'D';
    long long start = now_ns(), end = start + ms * 1000000LL;
    long count = 0;
    do {
        for (int i = 0; i < 256; i++) send_msg(fd, payload, size);
        count += 256;
    } while (now_ns() < end);
    send_msg(fd, "A", 1);
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
    send_msg(fd, req, sizeof req);
    for (long long i = 0; i < count; i++) {
        const char *m;
        if (recv_msg(fd, &m) != size) { fprintf(stderr, "down\n"); exit(1); }
    }
    await_ack(fd);
    return count / ((now_ns() - start) / 1e9);
}

static int client(const char *path, long long warmup, long long measure, int ntasks, char **tasks) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) die("connect");
    char *payload = malloc(MAX_PAYLOAD);
    long cap = 4000000;
    long long *samples = malloc(cap * sizeof *samples);
    for (int t = 0; t < ntasks; t++) {
        char kind[8];
        int size;
        if (sscanf(tasks[t], "%7[a-z]:%d", kind, &size) != 2) { fprintf(stderr, "bad task %s\n", tasks[t]); return 2; }
        memset(payload, 'x', size);
        if (!strcmp(kind, "rtt")) {
            payload[0] = 'E';
            round_trips(fd, payload, size, warmup, samples, cap);
            long n = round_trips(fd, payload, size, measure, samples, cap);
            qsort(samples, n, sizeof *samples, cmp);
            printf("%s %d %lld %lld %ld\n", kind, size, samples[n / 2], samples[n * 9 / 10], n);
        } else if (!strcmp(kind, "up")) {
            up(fd, payload, size, warmup);
            printf("up %d %.0f\n", size, up(fd, payload, size, measure));
        } else if (!strcmp(kind, "down")) {
            double rate = down(fd, size, warmup, 100000);
            printf("down %d %.0f\n", size, down(fd, size, measure, rate));
        } else {
            fprintf(stderr, "task %s: the stream peer passes no descriptors\n", tasks[t]);
            return 2;
        }
        fflush(stdout);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    in = malloc(4 + MAX_PAYLOAD);
    out = malloc(4 + MAX_PAYLOAD);
    if (argc == 3 && !strcmp(argv[1], "server")) return serve(argv[2]);
    if (argc >= 6 && !strcmp(argv[1], "client")) return client(argv[2], atoll(argv[3]), atoll(argv[4]), argc - 5, argv + 5);
    fprintf(stderr, "usage: %s server PATH | client PATH WARMUP_MS MEASURE_MS TASK...\n", argv[0]);
    return 2;
}
