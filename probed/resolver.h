/*
 * Host names to addresses, on a thread of its own so the loop never waits
 * for DNS. The loop tells it which names are in use; it resolves new names
 * at once and every name again every `refresh`. Lookups answer from what
 * it has, and never block.
 *
 * A refresh that fails keeps the last addresses (a DNS server that is down
 * for a minute must not take every named target down with it); a name
 * that never resolved is an error for the checks that use it, never for
 * the daemon.
 */
#ifndef PROBED_RESOLVER_H
#define PROBED_RESOLVER_H

#include <stddef.h>
#include <sys/socket.h>

#include "plugin.h"

struct pd_resolver;

/* refresh: how often each name is resolved again; failures are retried
 * after retry. The thread starts with the first name. NULL on ENOMEM. */
struct pd_resolver *pd_resolver_new(pd_ns refresh, pd_ns retry);
void pd_resolver_free(struct pd_resolver *res);

/* The addresses in use (borrowed; IP literals are skipped). Names not
 * known yet are queued, names no longer listed are forgotten. 0 or
 * -ENOMEM. */
int pd_resolver_set_names(struct pd_resolver *res, const char *const *addresses, size_t n);

/* address as written (a literal or a name). family AF_UNSPEC takes the
 * first address the resolver returned. 0, -EAGAIN (not resolved yet),
 * -ENOENT or -EAFNOSUPPORT, with err saying why. res may be NULL for
 * literals only. */
int pd_resolver_lookup(struct pd_resolver *res, const char *address, int family,
                       struct sockaddr_storage *out, socklen_t *len, char *err, size_t errlen);

/* 1 when address is an IP literal (v4, v6, v6 with %scope). */
int pd_address_is_literal(const char *address);

#endif
