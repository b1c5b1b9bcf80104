/*
 * A min-heap of elements keyed by a pd_ns field, each element knowing its
 * own position (so it can be removed or re-keyed in O(log n)). The icmp
 * plugin keeps two over its checks: echoes to send, rounds to end.
 * Elements are borrowed; the heap never allocates outside reserve().
 */
#ifndef PROBED_ICMP_HEAP_H
#define PROBED_ICMP_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

#define ICMP_HEAP_NONE SIZE_MAX /* the index of an element not in a heap */

/* The key is copied next to the element pointer: comparisons stay in one
 * array instead of chasing a pointer into each check. */
struct icmp_heap_entry {
    pd_ns key;
    void *e;
};

struct icmp_heap {
    struct icmp_heap_entry *v; /* private */
    size_t n, cap;             /* ro */
    size_t key_off;            /* offset of the element's pd_ns key */
    size_t index_off;          /* offset of its size_t index (ICMP_HEAP_NONE when out) */
};

/* Room for n elements in all: pushing never fails below that. 0 or
 * -ENOMEM. */
int icmp_heap_reserve(struct icmp_heap *h, size_t n);
void icmp_heap_free(struct icmp_heap *h);

void icmp_heap_push(struct icmp_heap *h, void *e);   /* e not in the heap; room reserved */
void icmp_heap_remove(struct icmp_heap *h, void *e); /* no-op when e is not in it */
void icmp_heap_rekey(struct icmp_heap *h, void *e);  /* after its key changed */
void *icmp_heap_top(const struct icmp_heap *h);      /* NULL when empty */
pd_ns icmp_heap_top_key(const struct icmp_heap *h);  /* INT64_MAX when empty */

#endif
