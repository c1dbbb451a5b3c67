/*
 * The interposer's behaviour tests. One process per test: run-tests.sh starts a fresh fake
 * daemon (fake_daemon.py) in a fresh directory, then runs `test_bind <name>` with
 * LD_PRELOAD set to the library and
 *   STYXY_SOCKET     the fake daemon's socket
 *   STYXY_TEST_LOG   the fake daemon's log: "+ connect", "> <request>", "< <answer>"
 *   STYXY_TEST_DIR   the test's own temporary directory
 * Exit status 0 means the test passed; a failure says where and why on stderr.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <poll.h>

#define BOUND_MS 200 /* the fail-safe contract */

static const char *test_dir(void)
{
    const char *d = getenv("STYXY_TEST_DIR");
    CHECKF(d != NULL, "STYXY_TEST_DIR is not set (run the tests through run-tests.sh)");
    return d;
}

static char *daemon_log(void)
{
    const char *p = getenv("STYXY_TEST_LOG");
    CHECKF(p != NULL, "STYXY_TEST_LOG is not set");
    return read_file(p);
}

static int reassign_requests(void)
{
    char *log = daemon_log();
    int n = count_lines_starting(log, "> REASSIGN ");
    free(log);
    return n;
}

static int daemon_connections(void)
{
    char *log = daemon_log();
    int n = count_lines_starting(log, "+ connect");
    free(log);
    return n;
}

static void expect_request(long pid, unsigned port, const char *proto, const char *extra)
{
    char line[256];
    snprintf(line, sizeof line, "> REASSIGN pid=%ld port=%u proto=%s%s", pid, port, proto, extra);
    char *log = daemon_log();
    CHECKF(has_line(log, line), "the daemon never got \"%s\"; its log:\n%s", line + 2, log);
    free(log);
}

static void expect_notice(const char *text, unsigned asked, unsigned given)
{
    char want[128];
    snprintf(want, sizeof want, NOTICE_FMT, asked, given);
    CHECKF(strcmp(text, want) == 0, "expected the notice \"%s\", got \"%s\"", want, text);
}

/* A bind() to a busy port that must fail exactly as without the interposer. */
static void expect_plain_eaddrinuse(int fd, const char *ip, unsigned port)
{
    errno = 0;
    int rc = bind_ip(fd, ip, port);
    CHECKF(rc == -1 && errno == EADDRINUSE, "rc=%d errno=%d (%s)", rc, errno, strerror(errno));
}

/* Hold mode: wait until the daemon has n REASSIGN requests (and holds their answers). */
static void wait_for_requests(int n)
{
    int64_t give_up = now_ns() + 5000000000LL;
    while (reassign_requests() < n) {
        CHECKF(now_ns() < give_up, "the conflict never reached the daemon");
        sleep_ms(1);
    }
}

/* Hold mode: let the daemon send the answers it holds, and answer at once from now on. */
static void release_answers(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/go", test_dir());
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
}

/* ------------------------------------------------------------------------------------- */

/* A bind() that works, and every failure other than EADDRINUSE, pass through untouched:
 * same result, errno left as it was, no daemon contacted. */
static void test_untouched_free(void)
{
    /* A free port >= 1024: take one from the kernel, let it go, bind it by number. */
    int probe = new_socket("127.0.0.1", SOCK_STREAM, 0);
    CHECK(bind_ip(probe, "127.0.0.1", 0) == 0);
    unsigned port = local_port(probe);
    close(probe);

    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    errno = EDOM;
    CHECK(bind_ip(fd, "127.0.0.1", port) == 0);
    CHECKF(errno == EDOM, "errno changed to %d on a successful bind", errno);
    CHECK(local_port(fd) == port);

    errno = 0;
    CHECK(bind_ip(fd, "127.0.0.1", port + 1) == -1 && errno == EINVAL); /* already bound */
    errno = 0;
    CHECK(bind(fd, NULL, 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(bind(-1, NULL, 0) == -1 && errno == EBADF);
    close(fd);

    int v6 = new_socket("::1", SOCK_STREAM, 1);
    errno = ERANGE;
    CHECK(bind_ip(v6, "::1", 0) == 0 && errno == ERANGE);
    close(v6);

    CHECKF(daemon_connections() == 0, "the daemon was contacted");
}

/* The busy port is held on hold_ip; the application binds app_ip on the same port. */
static void conflict_case(const char *hold_ip, const char *app_ip, int v6only, const char *name)
{
    int holder = hold_port(hold_ip, SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int fd = new_socket(app_ip, SOCK_STREAM, v6only);

    struct capture err;
    capture_start(&err, STDERR_FILENO, test_dir(), name);
    errno = EDOM;
    int rc = bind_ip(fd, app_ip, busy);
    int e = errno;
    char *text = capture_stop(&err);

    CHECKF(rc == 0, "bind returned %d, errno %d (%s)", rc, e, strerror(e));
    CHECKF(e == EDOM, "errno after a reassigned bind is %d, not the caller's", e);
    unsigned given = local_port(fd);
    CHECKF(given != busy && given >= 1024, "getsockname says port %u", given);
    char ip[INET6_ADDRSTRLEN];
    local_ip(fd, ip, sizeof ip);
    CHECKF(strcmp(ip, app_ip) == 0, "bound on %s instead of the asked %s", ip, app_ip);
    expect_notice(text, busy, given);
    expect_request((long)getpid(), busy, "tcp", "");
    CHECK(reassign_requests() == 1);

    /* The socket is usable: listen, then reach it. */
    CHECK(listen(fd, 4) == 0);
    const char *client_ip = strcmp(app_ip, "::") == 0 ? "127.0.0.1"
                            : strncmp(app_ip, "::ffff:", 7) == 0 ? app_ip + 7 : app_ip;
    int c = new_socket(client_ip, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    socklen_t len = make_addr(&ss, client_ip, given);
    CHECKF(connect(c, (struct sockaddr *)&ss, len) == 0, "connect to %s port %u: %s", client_ip,
           given, strerror(errno));
    close(c);
    say("  %s: port %u busy on %s, %s moved to %u\n", name, busy, hold_ip, app_ip, given);
    free(text);
    close(fd);
    close(holder);
}

static void test_v4_conflict(void) { conflict_case("127.0.0.1", "127.0.0.1", 0, "v4"); }
static void test_v6_conflict(void) { conflict_case("::1", "::1", 1, "v6"); }
/* "::" with V6ONLY off, as Node, Java and Python bind by default: busy through 0.0.0.0. */
static void test_dualstack_conflict(void) { conflict_case("0.0.0.0", "::", 0, "dualstack"); }
static void test_v4mapped_conflict(void)
{
    conflict_case("127.0.0.1", "::ffff:127.0.0.1", 0, "v4mapped");
}

/* ------------------------------------------------------------------------------------- */

enum { THREADS = 16 };

struct racer {
    pthread_barrier_t *start;
    unsigned busy, given;
    int rc, err, fd;
};

static void *race_bind(void *arg)
{
    struct racer *r = arg;
    r->fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    pthread_barrier_wait(r->start);
    r->rc = bind_ip(r->fd, "127.0.0.1", r->busy);
    r->err = errno;
    r->given = r->rc == 0 ? local_port(r->fd) : 0;
    return NULL;
}

/* 16 threads bind the same busy port at the same moment: 16 distinct ports, 16 whole lines. */
static void test_threads16(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    struct racer r[THREADS];
    pthread_t t[THREADS];

    struct capture err;
    capture_start(&err, STDERR_FILENO, test_dir(), "threads");
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct racer){.start = &start, .busy = busy};
        CHECK(pthread_create(&t[i], NULL, race_bind, &r[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    char *text = capture_stop(&err);
    pthread_barrier_destroy(&start);

    for (int i = 0; i < THREADS; i++) {
        CHECKF(r[i].rc == 0, "thread %d: rc=%d errno=%d (%s)", i, r[i].rc, r[i].err,
               strerror(r[i].err));
        CHECKF(r[i].given != busy, "thread %d kept the busy port", i);
        for (int j = 0; j < i; j++)
            CHECKF(r[i].given != r[j].given, "threads %d and %d both got port %u", j, i,
                   r[i].given);
        char line[128];
        snprintf(line, sizeof line, NOTICE_FMT, busy, r[i].given);
        line[strlen(line) - 1] = '\0';
        CHECKF(has_line(text, line), "no notice for port %u in:\n%s", r[i].given, text);
        close(r[i].fd);
    }
    /* 16 newlines and each of the 16 expected lines present: the text is exactly those
     * lines, none torn or interleaved. */
    int newlines = 0;
    for (const char *p = text; *p; p++)
        newlines += *p == '\n';
    CHECKF(newlines == THREADS, "notices are not %d whole lines:\n%s", THREADS, text);
    char pidpart[64];
    snprintf(pidpart, sizeof pidpart, "> REASSIGN pid=%ld port=%u proto=tcp", (long)getpid(), busy);
    char *log = daemon_log();
    CHECKF(count_lines_starting(log, pidpart) == THREADS, "log:\n%s", log);
    free(log);
    say("  16 threads on port %u got 16 distinct ports\n", busy);
    free(text);
    close(holder);
}

/* ------------------------------------------------------------------------------------- */

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        CHECK(errno == EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In a child: conflict on busy, expect a reassignment. Exit code says what went wrong. */
static void child_conflict(unsigned busy)
{
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    int rc = bind_ip(fd, "127.0.0.1", busy);
    if (rc != 0)
        failf("child %ld: bind rc=%d errno=%d (%s)\n", (long)getpid(), rc, errno,
              strerror(errno));
    if (local_port(fd) == busy)
        failf("child: still on the busy port\n");
    _exit(0);
}

/* The conflict path works in a child forked after the parent used it, with the child's pid. */
static void test_fork_child(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    CHECK(bind_ip(fd, "127.0.0.1", busy) == 0); /* the parent's own conflict first */
    expect_request((long)getpid(), busy, "tcp", "");

    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        child_conflict(busy);
    CHECKF(wait_child(child) == 0, "the child failed");
    expect_request((long)child, busy, "tcp", "");
    CHECK(reassign_requests() == 2);
    say("  parent %ld and child %ld both reassigned from %u\n", (long)getpid(), (long)child, busy);
    close(fd);
    close(holder);
}

static int unix_sockets_open(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        int domain = 0;
        socklen_t len = sizeof domain;
        if (e->d_name[0] != '.' && fd != dirfd(d) &&
            getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX)
            n++;
    }
    closedir(d);
    return n;
}

struct background {
    unsigned busy;
    int rc, err;
};

static void *background_conflict(void *arg)
{
    struct background *b = arg;
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    b->rc = bind_ip(fd, "127.0.0.1", b->busy);
    b->err = errno;
    close(fd);
    return NULL;
}

/* fork() while another thread waits for the daemon (hold mode): the child must not inherit
 * that connection, and its own conflict path must work. */
static void test_fork_inflight(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    struct background b = {.busy = busy};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, background_conflict, &b) == 0);

    wait_for_requests(1); /* the exchange is in flight: the daemon holds its answer */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child != 0)
        release_answers();
    if (child == 0) {
        int open = unix_sockets_open();
        if (open != 0)
            failf("child: %d daemon connection(s) inherited across fork\n", open);
        child_conflict(busy);
    }
    CHECKF(wait_child(child) == 0, "the child failed");
    pthread_join(t, NULL);
    CHECKF(b.rc == 0, "background bind rc=%d errno=%d (%s)", b.rc, b.err, strerror(b.err));
    expect_request((long)child, busy, "tcp", "");
    CHECK(unix_sockets_open() == 0);
    close(holder);
}

struct cancellable {
    unsigned busy;
    int rc, err, returned;
};

static void *bind_then_test_cancel(void *arg)
{
    struct cancellable *c = arg;
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    c->rc = bind_ip(fd, "127.0.0.1", c->busy);
    c->err = errno;
    c->returned = 1;
    pthread_testcancel(); /* the first cancellation point after bind() */
    return NULL;
}

/* bind() is not a cancellation point, so a thread cancelled while its bind() waits for the
 * daemon (hold mode) finishes the bind() and is cancelled afterwards. */
static void test_cancel_during_conflict(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    struct cancellable c = {.busy = local_port(holder)};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, bind_then_test_cancel, &c) == 0);
    wait_for_requests(1);
    CHECK(pthread_cancel(t) == 0);
    release_answers();
    void *result;
    CHECK(pthread_join(t, &result) == 0);
    CHECK(result == PTHREAD_CANCELED);
    CHECKF(c.returned, "the thread was cancelled inside bind()");
    CHECKF(c.rc == 0, "bind rc=%d errno=%d (%s)", c.rc, c.err, strerror(c.err));
    close(holder);
}

/* An MPTCP socket is a TCP socket to the daemon (when the kernel has MPTCP at all). */
static void test_mptcp_conflict(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
    if (fd < 0) {
        say("  no MPTCP in this kernel (%s): nothing to check\n", strerror(errno));
        return;
    }
    CHECKF(bind_ip(fd, "127.0.0.1", busy) == 0, "errno %d (%s)", errno, strerror(errno));
    CHECK(local_port(fd) != busy);
    expect_request((long)getpid(), busy, "tcp", "");
    close(holder);
}

/* ------------------------------------------------------------------------------------- */

/* Written by the handler, which runs on the main thread, and read by the main thread only.
 * The helper thread learns that the handler ran through a pipe, not through memory. */
static volatile sig_atomic_t handler_rc = 1, handler_errno, handler_done;
static unsigned handler_port;
static int handler_pipe[2];

static void bind_from_handler(int sig)
{
    (void)sig;
    int saved = errno;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    handler_rc = bind_ip(fd, "127.0.0.1", handler_port);
    handler_errno = errno;
    close(fd);
    handler_done = 1;
    ssize_t ignored = write(handler_pipe[1], "x", 1);
    (void)ignored;
    errno = saved;
}

/* Signals the main thread while its bind() waits for the daemon, then lets the daemon answer. */
static void *interrupt_conflict(void *arg)
{
    pthread_t main_thread = *(pthread_t *)arg;
    wait_for_requests(1);
    CHECK(pthread_kill(main_thread, SIGUSR1) == 0);
    struct pollfd p = {.fd = handler_pipe[0], .events = POLLIN};
    (void)poll(&p, 1, 5000);
    release_answers();
    return NULL;
}

/* A bind() from a signal handler that interrupts the conflict path is not interposed a
 * second time (thread-local guard): it gets the plain EADDRINUSE, nothing deadlocks, and
 * the interrupted bind() still completes. */
static void test_reentry_signal(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    handler_port = local_port(holder);
    CHECK(pipe2(handler_pipe, O_CLOEXEC) == 0);
    struct sigaction sa = {.sa_handler = bind_from_handler};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

    pthread_t self = pthread_self(), helper;
    CHECK(pthread_create(&helper, NULL, interrupt_conflict, &self) == 0);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    int rc = bind_ip(fd, "127.0.0.1", handler_port); /* answered only after the handler ran */
    int e = errno;
    pthread_join(helper, NULL);
    CHECKF(handler_done, "the signal handler never ran");
    CHECKF(rc == 0, "the interrupted conflict failed: errno %d (%s)", e, strerror(e));
    CHECKF(handler_rc == -1 && handler_errno == EADDRINUSE, "bind in the handler: rc=%d errno=%d",
           (int)handler_rc, (int)handler_errno);
    CHECK(reassign_requests() == 1);
    close(fd);
    close(holder);
}

/* ------------------------------------------------------------------------------------- */

static int64_t timed_conflict(unsigned busy)
{
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    int64_t t0 = now_ns();
    expect_plain_eaddrinuse(fd, "127.0.0.1", busy);
    int64_t elapsed = now_ns() - t0;
    close(fd);
    return elapsed;
}

/* No daemon: EADDRINUSE within the bound; then a daemon appears, but for a few seconds the
 * process remembers it as down and does not even try to connect. */
static void test_daemon_absent(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int64_t first = timed_conflict(busy);
    CHECKF(first <= BOUND_MS * 1000000LL, "took %.1f ms", first / 1e6);

    const char *path = getenv("STYXY_SOCKET");
    CHECK(path != NULL);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    CHECK(bind(l, (struct sockaddr *)&sun, sizeof sun) == 0);
    CHECK(listen(l, 16) == 0);

    int64_t second = timed_conflict(busy);
    CHECKF(second <= BOUND_MS * 1000000LL, "took %.1f ms", second / 1e6);
    errno = 0;
    CHECKF(accept(l, NULL, NULL) == -1 && errno == EAGAIN,
           "the second conflict connected although the daemon was remembered as down");
    say("  no daemon: EADDRINUSE after %.3f ms, then %.3f ms (remembered as down)\n", first / 1e6,
        second / 1e6);
    close(l);
    close(holder);
}

/* A daemon that accepts and never answers: EADDRINUSE within the bound, remembered. */
static void test_daemon_hung(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int64_t first = timed_conflict(busy);
    CHECKF(first <= BOUND_MS * 1000000LL, "took %.1f ms", first / 1e6);
    /* The kernel queued the connection at once; a loaded daemon may log it a little later. */
    int64_t give_up = now_ns() + 5000000000LL;
    while (daemon_connections() == 0 && now_ns() < give_up)
        sleep_ms(1);
    CHECK(daemon_connections() == 1);
    int64_t second = timed_conflict(busy);
    CHECKF(second <= BOUND_MS * 1000000LL, "took %.1f ms", second / 1e6);
    sleep_ms(100); /* a connection, had there been one, would be logged by now */
    CHECKF(daemon_connections() == 1, "the second conflict contacted the hung daemon");
    say("  hung daemon: EADDRINUSE after %.1f ms, then %.3f ms (remembered as down)\n",
        first / 1e6, second / 1e6);
    close(holder);
}

/* ERR from the daemon: plain EADDRINUSE. The daemon is alive, so it is asked again next time. */
static void test_daemon_refuses(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int64_t first = timed_conflict(busy);
    int64_t second = timed_conflict(busy);
    CHECK(first <= BOUND_MS * 1000000LL && second <= BOUND_MS * 1000000LL);
    CHECK(reassign_requests() == 2);
    close(holder);
}

/* Malformed answers (the daemon cycles through them) are all refused: each child process,
 * fresh with no memory of a down daemon, must get the plain EADDRINUSE. */
static void test_garbage_answers(void)
{
    char *log = daemon_log();
    int variants = 0;
    CHECKF(sscanf(log, "# garbage-variants %d", &variants) == 1 && variants > 0,
           "the daemon is not in garbage mode");
    free(log);
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    for (int i = 0; i < variants; i++) {
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
            int rc = bind_ip(fd, "127.0.0.1", busy);
            if (rc != -1 || errno != EADDRINUSE)
                failf("garbage answer %d was accepted: rc=%d, port %u\n", i, rc,
                      rc == 0 ? local_port(fd) : 0);
            _exit(0);
        }
        CHECKF(wait_child(child) == 0, "variant %d", i);
    }
    CHECK(reassign_requests() == variants);
    close(holder);
}

/* The daemon first hands out a port that is busy: the library says failed=<it> and binds
 * the next one. */
static void test_race_retry(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    struct capture err;
    capture_start(&err, STDERR_FILENO, test_dir(), "race");
    int rc = bind_ip(fd, "127.0.0.1", busy);
    char *text = capture_stop(&err);
    CHECKF(rc == 0, "errno %d (%s)", errno, strerror(errno));

    char *log = daemon_log();
    unsigned lost = 0;
    const char *first = strstr(log, "< OK port=");
    CHECK(first != NULL && sscanf(first, "< OK port=%u", &lost) == 1);
    char extra[64];
    snprintf(extra, sizeof extra, " failed=%u", lost);
    expect_request((long)getpid(), busy, "tcp", "");
    expect_request((long)getpid(), busy, "tcp", extra);
    unsigned given = local_port(fd);
    CHECK(given != lost && given != busy);
    expect_notice(text, busy, given);
    say("  lost the race for %u, retried with failed=%u, got %u\n", lost, lost, given);
    free(log);
    free(text);
    close(fd);
    close(holder);
}

/* Every port the daemon names is busy: three asks, then the last lease is released and the
 * caller gets EADDRINUSE, within the bound. */
static void test_race_exhausted(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int64_t took = timed_conflict(busy);
    CHECKF(took <= BOUND_MS * 1000000LL, "took %.1f ms", took / 1e6);
    CHECK(reassign_requests() == 3);
    char *log = daemon_log();
    CHECKF(count_lines_starting(log, "> RELEASE lock=lease-3") == 1, "log:\n%s", log);
    CHECKF(count_lines_starting(log, "< OK port=") == 4, "log:\n%s", log); /* 3 + release */
    free(log);
}

/* ------------------------------------------------------------------------------------- */

/* STYXY_DISABLE_REASSIGN=1 (set by run-tests.sh): plain EADDRINUSE, daemon untouched. */
static void test_disabled(void)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    expect_plain_eaddrinuse(fd, "127.0.0.1", local_port(holder));
    CHECK(daemon_connections() == 0);
}

/* Reassigned with the notice sent to want_fd (0 = nowhere); the other fd stays silent. */
static void notice_case(int want_fd)
{
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    struct capture out, err;
    capture_start(&out, STDOUT_FILENO, test_dir(), "notice");
    capture_start(&err, STDERR_FILENO, test_dir(), "notice");
    int rc = bind_ip(fd, "127.0.0.1", busy);
    char *e = capture_stop(&err);
    char *o = capture_stop(&out);
    CHECK(rc == 0);
    unsigned given = local_port(fd);
    if (want_fd == STDOUT_FILENO)
        expect_notice(o, busy, given);
    else
        CHECKF(o[0] == '\0', "stdout got \"%s\"", o);
    if (want_fd == STDERR_FILENO)
        expect_notice(e, busy, given);
    else
        CHECKF(e[0] == '\0', "stderr got \"%s\"", e);
    free(o);
    free(e);
}

static void test_notice_off(void) { notice_case(0); }
static void test_notice_stdout(void) { notice_case(STDOUT_FILENO); }
static void test_notice_stderr(void) { notice_case(STDERR_FILENO); }

/* UDP is left alone unless STYXY_REASSIGN_UDP=1. */
static void test_udp_default(void)
{
    int holder = hold_port("127.0.0.1", SOCK_DGRAM, 0);
    int fd = new_socket("127.0.0.1", SOCK_DGRAM, 0);
    expect_plain_eaddrinuse(fd, "127.0.0.1", local_port(holder));
    CHECK(daemon_connections() == 0);
}

static void test_udp_optin(void)
{
    int holder = hold_port("127.0.0.1", SOCK_DGRAM, 0);
    unsigned busy = local_port(holder);
    int fd = new_socket("127.0.0.1", SOCK_DGRAM, 0);
    CHECKF(bind_ip(fd, "127.0.0.1", busy) == 0, "errno %d (%s)", errno, strerror(errno));
    CHECK(local_port(fd) != busy);
    expect_request((long)getpid(), busy, "udp", "");
}

/* Below 1024 nothing is interposed: a busy privileged port (when this user may bind one)
 * gives plain EADDRINUSE, otherwise the kernel's EACCES comes through. */
static void test_privileged_port(void)
{
    int holder = -1;
    unsigned port;
    for (port = 1023; port >= 900 && holder < 0; port--) {
        holder = new_socket("127.0.0.1", SOCK_STREAM, 0);
        if (bind_ip(holder, "127.0.0.1", port) == 0 && listen(holder, 1) == 0)
            break;
        close(holder);
        holder = -1;
    }
    int fd = new_socket("127.0.0.1", SOCK_STREAM, 0);
    if (holder >= 0) {
        expect_plain_eaddrinuse(fd, "127.0.0.1", port);
        say("  busy privileged port %u: plain EADDRINUSE\n", port);
    } else {
        errno = 0;
        CHECK(bind_ip(fd, "127.0.0.1", 1023) == -1 && errno == EACCES);
        say("  not allowed to bind below 1024: EACCES passed through\n");
    }
    CHECK(daemon_connections() == 0);
}

/* Port 0 asks the kernel for any port: never interposed, errno untouched. */
static void test_port_zero(void)
{
    for (int i = 0; i < 3; i++) {
        const char *ip = i == 0 ? "127.0.0.1" : i == 1 ? "::1" : "0.0.0.0";
        int fd = new_socket(ip, i == 2 ? SOCK_DGRAM : SOCK_STREAM, 1);
        errno = ENOTTY;
        CHECK(bind_ip(fd, ip, 0) == 0 && errno == ENOTTY);
        CHECK(local_port(fd) >= 1024);
        close(fd);
    }
    CHECK(daemon_connections() == 0);
}

/* Socket path precedence: $STYXY_SOCKET, then $STYXY_HOME/styxy.sock, then
 * $HOME/.styxy/styxy.sock. The variables are read at conflict time, so setenv() works. */
static void test_socket_path(void)
{
    const char *real = getenv("STYXY_SOCKET");
    CHECK(real != NULL);
    char sock[512], home[256], styxy_home[256], dot[300], link[512];
    snprintf(sock, sizeof sock, "%s", real);
    snprintf(home, sizeof home, "%s/home", test_dir());
    snprintf(dot, sizeof dot, "%s/.styxy", home);
    snprintf(styxy_home, sizeof styxy_home, "%s/state", test_dir());
    CHECK(mkdir(home, 0700) == 0 && mkdir(dot, 0700) == 0 && mkdir(styxy_home, 0700) == 0);
    int holder = hold_port("127.0.0.1", SOCK_STREAM, 0);
    unsigned busy = local_port(holder);
    setenv("STYXY_NOTICE", "off", 1);

    /* $HOME/.styxy/styxy.sock */
    snprintf(link, sizeof link, "%s/styxy.sock", dot);
    CHECK(symlink(sock, link) == 0);
    unsetenv("STYXY_SOCKET");
    unsetenv("STYXY_HOME");
    setenv("HOME", home, 1);
    int a = new_socket("127.0.0.1", SOCK_STREAM, 0);
    CHECKF(bind_ip(a, "127.0.0.1", busy) == 0, "via $HOME: errno %d", errno);

    /* $STYXY_HOME/styxy.sock wins over $HOME (whose socket is gone now) */
    CHECK(unlink(link) == 0);
    snprintf(link, sizeof link, "%s/styxy.sock", styxy_home);
    CHECK(symlink(sock, link) == 0);
    setenv("STYXY_HOME", styxy_home, 1);
    int b = new_socket("127.0.0.1", SOCK_STREAM, 0);
    CHECKF(bind_ip(b, "127.0.0.1", busy) == 0, "via $STYXY_HOME: errno %d", errno);

    /* $STYXY_SOCKET wins over both: pointing it nowhere makes the conflict fail */
    char nowhere[600];
    snprintf(nowhere, sizeof nowhere, "%s/nowhere.sock", test_dir());
    setenv("STYXY_SOCKET", nowhere, 1);
    int c = new_socket("127.0.0.1", SOCK_STREAM, 0);
    expect_plain_eaddrinuse(c, "127.0.0.1", busy);
    CHECK(reassign_requests() == 2);
}

/* ------------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    void (*run)(void);
} TESTS[] = {
    {"untouched_free", test_untouched_free},
    {"v4_conflict", test_v4_conflict},
    {"v6_conflict", test_v6_conflict},
    {"dualstack_conflict", test_dualstack_conflict},
    {"v4mapped_conflict", test_v4mapped_conflict},
    {"threads16", test_threads16},
    {"fork_child", test_fork_child},
    {"fork_inflight", test_fork_inflight},
    {"reentry_signal", test_reentry_signal},
    {"cancel_during_conflict", test_cancel_during_conflict},
    {"mptcp_conflict", test_mptcp_conflict},
    {"daemon_absent", test_daemon_absent},
    {"daemon_hung", test_daemon_hung},
    {"daemon_refuses", test_daemon_refuses},
    {"garbage_answers", test_garbage_answers},
    {"race_retry", test_race_retry},
    {"race_exhausted", test_race_exhausted},
    {"disabled", test_disabled},
    {"notice_off", test_notice_off},
    {"notice_stdout", test_notice_stdout},
    {"notice_stderr", test_notice_stderr},
    {"udp_default", test_udp_default},
    {"udp_optin", test_udp_optin},
    {"privileged_port", test_privileged_port},
    {"port_zero", test_port_zero},
    {"socket_path", test_socket_path},
};

int main(int argc, char **argv)
{
    report_fd = dup(STDERR_FILENO);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++)
            printf("%s\n", TESTS[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s <test> | --list\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        if (strcmp(argv[1], TESTS[i].name) == 0) {
            TESTS[i].run();
            return 0;
        }
    }
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
}
