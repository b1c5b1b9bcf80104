/*
 * A small cache of rendered images for the dashboard, keyed by a string
 * (the graph's normalised URL). librrd needs 3 to 10 ms per image and
 * leaks a little on every render, and a wall screen asks for the same
 * graphs every 30 s: the same image is served until it expires.
 *
 * Bounded by entry count and bytes: a full cache evicts the expired
 * entries first, then the least recently used. Thread-safe (one mutex;
 * a get copies the bytes out under it, a few tens of KiB).
 */
#ifndef PROBED_WEB_CACHE_H
#define PROBED_WEB_CACHE_H

#include <stddef.h>
#include <stdio.h>

#include "plugin.h"

struct web_cache;

/* 0, or -ENOMEM. max_entries and max_bytes > 0. */
int web_cache_new(size_t max_entries, size_t max_bytes, struct web_cache **out);
void web_cache_free(struct web_cache *c); /* NULL ok */

/* The entry of key, fresh at now (monotonic), written to out; *expires
 * (may be NULL) its expiry. 0, -ENOENT (none, or expired), -EIO (out
 * failed). */
int web_cache_write(struct web_cache *c, const char *key, pd_ns now, FILE *out, pd_ns *expires);

/* Store a copy of data under key (borrowed) until expires, replacing any
 * entry of that key. 0, -E2BIG (larger than the whole cache: not stored),
 * -ENOMEM. */
int web_cache_put(struct web_cache *c, const char *key, const void *data, size_t len, pd_ns expires,
                  pd_ns now);

/* Entries and bytes held now, and the lookups that hit and missed. */
struct web_cache_stats {
    size_t entries, bytes;
    unsigned long long hits, misses;
};
void web_cache_stats(struct web_cache *c, struct web_cache_stats *out);

#endif
