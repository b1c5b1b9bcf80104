#include "hashmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A removed entry keeps its probe chain intact. */
static const char tombstone[1];

size_t pd_hashmap_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

void pd_hashmap_init(struct pd_hashmap *m)
{
    memset(m, 0, sizeof(*m));
}

void pd_hashmap_free(struct pd_hashmap *m)
{
    free(m->slots);
    pd_hashmap_init(m);
}

static struct pd_hashmap_entry *find(const struct pd_hashmap *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = pd_hashmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct pd_hashmap_entry *e = &m->slots[i];
        if (!e->key)
            return NULL;
        if (e->key != tombstone && strcmp(e->key, key) == 0)
            return e;
    }
}

void *pd_hashmap_get(const struct pd_hashmap *m, const char *key)
{
    struct pd_hashmap_entry *e = find(m, key);
    return e ? e->value : NULL;
}

static void insert_fresh(struct pd_hashmap_entry *slots, size_t cap, const char *key, void *value)
{
    size_t i = pd_hashmap_hash(key) & (cap - 1);
    while (slots[i].key)
        i = (i + 1) & (cap - 1);
    slots[i].key = key;
    slots[i].value = value;
}

static int grow(struct pd_hashmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    /* Only tombstones made it full: rehash at the same size. */
    if (m->n * 2 < m->cap)
        cap = m->cap;
    struct pd_hashmap_entry *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != tombstone)
            insert_fresh(slots, cap, m->slots[i].key, m->slots[i].value);
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->tombstones = 0;
    return 0;
}

int pd_hashmap_put(struct pd_hashmap *m, const char *key, void *value)
{
    struct pd_hashmap_entry *e = find(m, key);
    if (e) {
        e->key = key;
        e->value = value;
        return 0;
    }
    if ((m->n + m->tombstones + 1) * 4 > m->cap * 3) {
        int rc = grow(m);
        if (rc < 0)
            return rc;
    }
    insert_fresh(m->slots, m->cap, key, value);
    m->n++;
    return 0;
}

void *pd_hashmap_remove(struct pd_hashmap *m, const char *key)
{
    struct pd_hashmap_entry *e = find(m, key);
    if (!e)
        return NULL;
    void *value = e->value;
    e->key = tombstone;
    e->value = NULL;
    m->n--;
    m->tombstones++;
    return value;
}

int pd_hashmap_next(const struct pd_hashmap *m, size_t *pos, const char **key, void **value)
{
    for (; *pos < m->cap; (*pos)++) {
        struct pd_hashmap_entry *e = &m->slots[*pos];
        if (e->key && e->key != tombstone) {
            *key = e->key;
            *value = e->value;
            (*pos)++;
            return 1;
        }
    }
    return 0;
}
