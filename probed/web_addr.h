/*
 * The dashboard's listening address as written in `web.listen`:
 * "127.0.0.1:8080", "[::1]:8080", "*:8080" (every address, IPv4 and IPv6)
 * or "localhost:8080". No name is looked up: the daemon binds before it
 * knows whether DNS works.
 */
#ifndef PROBED_WEB_ADDR_H
#define PROBED_WEB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct pd_web_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    bool any; /* "*": IPv6 any address, dual stack */
};

/* 0, or -EINVAL with why filled for people. */
int pd_web_addr_parse(const char *text, struct pd_web_addr *out, char *why, size_t whylen);

/* A listening TCP socket on addr (non-blocking, close-on-exec), made
 * while the daemon may still bind a port below 1024. 0 with *fd, or
 * -errno with err filled ("Address already in use"). */
int pd_web_listen(const struct pd_web_addr *addr, int *fd, char *err, size_t errlen);

#endif
