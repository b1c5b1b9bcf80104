/*
 * pd-echo-responder: answers IPv4 echo requests from a raw socket, with
 * faults on demand, for the icmp probe's integration tests.
 *
 *   pd-echo-responder [--delay-ms MS] [--dup-every N]
 *                     [--late-every N --late-ms MS] [--garbage-every N]
 *                     [--max-seconds S]
 *
 * Run it in a namespace whose kernel does not answer echoes itself
 * (net.ipv4.icmp_echo_ignore_all=1). Request k (counting from 1) gets an
 * echo reply with its identifier, sequence and payload, after --delay-ms
 * (default 0). When k is a multiple of --late-every, that reply is held
 * --late-ms instead (counted as late); otherwise, when k is a multiple of
 * --dup-every, it is sent twice. When k is a multiple of --garbage-every,
 * the requester also gets one packet of the next kind in garbage_kinds
 * below, in turn, at once.
 *
 * Prints "ready" to stderr once the socket is open. Exits after
 * --max-seconds (default 60) or on SIGTERM or SIGINT, and then prints its
 * counts to stdout as key=value pairs. Replies still held then, or beyond
 * the HOLD_MAX held at once, are dropped and counted as held_dropped.
 * Standalone: no project code.
 */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "icmp_wire.h"

#define IP_MIN_HDR   20
#define ICMP_HDR     8
#define MAX_ICMP     1480 /* largest echo answered: a 1500-byte IPv4 packet */
#define HOLD_MAX     512  /* replies held at once */
#define BOGUS_SEQ    1000 /* how far ahead reply_bogus_seq's sequence is */
#define NSEC_PER_SEC 1000000000LL

enum garbage_kind {
    SHORT_QUOTE,      /* unreachable quoting 10 bytes: less than an IPv4 header */
    QUOTE_BAD_IHL,    /* time exceeded quoting a header that claims 60 bytes, 28 given */
    QUOTE_SHORT_ICMP, /* unreachable quoting a full IPv4 header and 4 bytes of ICMP */
    QUOTE_NOT_IPV4,   /* unreachable quoting 28 bytes of an IPv6 header */
    REPLY_RANDOM,     /* echo reply, the request's identifier and sequence, random payload */
    REPLY_BOGUS_SEQ,  /* the request's own payload (the probe's tag), a sequence never sent */
    REPLY_NO_TAG,     /* echo reply with 4 bytes of payload: no room for a tag */
    TRUNCATED,        /* 4 bytes of ICMP: the receiving kernel drops it before any raw socket */
    N_GARBAGE
};

enum garbage_class { MALFORMED, FOREIGN, UNSEEN };

/* What the icmp probe should make of each kind, behind a raw socket. */
static const struct {
    const char *name;
    enum garbage_class cls;
} garbage_kinds[N_GARBAGE] = {
    [SHORT_QUOTE] = {"short_quote", MALFORMED},
    [QUOTE_BAD_IHL] = {"quote_bad_ihl", MALFORMED},
    [QUOTE_SHORT_ICMP] = {"quote_short_icmp", MALFORMED},
    [QUOTE_NOT_IPV4] = {"quote_not_ipv4", MALFORMED},
    [REPLY_RANDOM] = {"reply_random", FOREIGN},
    [REPLY_BOGUS_SEQ] = {"reply_bogus_seq", FOREIGN},
    [REPLY_NO_TAG] = {"reply_no_tag", FOREIGN},
    [TRUNCATED] = {"truncated", UNSEEN},
};

enum reply_kind { REPLY, DUP, LATE };

struct held {
    int64_t due; /* CLOCK_MONOTONIC ns */
    enum reply_kind kind;
    struct sockaddr_in to;
    size_t len;
    uint8_t pkt[ICMP_HDR + MAX_ICMP];
};

static struct {
    long delay_ms, dup_every, late_every, late_ms, garbage_every, max_seconds;
} opt = {.max_seconds = 60};

static struct {
    unsigned long requests, ignored, replies, dups, late, held_dropped, send_errors;
    unsigned long garbage[N_GARBAGE];
} count;

static struct held hold[HOLD_MAX];
static size_t n_held;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static void send_pkt(int fd, uint8_t *pkt, size_t len, const struct sockaddr_in *to)
{
    put16(pkt + 2, 0);
    put16(pkt + 2, icmp_checksum(pkt, len));
    if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
        count.send_errors++;
}

/* An echo reply, counted when it leaves. */
static void send_reply(int fd, uint8_t *pkt, size_t len, const struct sockaddr_in *to,
                       enum reply_kind kind)
{
    send_pkt(fd, pkt, len, to);
    if (kind == LATE)
        count.late++;
    else if (kind == DUP)
        count.dups++;
    else
        count.replies++;
}

/* Send it at due instead; dropped (and counted) when too many are held. */
static void hold_reply(const uint8_t *pkt, size_t len, const struct sockaddr_in *to, int64_t due,
                       enum reply_kind kind)
{
    if (n_held == HOLD_MAX) {
        count.held_dropped++;
        return;
    }
    struct held *h = &hold[n_held++];
    h->due = due;
    h->kind = kind;
    h->to = *to;
    h->len = len;
    memcpy(h->pkt, pkt, len);
}

/* A 20-byte IPv4 header of an ICMP packet from src to dst, for quoting. */
static void fake_ip_header(uint8_t *q, uint16_t total, uint32_t src, uint32_t dst)
{
    memset(q, 0, IP_MIN_HDR);
    q[0] = 0x45;
    put16(q + 2, total);
    q[8] = 64;
    q[9] = IPPROTO_ICMP;
    memcpy(q + 12, &src, 4);
    memcpy(q + 16, &dst, 4);
}

/* The next garbage kind for the sender of request req (its ICMP message,
 * len bytes, at least a header). */
static void send_garbage(int fd, const uint8_t *req, size_t len, const struct sockaddr_in *to)
{
    static unsigned long turn;
    enum garbage_kind kind = (enum garbage_kind)(turn++ % N_GARBAGE);
    uint8_t pkt[ICMP_HDR + 64 + MAX_ICMP];
    size_t n = ICMP_HDR;
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = ICMP_DEST_UNREACH;
    pkt[1] = ICMP_HOST_UNREACH;
    switch (kind) {
    case SHORT_QUOTE:
        memset(pkt + n, 0xa5, 10);
        n += 10;
        break;
    case QUOTE_BAD_IHL:
        pkt[0] = ICMP_TIME_EXCEEDED;
        pkt[1] = ICMP_EXC_TTL;
        fake_ip_header(pkt + n, 84, 0, to->sin_addr.s_addr);
        pkt[n] = 0x4f; /* IHL 15: 60 bytes */
        n += 28;
        break;
    case QUOTE_SHORT_ICMP:
        pkt[1] = ICMP_PORT_UNREACH;
        fake_ip_header(pkt + n, 84, 0, to->sin_addr.s_addr);
        n += IP_MIN_HDR;
        pkt[n] = ICMP_ECHO;
        n += 4;
        break;
    case QUOTE_NOT_IPV4:
        pkt[1] = ICMP_NET_UNREACH;
        pkt[n] = 0x60; /* version 6 */
        n += 28;
        break;
    case REPLY_RANDOM:
    case REPLY_BOGUS_SEQ:
    case REPLY_NO_TAG:
        pkt[0] = ICMP_ECHOREPLY;
        pkt[1] = 0;
        memcpy(pkt + 4, req + 4, 4); /* identifier and sequence */
        if (kind == REPLY_RANDOM) {
            if (getrandom(pkt + n, 56, 0) != 56)
                memset(pkt + n, 0x5a, 56);
            n += 56;
        } else if (kind == REPLY_BOGUS_SEQ) {
            put16(pkt + 6, (uint16_t)(get16(req + 6) + BOGUS_SEQ));
            memcpy(pkt + n, req + ICMP_HDR, len - ICMP_HDR);
            n += len - ICMP_HDR;
        } else {
            memset(pkt + n, 0x11, 4);
            n += 4;
        }
        break;
    case TRUNCATED:
    case N_GARBAGE:
        pkt[0] = ICMP_ECHOREPLY;
        pkt[1] = 0;
        /* a checksum over 4 bytes: only the first two, type and code, count */
        put16(pkt + 2, (uint16_t) ~((unsigned)pkt[0] << 8 | pkt[1]));
        if (sendto(fd, pkt, 4, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
            count.send_errors++;
        count.garbage[kind]++;
        return;
    }
    send_pkt(fd, pkt, n, to);
    count.garbage[kind]++;
}

/* One packet off the raw socket: an IPv4 header, then ICMP. */
static void take_request(int fd, const uint8_t *p, size_t len, const struct sockaddr_in *from)
{
    if (len < IP_MIN_HDR || p[0] >> 4 != 4) {
        count.ignored++;
        return;
    }
    size_t hlen = (size_t)(p[0] & 0x0f) * 4;
    size_t total = get16(p + 2);
    if (hlen < IP_MIN_HDR || hlen > len || total < hlen || p[9] != IPPROTO_ICMP) {
        count.ignored++;
        return;
    }
    if (total < len)
        len = total;
    const uint8_t *icmp = p + hlen;
    size_t ilen = len - hlen;
    if (ilen < ICMP_HDR || ilen > ICMP_HDR + MAX_ICMP || icmp[0] != ICMP_ECHO || icmp[1] != 0) {
        count.ignored++;
        return;
    }
    unsigned long k = ++count.requests;
    uint8_t reply[ICMP_HDR + MAX_ICMP];
    memcpy(reply, icmp, ilen);
    reply[0] = ICMP_ECHOREPLY;
    int late = opt.late_every && k % (unsigned long)opt.late_every == 0;
    int dup = !late && opt.dup_every && k % (unsigned long)opt.dup_every == 0;
    long delay_ms = late ? opt.late_ms : opt.delay_ms;
    int64_t due = mono_ns() + delay_ms * 1000000LL;
    for (int copy = 0; copy <= dup; copy++) {
        enum reply_kind kind = late ? LATE : copy ? DUP : REPLY;
        if (delay_ms > 0)
            hold_reply(reply, ilen, from, due, kind);
        else
            send_reply(fd, reply, ilen, from, kind);
    }
    if (opt.garbage_every && k % (unsigned long)opt.garbage_every == 0)
        send_garbage(fd, icmp, ilen, from);
}

/* Send the held replies that are due; returns the next due time, or
 * INT64_MAX. Few are held at once: a linear scan will do. */
static int64_t send_due(int fd, int64_t now)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < n_held;) {
        if (hold[i].due <= now) {
            send_reply(fd, hold[i].pkt, hold[i].len, &hold[i].to, hold[i].kind);
            hold[i] = hold[--n_held];
            continue;
        }
        if (hold[i].due < next)
            next = hold[i].due;
        i++;
    }
    return next;
}

static int parse_long(const char *name, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "pd-echo-responder: --%s must be %ld..%ld, not '%s'\n", name, min, max,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pd-echo-responder [--delay-ms MS] [--dup-every N]\n"
                    "                         [--late-every N --late-ms MS] [--garbage-every N]\n"
                    "                         [--max-seconds S]\n");
}

static int parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"delay-ms", required_argument, NULL, 'D'},
        {"dup-every", required_argument, NULL, 'd'},
        {"late-every", required_argument, NULL, 'l'},
        {"late-ms", required_argument, NULL, 'm'},
        {"garbage-every", required_argument, NULL, 'g'},
        {"max-seconds", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'D':
            rc = parse_long("delay-ms", optarg, 0, 60000, &opt.delay_ms);
            break;
        case 'd':
            rc = parse_long("dup-every", optarg, 1, 1000000, &opt.dup_every);
            break;
        case 'l':
            rc = parse_long("late-every", optarg, 1, 1000000, &opt.late_every);
            break;
        case 'm':
            rc = parse_long("late-ms", optarg, 1, 60000, &opt.late_ms);
            break;
        case 'g':
            rc = parse_long("garbage-every", optarg, 1, 1000000, &opt.garbage_every);
            break;
        case 's':
            rc = parse_long("max-seconds", optarg, 1, 3600, &opt.max_seconds);
            break;
        default:
            rc = -1;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && optind < argc)
        rc = -1;
    if (rc == 0 && (opt.late_every > 0) != (opt.late_ms > 0)) {
        fprintf(stderr, "pd-echo-responder: --late-every and --late-ms go together\n");
        rc = -1;
    }
    if (rc < 0)
        usage();
    return rc;
}

static void print_counts(void)
{
    unsigned long malformed = 0, foreign = 0;
    for (size_t i = 0; i < N_GARBAGE; i++) {
        if (garbage_kinds[i].cls == MALFORMED)
            malformed += count.garbage[i];
        else if (garbage_kinds[i].cls == FOREIGN)
            foreign += count.garbage[i];
    }
    printf("requests=%lu replies=%lu dups=%lu late=%lu held_dropped=%lu ignored=%lu "
           "send_errors=%lu garbage_malformed=%lu garbage_foreign=%lu",
           count.requests, count.replies, count.dups, count.late, count.held_dropped, count.ignored,
           count.send_errors, malformed, foreign);
    for (size_t i = 0; i < N_GARBAGE; i++)
        printf(" %s=%lu", garbage_kinds[i].name, count.garbage[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    static uint8_t buf[65536];
    if (parse_args(argc, argv) < 0)
        return 2;

    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0) {
        fprintf(stderr, "pd-echo-responder: raw socket: %s\n", strerror(errno));
        return 1;
    }
    struct icmp_filter filter = {.data = ~(1u << ICMP_ECHO)};
    if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)) < 0) {
        fprintf(stderr, "pd-echo-responder: ICMP_FILTER: %s\n", strerror(errno));
        return 1;
    }
    /* SIGTERM and SIGINT are taken only inside ppoll(): no race with the
     * check of the flag. */
    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &wait_mask);
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGINT);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    fprintf(stderr, "ready\n");
    int64_t end = mono_ns() + opt.max_seconds * NSEC_PER_SEC;
    while (!stop) {
        int64_t now = mono_ns();
        if (now >= end)
            break;
        int64_t next = send_due(fd, now);
        if (next > end)
            next = end;
        struct timespec ts = {.tv_sec = (next - now) / NSEC_PER_SEC,
                              .tv_nsec = (next - now) % NSEC_PER_SEC};
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = ppoll(&pfd, 1, &ts, &wait_mask);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "pd-echo-responder: poll: %s\n", strerror(errno));
            return 1;
        }
        if (n <= 0)
            continue;
        /* Everything waiting, without blocking. */
        for (;;) {
            struct sockaddr_in from;
            socklen_t fromlen = sizeof(from);
            ssize_t got =
                recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
            if (got < 0)
                break;
            if (fromlen < sizeof(from) || from.sin_family != AF_INET) {
                count.ignored++;
                continue;
            }
            take_request(fd, buf, (size_t)got, &from);
        }
    }
    count.held_dropped += n_held;
    print_counts();
    close(fd);
    return 0;
}
