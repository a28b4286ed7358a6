// The kernel's CPU cost of re-reading per-process /proc files through kept descriptors
// (bench/agent/RESULTS.md, "Where the time goes"). Forks 200 idle children, opens
// /proc/<pid>/{schedstat,statm,stat,io} once, then times `pread` at offset 0 over every
// child, ROUNDS times with PAUSE_US microseconds between rounds (0: caches warm; 1 Hz
// sampling is closer to 50000 or more: the caches are cold), as CPU time (getrusage).
//   cc -O2 -o /tmp/procfs_cost bench/agent/procfs_cost.c && /tmp/procfs_cost 20 50000
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv) {
    enum { N = 200 };
    int rounds = argc > 1 ? atoi(argv[1]) : 20, pause_us = argc > 2 ? atoi(argv[2]) : 0;
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pid_t p = fork();
        if (p == 0) { pause(); _exit(0); }
        pids[i] = p;
    }
    usleep(200000);
    const char *names[] = {"schedstat", "statm", "stat", "io"};
    int fds[4][N];
    static char buffer[8192];
    for (int f = 0; f < 4; f++)
        for (int i = 0; i < N; i++) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/%s", pids[i], names[f]);
            fds[f][i] = open(path, O_RDONLY);
        }
    for (int f = 0; f < 4; f++) {
        double c0 = cpu_seconds();
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < N; i++) pread(fds[f][i], buffer, sizeof buffer, 0);
            if (pause_us) usleep(pause_us);
        }
        printf("%-9s %.2f us per pread\n", names[f], (cpu_seconds() - c0) * 1e6 / (rounds * N));
    }
    for (int i = 0; i < N; i++) { kill(pids[i], SIGKILL); waitpid(pids[i], 0, 0); }
    return 0;
}
