/*
 * libstyxy-interpose: move a server whose port is taken to a port Styxy leases to it.
 *
 * Loaded with LD_PRELOAD, it defines bind() and nothing else. The real bind() always runs
 * first ("try first") and its result is handed back untouched, unless it failed with
 * EADDRINUSE on a TCP socket (UDP when STYXY_REASSIGN_UDP says so) of family AF_INET or
 * AF_INET6 for a port >= 1024. Only then the daemon is asked, over its Unix socket, for a
 * port leased to this pid; that port is bound on the caller's address and one notice line
 * is written. Whatever goes wrong on the way, the caller gets the EADDRINUSE it would
 * have got without us, within a bounded time.
 *
 * The untouched path costs one pthread_once check, one errno read and one indirect call:
 * no allocation, no lock, no system call of our own.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262 /* C library headers older than the kernel's */
#endif

#define EXPORT __attribute__((visibility("default")))
/* The re-entry flags are read on the conflict path only, but initial-exec keeps every TLS
 * access a single %fs-relative instruction instead of a call to __tls_get_addr. */
#define TLS __thread __attribute__((tls_model("initial-exec")))

enum {
    FIRST_UNPRIVILEGED_PORT = 1024,
    MAX_TRIES = 3,          /* asks per conflict: the first one plus two lost races */
    BUDGET_MS = 150,        /* the whole conflict path; the contract is 200 ms */
    DOWN_MEMORY_MS = 5000,  /* after a failed exchange, later conflicts skip the daemon */
    MAX_LINE = 1024,        /* protocol limit on a line, newline included */
    MAX_LOCK_ID = 128,
    MAX_IN_FLIGHT = 64,     /* daemon connections tracked for the fork child */
};

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

/* ---------------------------------------------------------------------------------------
 * Resolving the real bind(): once, at the first call, not in a constructor (resolving
 * symbols while the process is still being set up upsets debuggers and valgrind).
 * ------------------------------------------------------------------------------------- */

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;
static bind_fn real_bind;

/* glibc declares bind()'s address as a transparent union when _GNU_SOURCE is on. */
#if defined(__GLIBC__) && defined(__USE_GNU)
#define SOCKADDR_PTR(arg) ((arg).__sockaddr__)
#else
#define SOCKADDR_PTR(arg) (arg)
#endif

EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len);
/* A hidden name for our own bind(): taking the address of the exported one would go
 * through the GOT and could name somebody else's definition. */
extern __typeof(bind) styxy_self_bind
    __attribute__((copy(bind), alias("bind"), visibility("hidden")));

static void die(const char *msg)
{
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
    abort();
}

static void resolve_real_bind(void)
{
    int saved_errno = errno; /* dlsym may touch errno; the caller must not see it */
    void *sym = dlsym(RTLD_NEXT, "bind");
    if (sym == NULL)
        die("styxy-interpose: dlsym(RTLD_NEXT, \"bind\") found no bind() after this library;"
            " it cannot work in this process\n");
    if (sym == (void *)&styxy_self_bind)
        die("styxy-interpose: dlsym(RTLD_NEXT, \"bind\") resolved to the interposer itself;"
            " refusing to recurse\n");
    /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
    memcpy(&real_bind, &sym, sizeof real_bind);
    errno = saved_errno;
}

/* ---------------------------------------------------------------------------------------
 * Process-wide state of the conflict path, and what fork() must do with it.
 * ------------------------------------------------------------------------------------- */

/* CLOCK_MONOTONIC nanoseconds until which the daemon counts as down; 0 when it is not. */
static _Atomic int64_t daemon_down_until;

/* Open daemon connections, so that a child forked in the middle of an exchange closes its
 * copies at once (otherwise it would hold the daemon's connection open for its lifetime).
 * Slots hold fd + 1 (0 = free). Socket creation and close happen under the lock, so a
 * fork() never sees a slot naming a descriptor that has been closed and reused. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static int in_flight[MAX_IN_FLIGHT];
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* This thread is inside the conflict path: a bind() it makes meanwhile (from a signal
 * handler, or from another interposer we call into) goes straight to the real bind(). */
static TLS int tls_in_conflict;
/* This thread holds table_lock: a fork() from a signal handler must not wait for it. */
static TLS int tls_holds_table;
static TLS int tls_prepare_locked;
/* This thread's own daemon connection (fd + 1, 0 = none): should it fork() from a signal
 * handler in the middle of an exchange, the child resumes that exchange and needs it. */
static TLS int tls_own_connection;

static void atfork_prepare(void)
{
    tls_prepare_locked = !tls_holds_table;
    if (tls_prepare_locked)
        pthread_mutex_lock(&table_lock);
}

static void atfork_parent(void)
{
    if (tls_prepare_locked)
        pthread_mutex_unlock(&table_lock);
}

static void atfork_child(void)
{
    /* The threads that were talking to the daemon do not exist here. */
    for (int i = 0; i < MAX_IN_FLIGHT; i++) {
        if (in_flight[i] != 0 && in_flight[i] != tls_own_connection) {
            close(in_flight[i] - 1);
            in_flight[i] = 0;
        }
    }
    if (tls_prepare_locked)
        pthread_mutex_unlock(&table_lock);
    /* daemon_down_until is kept: the daemon is as down for the child as for the parent. */
}

static void register_atfork(void)
{
    /* Registered on the first conflict, not at load: the untouched path never allocates.
     * Should registration fail, forked children only keep a stray daemon connection. */
    (void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static int daemon_socket_open(void)
{
    pthread_mutex_lock(&table_lock);
    tls_holds_table = 1;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        tls_own_connection = s + 1;
        for (int i = 0; i < MAX_IN_FLIGHT; i++) {
            if (in_flight[i] == 0) {
                in_flight[i] = s + 1;
                break;
            }
        }
    }
    tls_holds_table = 0;
    pthread_mutex_unlock(&table_lock);
    return s;
}

static void daemon_socket_close(int s)
{
    pthread_mutex_lock(&table_lock);
    tls_holds_table = 1;
    for (int i = 0; i < MAX_IN_FLIGHT; i++) {
        if (in_flight[i] == s + 1) {
            in_flight[i] = 0;
            break;
        }
    }
    close(s);
    tls_own_connection = 0;
    tls_holds_table = 0;
    pthread_mutex_unlock(&table_lock);
}

/* ---------------------------------------------------------------------------------------
 * Small helpers.
 * ------------------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds left until the deadline, rounded up so that poll() never wakes early. */
static int ms_left(int64_t deadline)
{
    int64_t left = deadline - now_ns();
    if (left <= 0)
        return 0;
    return (int)((left + 999999) / 1000000);
}

static void remember_daemon_down(void)
{
    atomic_store_explicit(&daemon_down_until, now_ns() + (int64_t)DOWN_MEMORY_MS * 1000000,
                          memory_order_relaxed);
}

static int daemon_known_down(void)
{
    int64_t until = atomic_load_explicit(&daemon_down_until, memory_order_relaxed);
    return until != 0 && now_ns() < until;
}

/* secure_getenv: a setuid program is never steered by its caller's environment. */
static const char *env(const char *name)
{
    const char *v = secure_getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

static int env_true(const char *name)
{
    const char *v = env(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
                         strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
}

/* $STYXY_SOCKET, else $STYXY_HOME/styxy.sock, else $HOME/.styxy/styxy.sock. */
static int daemon_socket_path(char *out, size_t size)
{
    const char *v;
    int n;
    if ((v = env("STYXY_SOCKET")) != NULL)
        n = snprintf(out, size, "%s", v);
    else if ((v = env("STYXY_HOME")) != NULL)
        n = snprintf(out, size, "%s/styxy.sock", v);
    else if ((v = env("HOME")) != NULL)
        n = snprintf(out, size, "%s/.styxy/styxy.sock", v);
    else
        return -1;
    return (n > 0 && (size_t)n < size) ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------
 * The daemon exchange: non-blocking, every wait bounded by one deadline.
 * ------------------------------------------------------------------------------------- */

static int wait_for(int s, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = s, .events = events};
        int timeout = ms_left(deadline);
        if (timeout == 0)
            return -1;
        int r = poll(&p, 1, timeout);
        if (r > 0)
            return 0; /* readiness, or an error the next call will report */
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static int daemon_connect(int64_t deadline)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (daemon_socket_path(sun.sun_path, sizeof sun.sun_path) != 0)
        return -1;
    int s = daemon_socket_open();
    if (s < 0)
        return -1;
    for (int pause_ms = 1; connect(s, (struct sockaddr *)&sun, sizeof sun) != 0;) {
        /* EAGAIN: the listen backlog is full (Linux says so instead of ECONNREFUSED). The
         * daemon is busy, e.g. a burst of conflicts from many threads, not gone: try again
         * shortly, within the deadline. */
        if (errno == EAGAIN) {
            int left = ms_left(deadline);
            if (left == 0)
                goto fail;
            (void)poll(NULL, 0, pause_ms < left ? pause_ms : left);
            pause_ms = pause_ms < 8 ? pause_ms * 2 : 8;
            continue;
        }
        /* EINPROGRESS (or EINTR) leaves a connection to wait for; anything else, such as
         * ENOENT or ECONNREFUSED, means nobody is there. */
        int err = 0;
        socklen_t el = sizeof err;
        if ((errno != EINPROGRESS && errno != EINTR) || wait_for(s, POLLOUT, deadline) != 0 ||
            getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
            goto fail;
        break;
    }
    /* The daemon only serves its own user; we only believe a daemon of our own user. */
    struct ucred peer;
    socklen_t pl = sizeof peer;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &peer, &pl) != 0 || peer.uid != geteuid())
        goto fail;
    return s;
fail:
    daemon_socket_close(s);
    return -1;
}

/* Send one request line, read one answer line (without its newline) into line[MAX_LINE].
 * -1 on any transport trouble: error, EOF, timeout, over-long line, stray bytes. */
static int exchange(int s, const char *req, size_t req_len, char *line, int64_t deadline)
{
    size_t sent = 0;
    while (sent < req_len) {
        ssize_t n = send(s, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (n > 0)
            sent += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN) {
            if (wait_for(s, POLLOUT, deadline) != 0)
                return -1;
        } else
            return -1;
    }
    size_t got = 0;
    for (;;) {
        if (got == MAX_LINE)
            return -1;
        ssize_t n = recv(s, line + got, MAX_LINE - got, 0);
        if (n > 0) {
            char *nl = memchr(line + got, '\n', (size_t)n);
            got += (size_t)n;
            if (nl != NULL) {
                /* One answer per request: anything after the newline is a broken peer. */
                if (nl != line + got - 1)
                    return -1;
                *nl = '\0';
                return 0;
            }
        } else if (n == 0) {
            return -1;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN) {
            if (wait_for(s, POLLIN, deadline) != 0)
                return -1;
        } else {
            return -1;
        }
    }
}

enum answer { ANSWER_OK, ANSWER_ERR, ANSWER_GARBAGE };

struct lease {
    unsigned port;
    char lock[MAX_LOCK_ID + 1]; /* empty when the daemon named none */
};

/* A port: 1 to 5 decimal digits, no sign, no leading zero, 1..65535. */
static int parse_port(const char *s, size_t n, unsigned *out)
{
    if (n == 0 || n > 5 || s[0] == '0')
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* "OK port=<p> [key=value ...]" with single spaces; unknown keys are allowed. */
static enum answer parse_answer(const char *line, struct lease *lease)
{
    if (strncmp(line, "ERR", 3) == 0 && (line[3] == ' ' || line[3] == '\0'))
        return ANSWER_ERR;
    if (strncmp(line, "OK ", 3) != 0)
        return ANSWER_GARBAGE;
    int have_port = 0;
    lease->lock[0] = '\0';
    const char *p = line + 3;
    for (;;) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0)
            return ANSWER_GARBAGE; /* empty token: double or trailing space */
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x21 || p[i] == 0x7f)
                return ANSWER_GARBAGE;
        if (n >= 5 && memcmp(p, "port=", 5) == 0) {
            if (have_port || parse_port(p + 5, n - 5, &lease->port) != 0)
                return ANSWER_GARBAGE;
            have_port = 1;
        } else if (n >= 5 && memcmp(p, "lock=", 5) == 0 && n - 5 <= MAX_LOCK_ID) {
            memcpy(lease->lock, p + 5, n - 5);
            lease->lock[n - 5] = '\0';
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return have_port ? ANSWER_OK : ANSWER_GARBAGE;
}

/* Give back a lease we cannot use, so that it does not sit idle until we exit. */
static void release_lease(int s, const struct lease *lease, int64_t deadline)
{
    if (lease->lock[0] == '\0')
        return;
    char req[MAX_LOCK_ID + 32], line[MAX_LINE];
    int n = snprintf(req, sizeof req, "RELEASE lock=%s\n", lease->lock);
    if (n > 0 && (size_t)n < sizeof req)
        (void)exchange(s, req, (size_t)n, line, deadline);
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* Ask for a port, bind it on the caller's address; on a lost race (the port was taken
 * between the daemon's probe and our bind) say failed=<port> and ask again.
 * Returns the port now bound, or 0. */
static unsigned reassign(int fd, struct sockaddr_storage *addr, socklen_t len, unsigned asked,
                         const char *proto)
{
    int64_t deadline = now_ns() + (int64_t)BUDGET_MS * 1000000;
    int s = daemon_connect(deadline);
    if (s < 0) {
        remember_daemon_down();
        return 0;
    }
    unsigned bound = 0, failed = 0;
    char req[96], line[MAX_LINE];
    struct lease lease;
    long pid = (long)getpid(); /* not cached: a forked child asks with its own pid */
    for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
        int n = failed ? snprintf(req, sizeof req, "REASSIGN pid=%ld port=%u proto=%s failed=%u\n",
                                  pid, asked, proto, failed)
                       : snprintf(req, sizeof req, "REASSIGN pid=%ld port=%u proto=%s\n", pid,
                                  asked, proto);
        if (exchange(s, req, (size_t)n, line, deadline) != 0) {
            remember_daemon_down(); /* absent, hung or too slow: same thing to the caller */
            break;
        }
        enum answer a = parse_answer(line, &lease);
        if (a == ANSWER_ERR)
            break; /* the daemon is alive and said no (e.g. EXHAUSTED): no reason to wait */
        if (a == ANSWER_GARBAGE) {
            remember_daemon_down(); /* not speaking our protocol: treat it as absent */
            break;
        }
        set_port(addr, lease.port);
        if (real_bind(fd, (struct sockaddr *)addr, len) == 0) {
            bound = lease.port;
            break;
        }
        if (errno != EADDRINUSE || attempt == MAX_TRIES - 1) {
            release_lease(s, &lease, deadline);
            break;
        }
        failed = lease.port;
    }
    daemon_socket_close(s);
    return bound;
}

/* One line, one write(2), so lines from several threads or processes never interleave.
 * SIGPIPE is held back: a closed stderr must not kill a process that never writes to it. */
static void notice(unsigned asked, unsigned given)
{
    const char *where = env("STYXY_NOTICE");
    int out = STDERR_FILENO;
    if (where != NULL && strcmp(where, "off") == 0)
        return;
    if (where != NULL && strcmp(where, "stdout") == 0)
        out = STDOUT_FILENO;
    char msg[96];
    int n = snprintf(msg, sizeof msg,
                     "\xE2\x9C\x93 STYXY: Port %u was in use, auto-assigned port %u\n", asked,
                     given);
    if (n <= 0 || (size_t)n >= sizeof msg)
        return;

    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    ssize_t w;
    do
        w = write(out, msg, (size_t)n);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno == EPIPE && !was_pending) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
}

/* Everything after a real bind() that failed with EADDRINUSE. Returns what bind() returns.
 * Kept out of line: inlined, its buffers and saved registers would cost every bind(). */
__attribute__((noinline, cold)) static int on_conflict(int fd, const struct sockaddr *addr, socklen_t len, int caller_errno)
{
    unsigned port;
    if (tls_in_conflict || addr == NULL || len < sizeof(sa_family_t))
        goto untouched;
    if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
        port = ntohs(((const struct sockaddr_in *)addr)->sin_port);
    else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
        port = ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    else
        goto untouched;
    if (port < FIRST_UNPRIVILEGED_PORT)
        goto untouched;

    /* SO_PROTOCOL as well as SO_TYPE: an SCTP socket can be SOCK_STREAM too; MPTCP is TCP. */
    int type = 0, protocol = 0;
    socklen_t tl = sizeof type, pl = sizeof protocol;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &pl) != 0)
        goto untouched;
    const char *proto;
    if (type == SOCK_STREAM && (protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP))
        proto = "tcp";
    else if (type == SOCK_DGRAM && protocol == IPPROTO_UDP && env_true("STYXY_REASSIGN_UDP"))
        proto = "udp";
    else
        goto untouched;
    if (env_true("STYXY_DISABLE_REASSIGN") || daemon_known_down())
        goto untouched;

    /* The caller's address is const and may be shared: work on a copy, change the port. */
    struct sockaddr_storage copy;
    if (len > sizeof copy)
        goto untouched;
    memset(&copy, 0, sizeof copy);
    memcpy(&copy, addr, len);

    /* bind() is not a cancellation point; connect(), poll(), recv() and write() are. A
     * thread must not be cancelled inside a bind() because of us. */
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    tls_in_conflict = 1;
    pthread_once(&atfork_once, register_atfork);
    unsigned given = reassign(fd, &copy, len, port, proto);
    if (given != 0)
        notice(port, given);
    tls_in_conflict = 0;
    pthread_setcancelstate(cancel_state, NULL);
    if (given != 0) {
        errno = caller_errno; /* a successful bind() leaves errno as it found it */
        return 0;
    }
untouched:
    errno = EADDRINUSE;
    return -1;
}

EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr_arg, socklen_t len)
{
    const struct sockaddr *addr = SOCKADDR_PTR(addr_arg);
    int caller_errno = errno;
    pthread_once(&resolve_once, resolve_real_bind);
    int rc = real_bind(fd, addr, len);
    if (__builtin_expect(rc == 0 || errno != EADDRINUSE, 1))
        return rc;
    return on_conflict(fd, addr, len, caller_errno);
}
