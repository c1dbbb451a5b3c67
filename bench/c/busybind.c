/*
 * busybind: how long bind() to a busy port takes, as a program sees it.
 *
 *   busybind <calls>
 *
 * Listens on 0.0.0.0:<a free port>, then <calls> times: socket(), SO_REUSEADDR, bind() to that port, close().
 * Run it with and without LD_PRELOAD=libstyxy-interpose.so and with STYXY_SOCKET naming a daemon that is absent
 * or hung: the difference is what the interposer adds when it cannot get an answer. Prints one line:
 *   first_us=<first call> p50_us=<median of the others> max_us=<slowest> inuse=<calls that failed EADDRINUSE>
 *   moved=<calls that succeeded (reassigned)>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 10;
    if (calls < 1)
        calls = 1;
    int one = 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY), .sin_port = 0};
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 8) != 0) {
        perror("busybind: listener");
        return 2;
    }
    socklen_t len = sizeof sa;
    getsockname(l, (struct sockaddr *)&sa, &len);
    int64_t *t = calloc((size_t)calls, sizeof *t);
    int inuse = 0, moved = 0;
    for (int i = 0; i < calls; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        int64_t t0 = now_ns();
        int r = bind(s, (struct sockaddr *)&sa, sizeof sa);
        t[i] = now_ns() - t0;
        if (r == 0)
            moved++;
        else if (errno == EADDRINUSE)
            inuse++;
        close(s);
    }
    int64_t first = t[0];
    qsort(t, (size_t)calls, sizeof *t, cmp);
    int64_t p50 = calls > 1 ? t[(calls - 1) / 2] : first;
    printf("first_us=%.1f p50_us=%.1f max_us=%.1f inuse=%d moved=%d\n", first / 1e3, p50 / 1e3,
           t[calls - 1] / 1e3, inuse, moved);
    return 0;
}
