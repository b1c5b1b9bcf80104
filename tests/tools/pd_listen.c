/*
 * pd-listen: TCP listeners for the namespace lab and the bench.
 *
 *   pd-listen [-n] ADDR PORTSPEC...
 *
 * ADDR is an IPv4 or IPv6 literal (0.0.0.0 or :: for every local address,
 * which with an AnyIP route such as `ip route add local 10.214.0.0/16 dev
 * lo` answers a whole prefix); PORTSPEC is PORT or FIRST-LAST. Every
 * connection is accepted and closed at once; with -n none is accepted, so
 * handshakes complete in the kernel and wait in the backlog (a hung
 * service). Prints "listening on N ports" to stderr once every socket
 * listens, and runs until SIGTERM or SIGINT. Standalone: no project code.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS  65535
#define FD_SPARE   1024 /* accepted sockets and stdio beyond the listeners */
#define MAX_EVENTS 256

struct listen_addr {
    int family;
    struct sockaddr_storage ss;
    socklen_t len;
};

static void usage(void)
{
    fprintf(stderr, "usage: pd-listen [-n] ADDR PORTSPEC...\n"
                    "  ADDR      IPv4 or IPv6 literal (0.0.0.0 or :: for all local addresses)\n"
                    "  PORTSPEC  PORT or FIRST-LAST\n"
                    "  -n        never accept: connections wait in the backlog\n");
}

static int parse_addr(const char *text, struct listen_addr *out)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        out->family = AF_INET;
        out->len = sizeof(*sin);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        out->family = AF_INET6;
        out->len = sizeof(*sin6);
        return 0;
    }
    return -EINVAL;
}

static int parse_port(const char *text, char **end)
{
    long v;

    errno = 0;
    v = strtol(text, end, 10);
    if (errno != 0 || *end == text || v < 1 || v > MAX_PORTS)
        return -EINVAL;
    return (int)v;
}

/* PORT or FIRST-LAST into [*first, *last]. */
static int parse_portspec(const char *text, int *first, int *last)
{
    char *end;

    *first = parse_port(text, &end);
    if (*first < 0)
        return -EINVAL;
    if (*end == '\0') {
        *last = *first;
        return 0;
    }
    if (*end != '-')
        return -EINVAL;
    *last = parse_port(end + 1, &end);
    if (*last < 0 || *end != '\0' || *last < *first)
        return -EINVAL;
    return 0;
}

/* Enough descriptors for every listener plus the connections in flight. */
static int raise_nofile(size_t n_listeners)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)n_listeners + FD_SPARE;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max < want)
        rl.rlim_max = want; /* only root may; setrlimit says if not */
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    return 0;
}

static int open_listener(const struct listen_addr *a, int port)
{
    struct listen_addr sa = *a;
    int one = 1;
    int fd, err;

    if (a->family == AF_INET)
        ((struct sockaddr_in *)&sa.ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&sa.ss)->sin6_port = htons((uint16_t)port);

    fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        goto fail;
    if (bind(fd, (struct sockaddr *)&sa.ss, sa.len) < 0)
        goto fail;
    if (listen(fd, SOMAXCONN) < 0)
        goto fail;
    return fd;
fail:
    err = -errno;
    close(fd);
    return err;
}

/* Accept until the backlog is empty; close every connection at once. */
static unsigned long drain(int lfd)
{
    unsigned long n = 0;
    int cfd;

    while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        close(cfd);
        n++;
    }
    /* EMFILE and friends: drop this batch, the next event retries. */
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        fprintf(stderr, "pd-listen: accept: %s\n", strerror(errno));
    return n;
}

int main(int argc, char **argv)
{
    struct epoll_event events[MAX_EVENTS];
    struct listen_addr addr;
    sigset_t mask;
    unsigned long accepted = 0;
    size_t n_ports = 0, i;
    int *fds = NULL;
    int no_accept = 0, opt, ep = -1, sfd = -1, rc = 1, running = 1;

    while ((opt = getopt(argc, argv, "nh")) != -1) {
        switch (opt) {
        case 'n':
            no_accept = 1;
            break;
        case 'h':
            usage();
            return 0;
        default:
            usage();
            return 2;
        }
    }
    if (argc - optind < 2) {
        usage();
        return 2;
    }
    if (parse_addr(argv[optind], &addr) < 0) {
        fprintf(stderr, "pd-listen: %s: not an IPv4 or IPv6 address\n", argv[optind]);
        return 2;
    }

    for (int a = optind + 1; a < argc; a++) {
        int first, last;

        if (parse_portspec(argv[a], &first, &last) < 0) {
            fprintf(stderr, "pd-listen: %s: expected PORT or FIRST-LAST (1..65535)\n", argv[a]);
            return 2;
        }
        n_ports += (size_t)(last - first + 1);
    }
    if (n_ports > MAX_PORTS) {
        fprintf(stderr, "pd-listen: %zu ports: at most %d\n", n_ports, MAX_PORTS);
        return 2;
    }

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
        perror("pd-listen: sigprocmask");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    rc = raise_nofile(n_ports);
    if (rc < 0) {
        fprintf(stderr, "pd-listen: cannot raise RLIMIT_NOFILE to %zu: %s\n", n_ports + FD_SPARE,
                strerror(-rc));
        return 1;
    }
    rc = 1;

    fds = calloc(n_ports, sizeof(*fds));
    ep = epoll_create1(EPOLL_CLOEXEC);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fds == NULL || ep < 0 || sfd < 0) {
        perror("pd-listen: setup");
        goto fail;
    }
    for (i = 0; i < n_ports; i++)
        fds[i] = -1;

    {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};

        if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0) {
            perror("pd-listen: epoll_ctl");
            goto fail;
        }
    }

    i = 0;
    for (int a = optind + 1; a < argc; a++) {
        int first, last;

        parse_portspec(argv[a], &first, &last);
        for (int port = first; port <= last; port++, i++) {
            struct epoll_event ev = {.events = EPOLLIN};

            fds[i] = open_listener(&addr, port);
            if (fds[i] < 0) {
                fprintf(stderr, "pd-listen: %s port %d: %s\n", argv[optind], port,
                        strerror(-fds[i]));
                goto fail;
            }
            if (no_accept)
                continue;
            ev.data.fd = fds[i];
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
                perror("pd-listen: epoll_ctl");
                goto fail;
            }
        }
    }
    fprintf(stderr, "listening on %zu ports\n", n_ports);

    while (running) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("pd-listen: epoll_wait");
            goto fail;
        }
        for (int e = 0; e < n; e++) {
            if (events[e].data.fd == sfd)
                running = 0;
            else
                accepted += drain(events[e].data.fd);
        }
    }
    fprintf(stderr, "pd-listen: stopped, %lu connections accepted\n", accepted);
    rc = 0;
fail:
    for (i = 0; fds != NULL && i < n_ports; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    if (sfd >= 0)
        close(sfd);
    if (ep >= 0)
        close(ep);
    return rc;
}
