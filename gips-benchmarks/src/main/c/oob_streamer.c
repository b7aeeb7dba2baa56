/*
 * Streams gips-java out-of-band messages as fast as a server takes them, the way a hostile peer would: one sealed
 * memfd of SIZE bytes, created once, passed again and again behind a 16-byte marker (8 bytes "\0gips-mf", then the
 * length, u64 little-endian) on each of STREAMS connections, one thread per connection. Prints "streaming" once every
 * connection is up and runs until killed (or until the server closes a connection).
 *
 * usage: oob_streamer SOCKET_PATH STREAMS SIZE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *path;
static int memfd;
static unsigned char marker[16];
static pthread_barrier_t connected;

static void *stream(void *arg) {
    (void) arg;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    /* the abstract address prefix of gips-java endpoints: only their markers are taken for out-of-band payloads */
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    int n = snprintf(me.sun_path + 1, sizeof me.sun_path - 1, "gips-java:%08x%08lx", (unsigned) getpid(),
                     (unsigned long) pthread_self() & 0xffffffffUL);
    if (s < 0 || bind(s, (struct sockaddr *) &me, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
        perror("bind");
        exit(1);
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    if (connect(s, (struct sockaddr *) &sa, sizeof sa) < 0) {
        perror("connect");
        exit(1);
    }
    pthread_barrier_wait(&connected);
    char control[CMSG_SPACE(sizeof(int))];
    for (;;) {
        struct iovec iov = {.iov_base = marker, .iov_len = sizeof marker};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &memfd, sizeof(int));
        if (sendmsg(s, &msg, MSG_NOSIGNAL) < 0) {
            return NULL; /* the server closed the connection */
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: oob_streamer SOCKET_PATH STREAMS SIZE\n");
        return 2;
    }
    path = argv[1];
    int streams = atoi(argv[2]);
    uint64_t size = strtoull(argv[3], NULL, 10);
    memfd = memfd_create("oob-stream", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0 || ftruncate(memfd, (off_t) size) < 0) {
        perror("memfd");
        return 1;
    }
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (uint64_t i = 0; i < size; i++) {
        p[i] = (unsigned char) (i * 31 + 7);
    }
    munmap(p, size);
    if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        perror("seal");
        return 1;
    }
    memcpy(marker, "\0gips-mf", 8);
    for (int i = 0; i < 8; i++) {
        marker[8 + i] = (unsigned char) (size >> (8 * i));
    }
    pthread_barrier_init(&connected, NULL, (unsigned) streams + 1);
    for (int i = 0; i < streams; i++) {
        pthread_t t;
        pthread_create(&t, NULL, stream, NULL);
    }
    pthread_barrier_wait(&connected);
    printf("streaming\n");
    fflush(stdout);
    pause();
    return 0;
}
