/* The C baseline for PollThroughput: the same loop as the Java server (level-triggered epoll over the listening
 * socket and every client, one message per event, echo), written directly against the kernel. With "stream" it
 * serves SOCK_STREAM, the socket type of the JDK Selector server: what that server would be without a JVM. With
 * "msg" it takes each message with recvmsg (room for the sender's address and descriptors) and answers with sendmsg,
 * the calls gips must make.
 * usage: poll_server PATH [stream|msg]   (prints "ready" once listening; runs until killed) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) { fprintf(stderr, "usage: %s PATH [stream|msg]\n", argv[0]); return 2; }
    int type = argc == 3 && !strcmp(argv[2], "stream") ? SOCK_STREAM : SOCK_SEQPACKET;
    int use_msg = argc == 3 && !strcmp(argv[2], "msg");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, argv[1], sizeof sa.sun_path - 1);
    unlink(argv[1]);
    int lfd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (bind(lfd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(lfd, 4096) < 0) { perror("bind"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    printf("ready\n");
    fflush(stdout);
    struct epoll_event events[256];
    char buf[65536];
    for (;;) {
        int k = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < k; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (c >= 0) {
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t r;
            if (use_msg) {
                struct sockaddr_un from;
                union { char b[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } control;
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
                struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
                                      .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof control.b };
                r = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
            } else {
                r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            }
            if (r > 0 && use_msg) {
                struct iovec iov = { .iov_base = buf, .iov_len = r };
                struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
                sendmsg(fd, &msg, MSG_NOSIGNAL);
            } else if (r > 0) {
                send(fd, buf, r, MSG_NOSIGNAL);
            } else if (r == 0 || errno != EAGAIN) {
                close(fd);
            }
        }
    }
}
