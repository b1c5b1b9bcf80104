/*
 * The ICMP sockets: one per family, shared by every icmp check. Raw where
 * the process may (root or CAP_NET_RAW, at init, before privileges are
 * dropped), else the kernel's unprivileged datagram "ping" sockets.
 */
#ifndef PROBED_ICMP_SOCKET_H
#define PROBED_ICMP_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "plugin.h"

struct icmp_sock {
    int fd;          /* -1: none (error says why) */
    int family;      /* AF_INET or AF_INET6 */
    int raw;         /* 1: raw (IPv4 replies carry the IP header), 0: datagram */
    char error[200]; /* why there is no socket, for the rounds' reason */
};

/* Open a socket for family: raw first, datagram if raw is not permitted.
 * Never fails hard: without any socket, fd is -1 and error says why. */
void icmp_sock_open(struct icmp_sock *s, int family);
void icmp_sock_close(struct icmp_sock *s);

/* Send one packet. tos < 0: the system's; src NULL: the routing's choice.
 * 0 or -errno. */
int icmp_sock_send(const struct icmp_sock *s, const void *pkt, size_t len,
                   const struct sockaddr_storage *to, socklen_t tolen, int tos,
                   const struct sockaddr_storage *src);

/* One received packet of a batch; data borrowed until the next call. */
struct icmp_rx {
    const uint8_t *data;
    size_t len;
    struct sockaddr_storage from;
    pd_ns stamp; /* kernel receive time, wall clock; 0 when missing */
};

#define ICMP_RX_BATCH 64

/* Read up to ICMP_RX_BATCH waiting packets without blocking. Returns how
 * many (0: none waiting) or -errno. Packets longer than what matching
 * needs are truncated. */
int icmp_sock_recv(const struct icmp_sock *s, struct icmp_rx *rx);

#endif
