/* Load generator for PollThroughput: N SOCK_SEQPACKET connections, each ping-ponging 8-byte messages with the
 * server as fast as replies come back; prints the replies per second over the measured interval.
 * usage: poll_client PATH CONNECTIONS WARMUP_SECONDS SECONDS [stream]   (stream: SOCK_STREAM, for the JDK Selector) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s PATH CONNECTIONS WARMUP SECONDS\n", argv[0]); return 2; }
    int n = atoi(argv[2]);
    int type = argc == 6 && !strcmp(argv[5], "stream") ? SOCK_STREAM : SOCK_SEQPACKET;
    double warmup = atof(argv[3]), seconds = atof(argv[4]);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, argv[1], sizeof sa.sun_path - 1);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    char msg[8] = "pingpong";
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        sa_family_t autobind = AF_UNIX; /* an address, like every gips client (see seqpacket_peer.c) */
        if (fd < 0 || bind(fd, (struct sockaddr *) &autobind, sizeof autobind) < 0
                || connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) { perror("connect"); return 1; }
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (send(fd, msg, sizeof msg, 0) != sizeof msg) { perror("send"); return 1; }
    }
    struct epoll_event events[256];
    char buf[64];
    long count = 0;
    double start = now(), measured_from = start + warmup, end = measured_from + seconds;
    int measuring = 0;
    for (;;) {
        double t = now();
        if (!measuring && t >= measured_from) { measuring = 1; count = 0; }
        if (t >= end) break;
        int k = epoll_wait(ep, events, 256, 100);
        for (int i = 0; i < k; i++) {
            int fd = events[i].data.fd;
            ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0 && r % 8 == 0) {   /* a stream may deliver several echoes at once */
                for (ssize_t k = 0; k < r / 8; k++) {
                    count++;
                    if (send(fd, msg, sizeof msg, 0) != sizeof msg) { perror("send"); return 1; }
                }
            } else if (r == 0 || (r < 0 && errno != EAGAIN)) {
                fprintf(stderr, "server closed a connection\n");
                return 1;
            }
        }
    }
    printf("%.0f\n", count / (now() - measured_from));
    return 0;
}
