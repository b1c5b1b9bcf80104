#include "icmp_heap.h"

#include <errno.h>
#include <stdlib.h>

static pd_ns key_of(const struct icmp_heap *h, const void *e)
{
    return *(const pd_ns *)((const char *)e + h->key_off);
}

static pd_ns key(const struct icmp_heap *h, size_t i)
{
    return h->v[i].key;
}

static size_t *index_of(const struct icmp_heap *h, void *e)
{
    return (size_t *)((char *)e + h->index_off);
}

static void swap(struct icmp_heap *h, size_t a, size_t b)
{
    struct icmp_heap_entry t = h->v[a];
    h->v[a] = h->v[b];
    h->v[b] = t;
    *index_of(h, h->v[a].e) = a;
    *index_of(h, h->v[b].e) = b;
}

static void up(struct icmp_heap *h, size_t i)
{
    while (i > 0 && key(h, (i - 1) / 2) > key(h, i)) {
        swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void down(struct icmp_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && key(h, l) < key(h, m))
            m = l;
        if (r < h->n && key(h, r) < key(h, m))
            m = r;
        if (m == i)
            return;
        swap(h, i, m);
        i = m;
    }
}

int icmp_heap_reserve(struct icmp_heap *h, size_t n)
{
    if (n <= h->cap)
        return 0;
    size_t cap = h->cap ? h->cap : 1024;
    while (cap < n)
        cap *= 2;
    struct icmp_heap_entry *v = realloc(h->v, cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    h->v = v;
    h->cap = cap;
    return 0;
}

void icmp_heap_free(struct icmp_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

void icmp_heap_push(struct icmp_heap *h, void *e)
{
    *index_of(h, e) = h->n;
    h->v[h->n++] = (struct icmp_heap_entry){key_of(h, e), e};
    up(h, h->n - 1);
}

void icmp_heap_remove(struct icmp_heap *h, void *e)
{
    size_t i = *index_of(h, e);
    if (i == ICMP_HEAP_NONE)
        return;
    *index_of(h, e) = ICMP_HEAP_NONE;
    if (i == --h->n)
        return;
    struct icmp_heap_entry moved = h->v[h->n];
    h->v[i] = moved;
    *index_of(h, moved.e) = i;
    down(h, i);
    up(h, *index_of(h, moved.e));
}

void icmp_heap_rekey(struct icmp_heap *h, void *e)
{
    size_t i = *index_of(h, e);
    if (i == ICMP_HEAP_NONE)
        return;
    h->v[i].key = key_of(h, e);
    down(h, i);
    up(h, *index_of(h, e));
}

void *icmp_heap_top(const struct icmp_heap *h)
{
    return h->n ? h->v[0].e : NULL;
}

pd_ns icmp_heap_top_key(const struct icmp_heap *h)
{
    return h->n ? key(h, 0) : INT64_MAX;
}
