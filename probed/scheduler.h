/*
 * The scheduler: one min-heap of due times for all checks, driven by one
 * loop timer. Each check fires at a fixed phase of its interval, derived
 * from a hash of its key, so that 10,000 checks with one interval spread
 * evenly over it and keep their phase across reloads and restarts. A slot
 * that passes while the check's round still runs is skipped, never stacked.
 * Pure: the caller passes the time.
 */
#ifndef PROBED_SCHEDULER_H
#define PROBED_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

struct pd_sched_item {
    pd_ns due;         /* ro: next slot, monotonic */
    pd_ns interval;    /* ro */
    pd_ns phase;       /* ro: due % interval == phase */
    size_t heap_index; /* private; SIZE_MAX when not scheduled */
};

/* Heap entries carry their due time: comparisons stay in one array
 * instead of chasing a pointer into each check (a cache miss apiece,
 * which at 10,000 checks was most of a pop). */
struct pd_sched_entry {
    pd_ns due;
    struct pd_sched_item *item;
};

struct pd_sched {
    struct pd_sched_entry *heap; /* private */
    size_t n;                    /* ro: items scheduled */
    size_t cap;                  /* private */
};

/* Phase in [0, interval) for a key such as "target/check": a multiple of
 * interval / 100, at least 10 ms and at most 100 ms (1 ns for intervals
 * under 10 ms). */
pd_ns pd_sched_phase(const char *key, pd_ns interval);

void pd_sched_init(struct pd_sched *s);
void pd_sched_free(struct pd_sched *s); /* frees the heap, not the items */

/* Schedule item (borrowed; must stay put until removed) at the first slot
 * after now. 0 or -ENOMEM. */
int pd_sched_add(struct pd_sched *s, struct pd_sched_item *item, pd_ns now, pd_ns interval,
                 pd_ns phase);
void pd_sched_remove(struct pd_sched *s, struct pd_sched_item *item);

/* Earliest due time, or INT64_MAX when empty. */
pd_ns pd_sched_next(const struct pd_sched *s);

/* Pop one item due at or before now and move it to its next slot after now.
 * *missed counts slots that passed unrun (the loop was late). NULL when
 * nothing is due. */
struct pd_sched_item *pd_sched_pop_due(struct pd_sched *s, pd_ns now, uint64_t *missed);

#endif
