/*
 * A string-keyed hash map (open addressing, linear probing). Keys are
 * borrowed: they must outlive their entry (usually they live in the value).
 */
#ifndef PROBED_HASHMAP_H
#define PROBED_HASHMAP_H

#include <stddef.h>

struct pd_hashmap_entry {
    const char *key; /* NULL: empty */
    void *value;
};

struct pd_hashmap {
    struct pd_hashmap_entry *slots; /* private */
    size_t cap;                     /* private, a power of two */
    size_t n;                       /* ro */
    size_t tombstones;              /* private */
};

void pd_hashmap_init(struct pd_hashmap *m);
void pd_hashmap_free(struct pd_hashmap *m); /* frees the table, not keys or values */
void *pd_hashmap_get(const struct pd_hashmap *m, const char *key);
/* Insert or replace. 0 or -ENOMEM. */
int pd_hashmap_put(struct pd_hashmap *m, const char *key, void *value);
/* Returns the removed value or NULL. */
void *pd_hashmap_remove(struct pd_hashmap *m, const char *key);
/* Iterate: for (size_t i = 0; pd_hashmap_next(m, &i, &k, &v);) */
int pd_hashmap_next(const struct pd_hashmap *m, size_t *pos, const char **key, void **value);
size_t pd_hashmap_hash(const char *key);

#endif
