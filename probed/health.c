#include "health.h"

#include <stdlib.h>
#include <string.h>

/* Lateness of a round's start: the loop wakes on a 10 ms grid and a
 * little early, so anything past a millisecond or two is the loop being
 * busy, and past the 10 ms grid it is late for real. */
static const pd_ns lateness_bounds[] = {
    PD_MSEC / 10,  PD_MSEC / 2,  PD_MSEC,      2 * PD_MSEC,   5 * PD_MSEC,
    10 * PD_MSEC,  20 * PD_MSEC, 50 * PD_MSEC, 100 * PD_MSEC, 200 * PD_MSEC,
    500 * PD_MSEC, PD_SEC,       2 * PD_SEC,   5 * PD_SEC,    10 * PD_SEC,
};

/* One storage batch: a commit with its fsync takes milliseconds; RRD
 * updates of thousands of files take up to seconds. */
static const pd_ns write_bounds[] = {
    PD_MSEC,        5 * PD_MSEC / 2, 5 * PD_MSEC,   10 * PD_MSEC,  25 * PD_MSEC,
    50 * PD_MSEC,   100 * PD_MSEC,   250 * PD_MSEC, 500 * PD_MSEC, PD_SEC,
    5 * PD_SEC / 2, 5 * PD_SEC,      10 * PD_SEC,   30 * PD_SEC,
};

_Static_assert(sizeof(lateness_bounds) / sizeof(lateness_bounds[0]) <= PD_HIST_MAX_BOUNDS,
               "lateness buckets");
_Static_assert(sizeof(write_bounds) / sizeof(write_bounds[0]) <= PD_HIST_MAX_BOUNDS,
               "write buckets");

static void hist_init(struct pd_hist *hist, const pd_ns *bounds, size_t n)
{
    hist->bounds = bounds;
    hist->n_bounds = n;
    for (size_t i = 0; i <= PD_HIST_MAX_BOUNDS; i++)
        atomic_init(&hist->counts[i], 0);
    atomic_init(&hist->sum_ns, 0);
    atomic_init(&hist->max_ns, 0);
}

void pd_health_init(struct pd_health *h, pd_ns start_wall)
{
    memset(h, 0, sizeof(*h));
    h->start_wall = start_wall;
    hist_init(&h->round_lateness, lateness_bounds,
              sizeof(lateness_bounds) / sizeof(lateness_bounds[0]));
    hist_init(&h->write_time, write_bounds, sizeof(write_bounds) / sizeof(write_bounds[0]));
    atomic_init(&h->last_reload_wall, start_wall);
    atomic_init(&h->last_reload_ok, 1);
    atomic_init(&h->counters, NULL);
}

void pd_health_free(struct pd_health *h)
{
    struct pd_counter *c = atomic_exchange(&h->counters, NULL);
    while (c) {
        struct pd_counter *next = c->next;
        free(c);
        c = next;
    }
}

size_t pd_hist_bucket(const struct pd_hist *hist, pd_ns v)
{
    size_t i = 0;
    while (i < hist->n_bounds && v > hist->bounds[i])
        i++;
    return i;
}

void pd_hist_observe(struct pd_hist *hist, pd_ns v)
{
    if (v < 0)
        v = 0;
    atomic_fetch_add_explicit(&hist->counts[pd_hist_bucket(hist, v)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist->sum_ns, v, memory_order_relaxed);
    /* One writer: a load and a store, no compare-and-swap loop. */
    if (v > atomic_load_explicit(&hist->max_ns, memory_order_relaxed))
        atomic_store_explicit(&hist->max_ns, v, memory_order_relaxed);
}

static int name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n >= 1 && n < max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

struct pd_counter *pd_health_counter(struct pd_health *h, const char *plugin, const char *name,
                                     const char *help)
{
    if (!name_ok(plugin, sizeof(((struct pd_counter *)0)->plugin)) ||
        !name_ok(name, sizeof(((struct pd_counter *)0)->name)))
        return NULL;
    /* A plugin initialised again (or asking twice) keeps counting on. */
    for (struct pd_counter *c = atomic_load_explicit(&h->counters, memory_order_acquire); c;
         c = c->next)
        if (strcmp(c->plugin, plugin) == 0 && strcmp(c->name, name) == 0)
            return c;
    struct pd_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->plugin, sizeof(c->plugin), "%s", plugin);
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->help, sizeof(c->help), "%s", help ? help : "");
    c->help[strcspn(c->help, "\n\\")] = '\0'; /* one line, nothing to escape */
    atomic_init(&c->value, 0);
    c->next = atomic_load_explicit(&h->counters, memory_order_relaxed);
    /* Release: a web thread that sees the pointer sees the names too. */
    atomic_store_explicit(&h->counters, c, memory_order_release);
    return c;
}

static uint64_t get(const _Atomic uint64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
    family(f, name, "counter", help);
    fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
    family(f, name, "gauge", help);
    fprintf(f, "%s %.17g\n", name, v);
}

/* Buckets are read one by one while the writer goes on: the count is the
 * sum of what was read, so the cumulative buckets never decrease and +Inf
 * equals _count. The sum may run a few observations ahead. */
static void histogram(FILE *f, const char *name, const char *help, const struct pd_hist *hist)
{
    family(f, name, "histogram", help);
    uint64_t cum = 0;
    for (size_t i = 0; i <= hist->n_bounds; i++) {
        cum += get(&hist->counts[i]);
        if (i < hist->n_bounds)
            fprintf(f, "%s_bucket{le=\"%.9g\"} %llu\n", name, (double)hist->bounds[i] / 1e9,
                    (unsigned long long)cum);
        else
            fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    }
    fprintf(f, "%s_sum %.9f\n", name,
            (double)atomic_load_explicit(&hist->sum_ns, memory_order_relaxed) / 1e9);
    fprintf(f, "%s_count %llu\n", name, (unsigned long long)cum);
}

static double seconds(pd_ns ns)
{
    return (double)ns / 1e9;
}

void pd_health_write_prometheus(const struct pd_health *h, FILE *f, pd_ns now_wall)
{
    family(f, "probed_build_info", "gauge", "probed's version, as a label; always 1.");
    fprintf(f, "probed_build_info{version=\"%s\",plugin_abi=\"%d\"} 1\n", PROBED_VERSION,
            PD_PLUGIN_ABI);
    gauge(f, "probed_start_time_seconds", "When the daemon started, in seconds since the epoch.",
          seconds(h->start_wall));
    gauge(f, "probed_uptime_seconds", "How long the daemon has been running.",
          seconds(now_wall - h->start_wall));
    gauge(f, "probed_targets", "Targets in the running configuration.", (double)get(&h->targets));
    gauge(f, "probed_checks", "Checks in the running configuration.", (double)get(&h->checks));
    counter(f, "probed_config_reloads_total", "Configuration reloads asked for (SIGHUP).",
            get(&h->reloads));
    counter(f, "probed_config_reload_failures_total",
            "Reloads that failed: the previous configuration kept running.",
            get(&h->reload_failures));
    gauge(f, "probed_config_last_reload_successful",
          "1 when the last reload (or the start) succeeded, else 0.",
          atomic_load_explicit(&h->last_reload_ok, memory_order_relaxed));
    gauge(f, "probed_config_last_reload_success_timestamp_seconds",
          "When the configuration was last loaded with success (the start, before any reload).",
          seconds(atomic_load_explicit(&h->last_reload_wall, memory_order_relaxed)));

    counter(f, "probed_rounds_started_total", "Rounds the scheduler started, all checks.",
            get(&h->rounds_started));
    counter(f, "probed_rounds_skipped_total",
            "Rounds not run: their slot came while the previous round still ran, or passed "
            "while the loop was busy.",
            get(&h->rounds_skipped));
    counter(f, "probed_results_total", "Round results the plugins submitted.", get(&h->results));
    histogram(f, "probed_round_start_lateness_seconds",
              "How long after its planned slot a round started (early starts count as 0).",
              &h->round_lateness);
    gauge(f, "probed_round_start_lateness_max_seconds",
          "The latest round start since the daemon started.",
          seconds(atomic_load_explicit(&h->round_lateness.max_ns, memory_order_relaxed)));

    gauge(f, "probed_storage_queue_samples",
          "Samples waiting in the storage queue (dropped, oldest first, when it is full).",
          (double)get(&h->queue_samples));
    gauge(f, "probed_storage_queue_capacity_samples", "The storage queue's size (queue_size).",
          (double)get(&h->queue_capacity));
    gauge(f, "probed_storage_queue_records",
          "Everything waiting for the storage thread: samples, status rows, events.",
          (double)get(&h->queue_records));
    counter(f, "probed_storage_samples_written_total", "Samples written to RRD files.",
            get(&h->samples_written));
    counter(f, "probed_storage_samples_dropped_total",
            "Samples dropped because the storage queue was full.", get(&h->samples_dropped));
    counter(f, "probed_storage_rrd_errors_total", "RRD updates that failed.", get(&h->rrd_errors));
    counter(f, "probed_storage_transitions_committed_total",
            "State transitions committed to the event store.", get(&h->transitions_committed));
    histogram(f, "probed_storage_write_seconds",
              "Time the storage thread took for one batch: event store commit and RRD updates.",
              &h->write_time);
    gauge(f, "probed_storage_write_max_seconds", "The longest batch since the daemon started.",
          seconds(atomic_load_explicit(&h->write_time.max_ns, memory_order_relaxed)));

    for (const struct pd_counter *c = atomic_load_explicit(&h->counters, memory_order_acquire); c;
         c = c->next) {
        char name[128], help[200];
        snprintf(name, sizeof(name), "probed_%s_%s_total", c->plugin, c->name);
        snprintf(help, sizeof(help), "%s", c->help[0] ? c->help : "A plugin's own counter.");
        counter(f, name, help, get(&c->value));
    }
}
