/*
 * What the interposer costs. Prints numbers, asserts nothing.
 *
 *   bench <library.so> <fake daemon socket> [<real daemon socket>]
 *
 * 1. The untouched path. Each measurement runs in a child process, alternately without and
 *    with LD_PRELOAD, seven times; the table shows the best run (the least disturbed by
 *    whatever else the machine does) and the median.
 *    - bind() on a socket that is already bound: the kernel answers EINVAL at once, so the
 *      wrapper's share is as large as it can be (the EADDRINUSE of a busy port would take
 *      the conflict path, which is not what this row measures);
 *    - socket() + bind(port 0) + close(): what a program really does;
 *    - inside one preloaded process, libc's bind() (found with dlopen) and the hook,
 *      interleaved in blocks, which cancels most of the machine's drift.
 * 2. A conflict: bind() to a busy port until it returns the reassigned port, against the
 *    fake daemon and, when given and it answers PING, a real one. p50/p99 per call. Against
 *    the real daemon the binds run in rounds, one child process each, so the leases of a round
 *    die with its child; ten rounds run first uncounted, as the daemon's JIT compiles the path
 *    (printed on their own line: what a freshly started daemon's first conflicts cost).
 */
#include "testutil.h"

#include <dlfcn.h>
#include <poll.h>
#include <spawn.h>
#include <sys/un.h>
#include <sys/wait.h>

extern char **environ;

enum { ROUNDS = 7, EINVAL_CALLS = 1000000, CYCLES = 50000, BLOCK = 10000 };
enum { ROUND_PAUSE_US = 1200000 };

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- children ---------------------------------------------------------------------- */

static double einval_ns(bind_fn f, int fd, const struct sockaddr *sa, socklen_t len, int calls)
{
    int64_t t0 = now_ns();
    for (int i = 0; i < calls; i++)
        if (f(fd, sa, len) != -1)
            failf("bind on a bound socket succeeded\n");
    return (double)(now_ns() - t0) / calls;
}

/* Prints: <EINVAL ns via bind> <socket cycle ns> <interleaved libc ns> <interleaved bind ns> */
static void child_untouched(void)
{
    struct sockaddr_storage ss;
    socklen_t len = make_addr(&ss, "127.0.0.1", 0);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    CHECK(bind(fd, (struct sockaddr *)&ss, len) == 0);
    ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)(local_port(fd) + 1));

    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    CHECK(libc != NULL);
    bind_fn libc_bind;
    void *sym = dlsym(libc, "bind");
    CHECK(sym != NULL);
    memcpy(&libc_bind, &sym, sizeof libc_bind);

    einval_ns(bind, fd, (struct sockaddr *)&ss, len, EINVAL_CALLS / 10); /* warm up */
    double einval = einval_ns(bind, fd, (struct sockaddr *)&ss, len, EINVAL_CALLS);

    struct sockaddr_storage any;
    socklen_t alen = make_addr(&any, "127.0.0.1", 0);
    int64_t t0 = now_ns();
    for (int i = 0; i < CYCLES; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&any, alen) != 0)
            failf("socket/bind: %s\n", strerror(errno));
        close(s);
    }
    double cycle = (double)(now_ns() - t0) / CYCLES;

    double via_libc = 0, via_hook = 0;
    for (int b = 0; b < EINVAL_CALLS / BLOCK; b++) {
        via_libc += einval_ns(libc_bind, fd, (struct sockaddr *)&ss, len, BLOCK);
        via_hook += einval_ns(bind, fd, (struct sockaddr *)&ss, len, BLOCK);
    }
    int blocks = EINVAL_CALLS / BLOCK;
    printf("%.2f %.2f %.2f %.2f\n", einval, cycle, via_libc / blocks, via_hook / blocks);
}

/* Prints "<ok> <failed>", then the latency of every reassigned bind in ns, one per line. */
static void child_conflict(int n, unsigned port)
{
    int holder = -1;
    if (port == 0) {
        holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
        port = local_port(holder);
    } else {
        /* Hold it if it is free; if somebody else holds it, it is just as busy. */
        holder = new_socket("127.0.0.1", SOCK_STREAM, 0);
        if (bind_ip(holder, "127.0.0.1", port) != 0 || listen(holder, 1) != 0) {
            close(holder);
            holder = -1;
        }
    }
    int64_t *lat = calloc((size_t)n, sizeof *lat);
    CHECK(lat != NULL);
    int ok = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        int s = new_socket("127.0.0.1", SOCK_STREAM, 0);
        int64_t t0 = now_ns();
        int rc = bind_ip(s, "127.0.0.1", port);
        int64_t t = now_ns() - t0;
        if (rc == 0 && local_port(s) != port)
            lat[ok++] = t;
        else
            failed++;
        close(s);
    }
    printf("%d %d\n", ok, failed);
    for (int i = 0; i < ok; i++)
        printf("%lld\n", (long long)lat[i]);
    if (holder >= 0)
        close(holder);
    free(lat);
}

/* ---- parent ------------------------------------------------------------------------ */

/* Run this program again with extra environment (and nothing Styxy-related inherited);
 * returns its one line of output. */
static void run_child(char *out, size_t size, char *const *env_extra, char *const argv[])
{
    char *envp[512];
    size_t n = 0;
    for (char **e = environ; *e && n < 480; e++)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "STYXY_", 6) != 0)
            envp[n++] = *e;
    for (; *env_extra; env_extra++)
        envp[n++] = *env_extra;
    envp[n] = NULL;

    int p[2];
    CHECK(pipe(p) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    pid_t pid;
    CHECK(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < size && ((r = read(p[0], out + got, size - got - 1)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            got += (size_t)r;
    out[got] = '\0';
    close(p[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %s failed", argv[1]);
}

static int daemon_answers_ping(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path)
        return 0;
    strcpy(sun.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sun, sizeof sun) != 0) {
        close(s);
        return 0;
    }
    char buf[128] = {0};
    struct pollfd pf = {.fd = s, .events = POLLIN};
    int ok = write(s, "PING\n", 5) == 5 && poll(&pf, 1, 1000) == 1 &&
             read(s, buf, sizeof buf - 1) > 0 && strncmp(buf, "OK pong", 7) == 0;
    close(s);
    return ok;
}

/* p50/p99/max of <n> latencies in ns (sorted in place), or dashes when there are none. */
static void print_latencies(const char *label, int64_t *v, int n, int failed)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    if (n == 0)
        printf("  %-40s %6d %6d %10s %10s %10s\n", label, 0, failed, "-", "-", "-");
    else
        printf("  %-40s %6d %6d %10.1f %10.1f %10.1f\n", label, n, failed, v[n / 2] / 1e3,
               v[(n * 99) / 100] / 1e3, v[n - 1] / 1e3);
}

/* Runs <warmup> uncounted then <rounds> counted children of <n> binds each (a child's leases die
 * with it, so a service type's range never fills up) and prints p50/p99/max of the counted ones,
 * then of the uncounted ones on their own line. */
static void conflict_row(const char *label, const char *lib, const char *sock, int n, int rounds,
                         int warmup, unsigned port)
{
    char preload[600], socket_env[600], count[16], port_text[16];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lib);
    snprintf(socket_env, sizeof socket_env, "STYXY_SOCKET=%s", sock);
    snprintf(count, sizeof count, "%d", n);
    snprintf(port_text, sizeof port_text, "%u", port);
    char *env[] = {preload, socket_env, "STYXY_NOTICE=off", NULL};
    char *argv[] = {"bench", "--conflict", count, port_text, NULL};
    size_t size = (size_t)n * 24 + 64;
    char *out = malloc(size);
    int64_t *all = calloc((size_t)n * (size_t)rounds, sizeof *all);
    int64_t *cold = calloc((size_t)n * (size_t)(warmup > 0 ? warmup : 1), sizeof *cold);
    int64_t *firsts = calloc((size_t)rounds, sizeof *firsts);
    int64_t *others = calloc((size_t)n * (size_t)rounds, sizeof *others);
    CHECK(out != NULL && all != NULL && cold != NULL && firsts != NULL && others != NULL);
    int ok = 0, failed = 0, ncold = 0, cold_failed = 0, nfirst = 0, nother = 0;
    for (int r = -warmup; r < rounds; r++) {
        if (r > -warmup)
            usleep(ROUND_PAUSE_US); /* the daemon frees a dead owner's ports within a second */
        run_child(out, size, env, argv);
        char *line = out, *end;
        int round_ok = (int)strtol(line, &end, 10);
        int round_failed = (int)strtol(end, &end, 10);
        if (r < 0) {
            cold_failed += round_failed;
            for (int i = 0; i < round_ok; i++)
                cold[ncold++] = strtoll(end, &end, 10);
            continue;
        }
        failed += round_failed;
        for (int i = 0; i < round_ok; i++) {
            all[ok] = strtoll(end, &end, 10);
            if (i == 0)
                firsts[nfirst++] = all[ok];
            else
                others[nother++] = all[ok];
            ok++;
        }
    }
    print_latencies(label, all, ok, failed);
    /* Where a tail comes from: the first bind of a round follows a pause (a cold daemon), the
     * others follow each other. Printed beside the row, never instead of it. */
    if (rounds > 1 && nfirst > 0 && nother > 0) {
        qsort(firsts, (size_t)nfirst, sizeof *firsts, cmp_i64);
        qsort(others, (size_t)nother, sizeof *others, cmp_i64);
        printf("    first bind of each round: p50 %.1f, max %.1f; the %d others: p50 %.1f, p99 %.1f, max %.1f\n",
               firsts[nfirst / 2] / 1e3, firsts[nfirst - 1] / 1e3, nother, others[nother / 2] / 1e3,
               others[(nother * 99) / 100] / 1e3, others[nother - 1] / 1e3);
    }
    if (warmup > 0) {
        char cold_label[80];
        snprintf(cold_label, sizeof cold_label, "  before: %d uncounted warm-up rounds", warmup);
        print_latencies(cold_label, cold, ncold, cold_failed);
    }
    free(out);
    free(all);
    free(cold);
    free(firsts);
    free(others);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--untouched") == 0) {
        child_untouched();
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--conflict") == 0) {
        child_conflict(atoi(argv[2]), (unsigned)atoi(argv[3]));
        return 0;
    }
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s <library.so> <fake daemon socket> [<real daemon socket>]\n",
                argv[0]);
        return 2;
    }
    const char *lib = argv[1];

    double m[2][4][ROUNDS]; /* [without, with preload][measure][round] */
    char preload[600];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lib);
    char *env_plain[] = {NULL};
    char *env_preload[] = {preload, NULL};
    char *child_argv[] = {"bench", "--untouched", NULL};
    for (int r = 0; r < ROUNDS; r++) {
        for (int w = 0; w < 2; w++) {
            char out[256];
            run_child(out, sizeof out, w ? env_preload : env_plain, child_argv);
            CHECK(sscanf(out, "%lf %lf %lf %lf", &m[w][0][r], &m[w][1][r], &m[w][2][r],
                         &m[w][3][r]) == 4);
        }
    }
    double best[2][4], med[2][4];
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 4; k++) {
            qsort(m[w][k], ROUNDS, sizeof(double), cmp_double);
            best[w][k] = m[w][k][0];
            med[w][k] = m[w][k][ROUNDS / 2];
        }

    printf("untouched bind() path, ns per call, best and median of %d runs\n", ROUNDS);
    printf("  %-44s %17s %17s %17s\n", "", "plain", "preloaded", "difference");
    printf("  %-44s %8s %8s %8s %8s %8s %8s\n", "", "best", "median", "best", "median", "best",
           "median");
    static const char *const rows[] = {
        "bind() on a bound socket -> EINVAL (1M)",
        "socket + bind(port 0) + close (50k)",
    };
    for (int k = 0; k < 2; k++)
        printf("  %-44s %8.1f %8.1f %8.1f %8.1f %+8.1f %+8.1f\n", rows[k], best[0][k], med[0][k],
               best[1][k], med[1][k], best[1][k] - best[0][k], med[1][k] - med[0][k]);
    printf("  %-44s %8.1f %8.1f %8.1f %8.1f %+8.1f %+8.1f\n",
           "one preloaded process: libc bind | hook", best[1][2], med[1][2], best[1][3],
           med[1][3], best[1][3] - best[1][2], med[1][3] - med[1][2]);
    printf("\nconflict -> reassigned, microseconds per bind() (STYXY_NOTICE=off)\n");
    printf("  %-40s %6s %6s %10s %10s %10s\n", "daemon", "ok", "failed", "p50", "p99", "max");
    conflict_row("fake daemon (python), 2000 binds", lib, argv[2], 2000, 1, 0, 0);
    if (argc == 4) {
        if (daemon_answers_ping(argv[3])) {
            const char *n = getenv("STYXY_BENCH_REAL_N");
            const char *r = getenv("STYXY_BENCH_REAL_ROUNDS");
            const char *w = getenv("STYXY_BENCH_REAL_WARMUP");
            const char *port = getenv("STYXY_BENCH_PORT");
            char label[80];
            int count = n ? atoi(n) : 50, rounds = r ? atoi(r) : 10, warmup = w ? atoi(w) : 10;
            if (count < 1 || rounds < 1 || warmup < 0) {
                fprintf(stderr, "STYXY_BENCH_REAL_N and STYXY_BENCH_REAL_ROUNDS must be positive, "
                                "STYXY_BENCH_REAL_WARMUP zero or more\n");
                return 2;
            }
            snprintf(label, sizeof label, "real daemon, %d x %d binds on port %s", rounds, count,
                     port ? port : "8000");
            conflict_row(label, lib, argv[3], count, rounds, warmup, port ? (unsigned)atoi(port) : 8000);
        } else {
            printf("  real daemon at %s: no answer to PING, skipped\n", argv[3]);
        }
    }
    return 0;
}
