/*
 * tcp: can a TCP connection to the target's port be opened, and how long
 * does the handshake take. Codec terminals expose SIP (5060) and H.323
 * (1720); servers 22, 80, 443.
 *
 * A round is one non-blocking connect(): writable means the handshake
 * finished (SO_ERROR says how), no answer within the timeout is a bad
 * round. The socket is closed with an RST (SO_LINGER 0) so that thousands
 * of checks do not leave thousands of sockets in TIME_WAIT on the prober.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plugin.h"

struct tcp_check {
    long port; /* option */
    /* per-check state */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int fd;
    pd_ns sent;
    pd_watch *watch;
    pd_timer *timer;
};

static const struct pd_option tcp_options[] = {
    {"port", PD_OPT_PORT, offsetof(struct tcp_check, port), NULL, "TCP port to connect to"},
};

static int tcp_start(pd_check *check, void *params, char *err, size_t errlen)
{
    (void)check;
    (void)err;
    (void)errlen;
    struct tcp_check *tc = params;
    tc->fd = -1;
    return 0;
}

static void round_end(pd_check *check, struct tcp_check *tc, enum pd_verdict ok, const char *reason,
                      double connect_ms)
{
    pd_watch_cancel(tc->watch);
    pd_timer_cancel(tc->timer);
    tc->watch = NULL;
    tc->timer = NULL;
    if (tc->fd >= 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(tc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(tc->fd);
        tc->fd = -1;
    }
    struct pd_metric m = {"connect_ms", connect_ms};
    struct pd_result r = {.ok = ok, .reason = reason, .metrics = &m, .n_metrics = 1};
    pd_submit(check, &r);
}

static void on_writable(pd_check *check, int fd, unsigned revents, void *arg)
{
    (void)revents;
    struct tcp_check *tc = arg;
    pd_ns done = pd_now(check);
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr == 0) {
        round_end(check, tc, PD_OK, NULL, (double)(done - tc->sent) / 1e6);
        return;
    }
    char reason[128];
    snprintf(reason, sizeof(reason), "port %ld: %s", tc->port, strerror(soerr));
    round_end(check, tc, PD_BAD, reason, NAN);
}

static void on_timeout(pd_check *check, void *arg)
{
    struct tcp_check *tc = arg;
    char reason[128];
    tc->timer = NULL; /* gone after this callback */
    snprintf(reason, sizeof(reason), "port %ld: no answer within %lld ms", tc->port,
             (long long)(pd_check_timeout(check) / PD_MSEC));
    round_end(check, tc, PD_BAD, reason, NAN);
}

/* Errors of our own host say nothing about the target. */
static int local_errno(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || e == EADDRNOTAVAIL ||
           e == EAGAIN;
}

static void tcp_run(pd_check *check, void *params)
{
    struct tcp_check *tc = params;
    char reason[160];
    /* Every round: a host name's address may have changed. */
    int rc = pd_check_sockaddr(check, AF_UNSPEC, &tc->addr, &tc->addr_len, reason, sizeof(reason));
    if (rc < 0) {
        round_end(check, tc, PD_NO_VERDICT, reason, NAN);
        return;
    }
    if (tc->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)&tc->addr)->sin_port = htons((uint16_t)tc->port);
    else
        ((struct sockaddr_in6 *)&tc->addr)->sin6_port = htons((uint16_t)tc->port);
    tc->fd = socket(tc->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (tc->fd < 0) {
        snprintf(reason, sizeof(reason), "socket: %s", strerror(errno));
        round_end(check, tc, PD_NO_VERDICT, reason, NAN);
        return;
    }
    tc->sent = pd_now(check);
    if (connect(tc->fd, (struct sockaddr *)&tc->addr, tc->addr_len) == 0) {
        round_end(check, tc, PD_OK, NULL, (double)(pd_now(check) - tc->sent) / 1e6);
        return;
    }
    if (errno != EINPROGRESS) {
        int e = errno;
        snprintf(reason, sizeof(reason), "port %ld: %s", tc->port, strerror(e));
        round_end(check, tc, local_errno(e) ? PD_NO_VERDICT : PD_BAD, reason, NAN);
        return;
    }
    tc->watch = pd_watch_fd(check, tc->fd, PD_WRITE, on_writable, tc);
    tc->timer = pd_timer_after(check, pd_check_timeout(check), on_timeout, tc);
    if (!tc->watch || !tc->timer)
        round_end(check, tc, PD_NO_VERDICT, "out of memory", NAN);
}

static void tcp_stop(pd_check *check, void *params)
{
    (void)check;
    struct tcp_check *tc = params;
    /* The core cancels our watch and timer after this. */
    if (tc->fd >= 0)
        close(tc->fd);
    tc->fd = -1;
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "tcp",
    .description = "TCP connect to a port; connect time in ms",
    .options = tcp_options,
    .n_options = sizeof(tcp_options) / sizeof(tcp_options[0]),
    .params_size = sizeof(struct tcp_check),
    .start = tcp_start,
    .run = tcp_run,
    .stop = tcp_stop,
};
