/*
 * probed's own health: figures the loop and the storage thread write and
 * the web threads read for /metrics, without a lock and without asking the
 * loop. Each figure is a C11 atomic with one writer (the loop, or the
 * storage thread, or the daemon's reload on the loop); readers may see one
 * figure a little ahead of another, which a scrape tolerates. Relaxed
 * ordering throughout: these are counters, not synchronisation, except
 * the plugin counters' list, published with release/acquire.
 *
 * The struct belongs to the daemon and must outlive the web server and
 * every thread that writes it.
 */
#ifndef PROBED_HEALTH_H
#define PROBED_HEALTH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plugin.h"

/* Upper bounds of a histogram's buckets, ascending, in ns; a last bucket
 * (+Inf) follows them. */
#define PD_HIST_MAX_BOUNDS 16

struct pd_hist {
    const pd_ns *bounds;                             /* ro: static, n_bounds of them */
    size_t n_bounds;                                 /* ro */
    _Atomic uint64_t counts[PD_HIST_MAX_BOUNDS + 1]; /* per bucket, not cumulative */
    _Atomic int64_t sum_ns;
    _Atomic int64_t max_ns;
};

/* A plugin's counter (pd_ctx_counter), shown as probed_<plugin>_<name>_total. */
struct pd_counter {
    struct pd_counter *next; /* ro once published */
    char plugin[32];
    char name[48];
    char help[160];
    _Atomic uint64_t value;
};

struct pd_health {
    pd_ns start_wall; /* ro after pd_health_init */
    /* The loop: rounds and their timing. */
    _Atomic uint64_t rounds_started, rounds_skipped, results;
    struct pd_hist round_lateness; /* round start after its planned slot */
    _Atomic uint64_t targets, checks;
    _Atomic uint64_t reloads, reload_failures;
    _Atomic int64_t last_reload_wall; /* ns: the last successful load */
    _Atomic int last_reload_ok;       /* the last reload (or the start) succeeded */
    /* The storage thread (and the loop as it enqueues). */
    _Atomic uint64_t queue_samples, queue_records, queue_capacity;
    _Atomic uint64_t samples_written, samples_dropped, rrd_errors, transitions_committed;
    struct pd_hist write_time; /* one batch: event store commit and RRD updates */
    /* Plugins' own counters, newest first; appended on the loop thread. */
    _Atomic(struct pd_counter *) counters;
};

void pd_health_init(struct pd_health *h, pd_ns start_wall);
/* Frees the plugin counters: only once no thread uses h any more. */
void pd_health_free(struct pd_health *h);

/* Count one observation of v ns (negative counts as 0). One writer per
 * histogram. */
void pd_hist_observe(struct pd_hist *hist, pd_ns v);
/* The bucket v falls in: the first bound >= v, n_bounds for +Inf. */
size_t pd_hist_bucket(const struct pd_hist *hist, pd_ns v);

static inline void pd_health_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline void pd_health_set(_Atomic uint64_t *g, uint64_t v)
{
    atomic_store_explicit(g, v, memory_order_relaxed);
}

/* The plugin counter of that name, made on first use (loop thread);
 * plugin and name [a-z0-9_], help one line, all copied. NULL on a bad name
 * or no memory. */
struct pd_counter *pd_health_counter(struct pd_health *h, const char *plugin, const char *name,
                                     const char *help);

/* Every figure in the Prometheus text format (0.0.4), with HELP and TYPE,
 * now_wall for the uptime. */
void pd_health_write_prometheus(const struct pd_health *h, FILE *f, pd_ns now_wall);

#endif
