#include "web_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *key; /* NULL: a free slot */
    void *data;
    size_t len;
    pd_ns expires, used;
};

/* A linear table: a few hundred entries, each lookup a few hundred string
 * compares at most, far below one render. */
struct web_cache {
    pthread_mutex_t lock;
    struct entry *e;
    size_t cap, max_bytes, bytes, entries;
    unsigned long long hits, misses;
};

int web_cache_new(size_t max_entries, size_t max_bytes, struct web_cache **out)
{
    struct web_cache *c = calloc(1, sizeof(*c));
    if (!c || !(c->e = calloc(max_entries, sizeof(*c->e)))) {
        free(c);
        return -ENOMEM;
    }
    c->cap = max_entries;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

static void drop(struct web_cache *c, struct entry *e)
{
    c->bytes -= e->len;
    c->entries--;
    free(e->key);
    free(e->data);
    memset(e, 0, sizeof(*e));
}

void web_cache_free(struct web_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].key)
            drop(c, &c->e[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->e);
    free(c);
}

static struct entry *find(struct web_cache *c, const char *key)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0)
            return &c->e[i];
    return NULL;
}

int web_cache_write(struct web_cache *c, const char *key, pd_ns now, FILE *out, pd_ns *expires)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, key);
    if (e && e->expires <= now) {
        drop(c, e);
        e = NULL;
    }
    if (e) {
        e->used = now;
        if (expires)
            *expires = e->expires;
        rc = fwrite(e->data, 1, e->len, out) == e->len ? 0 : -EIO;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* Room for one more entry of len bytes: expired entries go first, then
 * the least recently used, until both bounds hold. */
static struct entry *make_room(struct web_cache *c, size_t len, pd_ns now)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].key && c->e[i].expires <= now)
            drop(c, &c->e[i]);
    for (;;) {
        struct entry *free_slot = NULL, *oldest = NULL;
        for (size_t i = 0; i < c->cap; i++) {
            struct entry *e = &c->e[i];
            if (!e->key)
                free_slot = free_slot ? free_slot : e;
            else if (!oldest || e->used < oldest->used)
                oldest = e;
        }
        if (free_slot && c->bytes + len <= c->max_bytes)
            return free_slot;
        drop(c, oldest); /* one exists: the table is full or holds bytes */
    }
}

int web_cache_put(struct web_cache *c, const char *key, const void *data, size_t len, pd_ns expires,
                  pd_ns now)
{
    if (len > c->max_bytes)
        return -E2BIG;
    char *k = strdup(key);
    void *d = malloc(len ? len : 1);
    if (!k || !d) {
        free(k);
        free(d);
        return -ENOMEM;
    }
    memcpy(d, data, len);
    pthread_mutex_lock(&c->lock);
    struct entry *old = find(c, key);
    if (old)
        drop(c, old);
    struct entry *e = make_room(c, len, now);
    *e = (struct entry){.key = k, .data = d, .len = len, .expires = expires, .used = now};
    c->bytes += len;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void web_cache_stats(struct web_cache *c, struct web_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = (struct web_cache_stats){
        .entries = c->entries, .bytes = c->bytes, .hits = c->hits, .misses = c->misses};
    pthread_mutex_unlock(&c->lock);
}
