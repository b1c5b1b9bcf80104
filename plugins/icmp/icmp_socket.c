/* recvmmsg, struct in6_pktinfo */
#define _GNU_SOURCE
#include "icmp_socket.h"

#include <errno.h>
#include <netinet/in.h> /* before linux/icmp.h, which would hide in6_pktinfo */
#include <netinet/icmp6.h>
#include <linux/icmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Enough for an IPv4 header with options, an ICMP error header, the quoted
 * header with options, the quoted echo header and our tag. */
#define RX_SNAP 192

static void set_buffers(int fd)
{
    /* Replies to thousands of echoes can arrive together; a short buffer
     * would drop them and we would report loss the network never had.
     * The FORCE variant (root) passes rmem_max; the plain one is capped. */
    int rcv = 4 << 20, snd = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
}

/* Raw sockets see every ICMP message of the host: let the kernel drop
 * what we never match (echo requests, redirects, ...) before it costs us
 * a read. */
static void set_filter(int fd, int family)
{
    if (family == AF_INET) {
        struct icmp_filter f = {.data = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
                                          (1u << ICMP_TIME_EXCEEDED))};
        setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
    } else {
        struct icmp6_filter f;
        ICMP6_FILTER_SETBLOCKALL(&f);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
    }
}

void icmp_sock_open(struct icmp_sock *s, int family)
{
    int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    int v = family == AF_INET ? 4 : 6;
    memset(s, 0, sizeof(*s));
    s->family = family;
    s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    s->raw = s->fd >= 0;
    if (s->fd < 0) {
        int raw_errno = errno;
        s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
        if (s->fd < 0) {
            snprintf(s->error, sizeof(s->error),
                     "no IPv%d ICMP socket: raw: %s (needs root or CAP_NET_RAW); datagram: %s "
                     "(needs the group in net.ipv4.ping_group_range)",
                     v, strerror(raw_errno), strerror(errno));
            return;
        }
    }
    int on = 1;
    if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0) {
        snprintf(s->error, sizeof(s->error), "IPv%d ICMP socket: SO_TIMESTAMPNS: %s", v,
                 strerror(errno));
        icmp_sock_close(s);
        return;
    }
    set_buffers(s->fd);
    if (s->raw)
        set_filter(s->fd, family);
}

void icmp_sock_close(struct icmp_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int icmp_sock_send(const struct icmp_sock *s, const void *pkt, size_t len,
                   const struct sockaddr_storage *to, socklen_t tolen, int tos,
                   const struct sockaddr_storage *src)
{
    if (tos < 0 && !src) {
        if (sendto(s->fd, pkt, len, 0, (const struct sockaddr *)to, tolen) < 0)
            return -errno;
        return 0;
    }
    /* Per-packet TOS and source as ancillary data: one shared socket
     * serves checks with different DSCP marks and source addresses. */
    union {
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)pkt, .iov_len = len};
    struct msghdr msg = {.msg_name = (void *)to,
                         .msg_namelen = tolen,
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    size_t used = 0;
    if (tos >= 0) {
        cm->cmsg_level = s->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
        cm->cmsg_type = s->family == AF_INET ? IP_TOS : IPV6_TCLASS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &tos, sizeof(int));
        used += CMSG_SPACE(sizeof(int));
        cm = CMSG_NXTHDR(&msg, cm);
    }
    if (src && s->family == AF_INET) {
        struct in_pktinfo pi = {0};
        pi.ipi_spec_dst = ((const struct sockaddr_in *)src)->sin_addr;
        cm->cmsg_level = IPPROTO_IP;
        cm->cmsg_type = IP_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
        used += CMSG_SPACE(sizeof(pi));
    } else if (src) {
        struct in6_pktinfo pi = {0};
        pi.ipi6_addr = ((const struct sockaddr_in6 *)src)->sin6_addr;
        cm->cmsg_level = IPPROTO_IPV6;
        cm->cmsg_type = IPV6_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
        used += CMSG_SPACE(sizeof(pi));
    }
    msg.msg_controllen = used;
    if (sendmsg(s->fd, &msg, 0) < 0)
        return -errno;
    return 0;
}

/* One batch at a time, on the loop thread: static, no allocation. */
static uint8_t rx_bufs[ICMP_RX_BATCH][RX_SNAP];
static union {
    char buf[CMSG_SPACE(sizeof(struct timespec)) + 64];
    struct cmsghdr align;
} rx_ctl[ICMP_RX_BATCH];
static struct sockaddr_storage rx_from[ICMP_RX_BATCH];
static struct iovec rx_iov[ICMP_RX_BATCH];
static struct mmsghdr rx_msgs[ICMP_RX_BATCH];

int icmp_sock_recv(const struct icmp_sock *s, struct icmp_rx *rx)
{
    for (int i = 0; i < ICMP_RX_BATCH; i++) {
        rx_iov[i] = (struct iovec){.iov_base = rx_bufs[i], .iov_len = RX_SNAP};
        rx_msgs[i].msg_hdr = (struct msghdr){.msg_name = &rx_from[i],
                                             .msg_namelen = sizeof(rx_from[i]),
                                             .msg_iov = &rx_iov[i],
                                             .msg_iovlen = 1,
                                             .msg_control = rx_ctl[i].buf,
                                             .msg_controllen = sizeof(rx_ctl[i].buf)};
        rx_msgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, rx_msgs, ICMP_RX_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        struct msghdr *mh = &rx_msgs[i].msg_hdr;
        rx[i].data = rx_bufs[i];
        rx[i].len = rx_msgs[i].msg_len > RX_SNAP ? RX_SNAP : rx_msgs[i].msg_len;
        memcpy(&rx[i].from, &rx_from[i], sizeof(rx[i].from));
        if (mh->msg_namelen < sizeof(sa_family_t))
            rx[i].from.ss_family = AF_UNSPEC;
        rx[i].stamp = 0;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
                cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
                rx[i].stamp = (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec;
            }
        }
    }
    return n;
}
