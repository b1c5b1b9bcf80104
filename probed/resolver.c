#include "resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashmap.h"
#include "log.h"

struct name_entry {
    char *name;
    struct sockaddr_in6 v6;
    struct sockaddr_in v4;
    int have4, have6;
    int first_family; /* what getaddrinfo listed first: AF_UNSPEC's answer */
    int resolved;     /* had addresses at least once */
    char error[160];  /* the last failure, when never resolved */
    pd_ns due;        /* CLOCK_MONOTONIC time of the next attempt */
    int in_use;       /* marked by pd_resolver_set_names */
};

struct pd_resolver {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    int running, stopping;
    struct pd_hashmap names; /* name -> struct name_entry, guarded by mu */
    pd_ns refresh, retry;
};

static pd_ns mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec;
}

int pd_address_is_literal(const char *address)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, address, buf) == 1 || inet_pton(AF_INET6, address, buf) == 1)
        return 1;
    return strchr(address, ':') && strchr(address, '%');
}

/* Literals never reach the thread; scoped IPv6 needs getaddrinfo, which
 * with AI_NUMERICHOST does not touch the network. */
static int literal(const char *address, int family, struct sockaddr_storage *out, socklen_t *len,
                   char *err, size_t errlen)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        *len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        *len = sizeof(*in6);
    } else {
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_DGRAM};
        struct addrinfo *ai = NULL;
        int rc = getaddrinfo(address, NULL, &hints, &ai);
        if (rc != 0 || !ai || ai->ai_addrlen > sizeof(*out)) {
            snprintf(err, errlen, "'%s' is not a valid address: %s", address,
                     rc ? gai_strerror(rc) : "no address");
            if (ai)
                freeaddrinfo(ai);
            return -ENOENT;
        }
        memcpy(out, ai->ai_addr, ai->ai_addrlen);
        *len = ai->ai_addrlen;
        freeaddrinfo(ai);
    }
    if (family != AF_UNSPEC && out->ss_family != family) {
        snprintf(err, errlen, "address %s is not IPv%d", address, family == AF_INET ? 4 : 6);
        return -EAFNOSUPPORT;
    }
    return 0;
}

static void resolve_one(struct pd_resolver *res, const char *name)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &list);

    pthread_mutex_lock(&res->mu);
    struct name_entry *e = pd_hashmap_get(&res->names, name);
    if (e) {
        int have4 = 0, have6 = 0, first = AF_UNSPEC;
        for (struct addrinfo *ai = rc == 0 ? list : NULL; ai; ai = ai->ai_next) {
            if (ai->ai_family == AF_INET && !have4 && ai->ai_addrlen == sizeof(e->v4)) {
                memcpy(&e->v4, ai->ai_addr, sizeof(e->v4));
                have4 = 1;
            } else if (ai->ai_family == AF_INET6 && !have6 && ai->ai_addrlen == sizeof(e->v6)) {
                memcpy(&e->v6, ai->ai_addr, sizeof(e->v6));
                have6 = 1;
            } else {
                continue;
            }
            if (first == AF_UNSPEC)
                first = ai->ai_family;
        }
        if (first != AF_UNSPEC) {
            e->have4 = have4;
            e->have6 = have6;
            e->first_family = first;
            e->resolved = 1;
            e->due = mono_now() + res->refresh;
        } else {
            snprintf(e->error, sizeof(e->error), "host name '%s' does not resolve: %s", name,
                     rc ? gai_strerror(rc) : "no IPv4 or IPv6 address");
            e->due = mono_now() + res->retry;
            if (e->resolved)
                pd_warn("resolver", "%s (keeping the last addresses)", e->error);
        }
    }
    pthread_mutex_unlock(&res->mu);
    if (list)
        freeaddrinfo(list);
}

static void *resolver_main(void *arg)
{
    struct pd_resolver *res = arg;
    char name[1024];
    pthread_mutex_lock(&res->mu);
    while (!res->stopping) {
        pd_ns now = mono_now(), next = now + res->refresh;
        const char *key;
        void *value;
        name[0] = '\0';
        for (size_t pos = 0; pd_hashmap_next(&res->names, &pos, &key, &value);) {
            struct name_entry *e = value;
            if (e->due <= now) {
                snprintf(name, sizeof(name), "%s", e->name);
                break;
            }
            if (e->due < next)
                next = e->due;
        }
        if (name[0]) {
            pthread_mutex_unlock(&res->mu);
            resolve_one(res, name);
            pthread_mutex_lock(&res->mu);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        pd_ns wait = next - now;
        until.tv_sec += (time_t)(wait / PD_SEC);
        until.tv_nsec += (long)(wait % PD_SEC);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&res->cond, &res->mu, &until);
    }
    pthread_mutex_unlock(&res->mu);
    return NULL;
}

struct pd_resolver *pd_resolver_new(pd_ns refresh, pd_ns retry)
{
    struct pd_resolver *res = calloc(1, sizeof(*res));
    if (!res)
        return NULL;
    pthread_mutex_init(&res->mu, NULL);
    pthread_cond_init(&res->cond, NULL);
    pd_hashmap_init(&res->names);
    res->refresh = refresh;
    res->retry = retry;
    return res;
}

static void entry_free(struct name_entry *e)
{
    free(e->name);
    free(e);
}

void pd_resolver_free(struct pd_resolver *res)
{
    if (!res)
        return;
    if (res->running) {
        pthread_mutex_lock(&res->mu);
        res->stopping = 1;
        pthread_cond_signal(&res->cond);
        pthread_mutex_unlock(&res->mu);
        /* A getaddrinfo() in progress is waited for: at most the resolver's
         * own timeout (resolv.conf), once, at shutdown. */
        pthread_join(res->thread, NULL);
    }
    const char *key;
    void *value;
    for (size_t pos = 0; pd_hashmap_next(&res->names, &pos, &key, &value);)
        entry_free(value);
    pd_hashmap_free(&res->names);
    pthread_cond_destroy(&res->cond);
    pthread_mutex_destroy(&res->mu);
    free(res);
}

int pd_resolver_set_names(struct pd_resolver *res, const char *const *addresses, size_t n)
{
    int rc = 0, added = 0;
    const char *key;
    void *value;
    pthread_mutex_lock(&res->mu);
    for (size_t pos = 0; pd_hashmap_next(&res->names, &pos, &key, &value);)
        ((struct name_entry *)value)->in_use = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (pd_address_is_literal(addresses[i]))
            continue;
        struct name_entry *e = pd_hashmap_get(&res->names, addresses[i]);
        if (!e) {
            if (!(e = calloc(1, sizeof(*e))) || !(e->name = strdup(addresses[i])) ||
                pd_hashmap_put(&res->names, e->name, e) < 0) {
                if (e)
                    entry_free(e);
                rc = -ENOMEM;
                break;
            }
            snprintf(e->error, sizeof(e->error), "host name '%s' is being resolved", e->name);
            added = 1;
        }
        e->in_use = 1;
    }
    for (size_t pos = 0; pd_hashmap_next(&res->names, &pos, &key, &value);) {
        struct name_entry *e = value;
        if (!e->in_use && rc == 0) {
            pd_hashmap_remove(&res->names, e->name);
            entry_free(e); /* removal leaves a tombstone: iteration goes on */
        }
    }
    if (added && !res->running && rc == 0) {
        if (pthread_create(&res->thread, NULL, resolver_main, res) == 0)
            res->running = 1;
        else
            rc = -EAGAIN;
    }
    if (added)
        pthread_cond_signal(&res->cond);
    pthread_mutex_unlock(&res->mu);
    return rc;
}

int pd_resolver_lookup(struct pd_resolver *res, const char *address, int family,
                       struct sockaddr_storage *out, socklen_t *len, char *err, size_t errlen)
{
    if (pd_address_is_literal(address))
        return literal(address, family, out, len, err, errlen);
    if (!res) {
        snprintf(err, errlen, "host name '%s' cannot be resolved here", address);
        return -ENOENT;
    }
    int rc = 0;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&res->mu);
    struct name_entry *e = pd_hashmap_get(&res->names, address);
    if (!e) {
        snprintf(err, errlen, "host name '%s' is not known to the resolver", address);
        rc = -ENOENT;
    } else if (!e->resolved) {
        snprintf(err, errlen, "%s", e->error);
        rc = e->due == 0 ? -EAGAIN : -ENOENT;
    } else {
        int want = family == AF_UNSPEC ? e->first_family : family;
        if (want == AF_INET && e->have4) {
            memcpy(out, &e->v4, sizeof(e->v4));
            *len = sizeof(e->v4);
        } else if (want == AF_INET6 && e->have6) {
            memcpy(out, &e->v6, sizeof(e->v6));
            *len = sizeof(e->v6);
        } else {
            snprintf(err, errlen, "host name '%s' has no IPv%d address", address,
                     want == AF_INET ? 4 : 6);
            rc = -EAFNOSUPPORT;
        }
    }
    pthread_mutex_unlock(&res->mu);
    return rc;
}
