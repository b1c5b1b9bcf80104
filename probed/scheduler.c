#include "scheduler.h"

#include <errno.h>
#include <stdlib.h>

pd_ns pd_sched_phase(const char *key, pd_ns interval)
{
    /* FNV-1a, then a 64-bit finaliser so similar keys ("sw-01/ping",
     * "sw-02/ping") land far apart in the interval. */
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    if (interval <= 0)
        return 0;
    /* Rounds of one interval start on shared slots of interval / 50,
     * 10 ms to 200 ms apart: 1,000 checks every 10 s start twenty at a
     * time on 50 slots, so their sends cost 50 wake-ups, not 1,000, and
     * are still spread over the interval. */
    pd_ns step = interval / 50;
    step = step < 10 * PD_MSEC ? 10 * PD_MSEC : step > 200 * PD_MSEC ? 200 * PD_MSEC : step;
    if (step > interval)
        step = 1;
    return (pd_ns)(h % (uint64_t)(interval / step)) * step;
}

void pd_sched_init(struct pd_sched *s)
{
    s->heap = NULL;
    s->n = 0;
    s->cap = 0;
}

void pd_sched_free(struct pd_sched *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->heap[i].item->heap_index = SIZE_MAX;
    free(s->heap);
    pd_sched_init(s);
}

static void place(struct pd_sched *s, size_t i, struct pd_sched_entry e)
{
    s->heap[i] = e;
    e.item->heap_index = i;
}

static void sift_up(struct pd_sched *s, size_t i)
{
    struct pd_sched_entry e = s->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (s->heap[parent].due <= e.due)
            break;
        place(s, i, s->heap[parent]);
        i = parent;
    }
    place(s, i, e);
}

static void sift_down(struct pd_sched *s, size_t i)
{
    struct pd_sched_entry e = s->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= s->n)
            break;
        if (child + 1 < s->n && s->heap[child + 1].due < s->heap[child].due)
            child++;
        if (e.due <= s->heap[child].due)
            break;
        place(s, i, s->heap[child]);
        i = child;
    }
    place(s, i, e);
}

/* The first slot strictly after now. */
static pd_ns next_slot(pd_ns now, pd_ns interval, pd_ns phase)
{
    pd_ns base = now - now % interval + phase;
    return base > now ? base : base + interval;
}

int pd_sched_add(struct pd_sched *s, struct pd_sched_item *item, pd_ns now, pd_ns interval,
                 pd_ns phase)
{
    if (interval <= 0)
        return -EINVAL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct pd_sched_entry *heap = realloc(s->heap, cap * sizeof(*heap));
        if (!heap)
            return -ENOMEM;
        s->heap = heap;
        s->cap = cap;
    }
    item->interval = interval;
    item->phase = phase % interval;
    item->due = next_slot(now, interval, item->phase);
    place(s, s->n++, (struct pd_sched_entry){item->due, item});
    sift_up(s, item->heap_index);
    return 0;
}

void pd_sched_remove(struct pd_sched *s, struct pd_sched_item *item)
{
    size_t i = item->heap_index;
    if (i >= s->n || s->heap[i].item != item)
        return;
    item->heap_index = SIZE_MAX;
    struct pd_sched_entry last = s->heap[--s->n];
    if (i == s->n)
        return;
    place(s, i, last);
    sift_down(s, i);
    sift_up(s, last.item->heap_index);
}

pd_ns pd_sched_next(const struct pd_sched *s)
{
    return s->n ? s->heap[0].due : INT64_MAX;
}

struct pd_sched_item *pd_sched_pop_due(struct pd_sched *s, pd_ns now, uint64_t *missed)
{
    *missed = 0;
    if (s->n == 0 || s->heap[0].due > now)
        return NULL;
    struct pd_sched_item *item = s->heap[0].item;
    pd_ns next = next_slot(now, item->interval, item->phase);
    /* Slots strictly between the one being run and the next were lost. */
    *missed = (uint64_t)((next - item->due) / item->interval) - 1;
    item->due = next;
    s->heap[0].due = next;
    sift_down(s, 0);
    return item;
}
