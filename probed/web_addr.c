#include "web_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pd_web_addr_parse(const char *text, struct pd_web_addr *out, char *why, size_t whylen)
{
    char host[64];
    const char *port_text;
    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
            goto bad;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof(host) ||
            memchr(text, ':', (size_t)(colon - text)))
            goto bad;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port_text = colon + 1;
    }
    char *end;
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || port < 1 || port > 65535) {
        snprintf(why, whylen, "'%s': the port must be 1..65535", text);
        return -EINVAL;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (strcmp(host, "*") == 0 || strcmp(host, "::") == 0) {
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_any;
        v6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*v6);
        out->any = true;
    } else if (strcmp(host, "localhost") == 0 || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        if (strcmp(host, "localhost") == 0)
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        out->len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*v6);
    } else {
        snprintf(why, whylen, "'%s': '%s' is not an IP address, '*' or 'localhost'", text, host);
        return -EINVAL;
    }
    return 0;
bad:
    snprintf(why, whylen, "'%s': expected ADDRESS:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or *:8080",
             text);
    return -EINVAL;
}

int pd_web_listen(const struct pd_web_addr *addr, int *fd_out, char *err, size_t errlen)
{
    int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "socket: %s", strerror(-rc));
        return rc;
    }
    int on = 1, off = 0;
    /* A restart rebinds at once, though connections of the last run linger
     * in TIME_WAIT; "*" takes IPv4 too (as ::ffff:a.b.c.d). */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        (addr->any && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
        bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 || listen(fd, 128) < 0) {
        int rc = -errno;
        snprintf(err, errlen, "%s", strerror(-rc));
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}
