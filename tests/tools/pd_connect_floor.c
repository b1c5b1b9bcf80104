/*
 * pd-connect-floor: the least a TCP prober can do, for the bench. Opens
 * RATE non-blocking connects a second, in 10 ms batches, to COUNT addresses
 * counting up from FIRST (IPv4) on PORT, waits for each with epoll, closes
 * it with an RST, for SECONDS; then prints the CPU it used. Whatever a
 * prober costs beyond this is its own overhead; this much is the kernel's
 * TCP work (in a namespace lab, the target's side of it too).
 *
 *   pd-connect-floor FIRST COUNT PORT RATE SECONDS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void finish(int fd, int ep, long *done)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    (*done)++;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: pd-connect-floor FIRST COUNT PORT RATE SECONDS\n");
        return 2;
    }
    struct in_addr first;
    if (inet_pton(AF_INET, argv[1], &first) != 1) {
        fprintf(stderr, "pd-connect-floor: bad address %s\n", argv[1]);
        return 2;
    }
    long count = atol(argv[2]), port = atol(argv[3]), rate = atol(argv[4]);
    long seconds = atol(argv[5]);
    if (count < 1 || port < 1 || port > 65535 || rate < 1 || seconds < 1) {
        fprintf(stderr, "pd-connect-floor: COUNT, PORT, RATE, SECONDS must be positive\n");
        return 2;
    }
    struct rlimit rl = {65536, 65536};
    setrlimit(RLIMIT_NOFILE, &rl);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        return 1;
    }
    int64_t start = now_ns(), end = start + seconds * 1000000000LL;
    int64_t gap = 1000000000LL / rate;
    long sent = 0, done = 0, failed = 0;
    uint32_t base = ntohl(first.s_addr);
    for (;;) {
        int64_t t = now_ns();
        if (t >= end)
            break;
        while (start + sent * gap <= t) {
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
            sa.sin_addr.s_addr = htonl(base + (uint32_t)(sent % count));
            sent++;
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                failed++;
                continue;
            }
            if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                finish(fd, ep, &done);
                continue;
            }
            if (errno != EINPROGRESS) {
                close(fd);
                failed++;
                continue;
            }
            struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        /* Wake on a 10 ms grid and send what is due, as probed's scheduler
         * does: the floor should differ from probed only by what probed
         * does per check, not by how often it wakes. */
        int64_t next = start + sent * gap;
        next = start + (next - start + 9999999) / 10000000 * 10000000;
        int wait_ms = (int)((next - now_ns() + 999999) / 1000000);
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, wait_ms > 0 ? wait_ms : 0);
        for (int i = 0; i < n; i++) {
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(evs[i].data.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err)
                failed++;
            finish(evs[i].data.fd, ep, &done);
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    double wall = (double)(now_ns() - start) / 1e9;
    printf("connects %ld done %ld failed %ld cpu %.3f wall %.3f\n", sent, done, failed, cpu, wall);
    return failed > 0 ? 1 : 0;
}
