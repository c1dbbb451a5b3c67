/* Helpers shared by the interposer's tests and its benchmark. Test code: clarity first. */
#ifndef STYXY_TESTUTIL_H
#define STYXY_TESTUTIL_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Not every user of this header needs every helper. */
#define HELPER static __attribute__((unused))

/* Failures go to the stderr we started with, even while a test captures fd 2. */
static int report_fd = STDERR_FILENO;

__attribute__((format(printf, 1, 2), noreturn)) HELPER void failf(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) {
        if ((size_t)n >= sizeof buf)
            n = sizeof buf - 1;
        ssize_t ignored = write(report_fd, buf, (size_t)n);
        (void)ignored;
    }
    _exit(1);
}

#define CHECK(cond) \
    do { \
        if (!(cond)) \
            failf("%s:%d: check failed: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, errno, \
                  strerror(errno)); \
    } while (0)

#define CHECKF(cond, ...) \
    do { \
        if (!(cond)) { \
            char why_[1024]; \
            snprintf(why_, sizeof why_, __VA_ARGS__); \
            failf("%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #cond, why_); \
        } \
    } while (0)

HELPER void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
HELPER void say(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) {
        ssize_t ignored = write(report_fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
        (void)ignored;
    }
}

HELPER int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

HELPER void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* An inet address of either family from text; the family follows from the text. */
HELPER socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, unsigned port)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return sizeof *in4;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return sizeof *in6;
    }
    failf("bad address %s\n", ip);
}

HELPER int family_of(const char *ip)
{
    return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

HELPER int bind_ip(int fd, const char *ip, unsigned port)
{
    struct sockaddr_storage ss;
    socklen_t len = make_addr(&ss, ip, port);
    return bind(fd, (struct sockaddr *)&ss, len);
}

HELPER unsigned local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    CHECK(getsockname(fd, (struct sockaddr *)&ss, &len) == 0);
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* The local address of fd as text, e.g. "::ffff:127.0.0.1". */
HELPER void local_ip(int fd, char *out, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    CHECK(getsockname(fd, (struct sockaddr *)&ss, &len) == 0);
    const void *a = ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                            : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
    CHECK(inet_ntop(ss.ss_family, a, out, (socklen_t)size) != NULL);
}

/* A socket of the given type; an AF_INET6 one is dual-stack unless v6only. */
HELPER int new_socket(const char *ip, int type, int v6only)
{
    int fd = socket(family_of(ip), type | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    if (family_of(ip) == AF_INET6)
        CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == 0);
    return fd;
}

/* Keep a port busy: bound (port 0 = any) and, for TCP, listening. */
HELPER int hold_port(const char *ip, int type, unsigned port)
{
    int fd = new_socket(ip, type, 0);
    CHECKF(bind_ip(fd, ip, port) == 0, "holding %s port %u: %s", ip, port, strerror(errno));
    if (type == SOCK_STREAM)
        CHECK(listen(fd, 16) == 0);
    return fd;
}

/* The whole of a file, NUL-terminated (empty if it does not exist). */
HELPER char *read_file(const char *path)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            if (len + 1 == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                CHECK(buf != NULL);
            }
            ssize_t n = read(fd, buf + len, cap - len - 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            len += (size_t)n;
        }
        close(fd);
    }
    buf[len] = '\0';
    return buf;
}

HELPER int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = text; *p;) {
        if (strncmp(p, prefix, pl) == 0)
            n++;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

HELPER int has_line(const char *text, const char *line)
{
    size_t ll = strlen(line);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == ll && memcmp(p, line, n) == 0)
            return 1;
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

/* Redirect fd 1 or 2 to a fresh file for the duration of a test step. */
struct capture {
    int target, saved;
    char path[256];
};

HELPER void capture_start(struct capture *c, int target, const char *dir, const char *name)
{
    c->target = target;
    snprintf(c->path, sizeof c->path, "%s/capture-%s-%d-%d", dir, name, (int)getpid(), target);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    c->saved = dup(target);
    CHECK(c->saved >= 0);
    CHECK(dup2(fd, target) == target);
    close(fd);
}

HELPER char *capture_stop(struct capture *c)
{
    CHECK(dup2(c->saved, c->target) == c->target);
    close(c->saved);
    return read_file(c->path);
}

#define NOTICE_FMT "\xE2\x9C\x93 STYXY: Port %u was in use, auto-assigned port %u\n"

#endif
