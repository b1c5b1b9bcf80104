/*
 * Availability, MTBF and MTTR of one target (or system) over one period,
 * from its state timeline and maintenance windows. Pure: no clock, no I/O;
 * the caller reads the store and computes the period's bounds in the
 * configured time zone (pd_time_month). docs/reports.md defines every
 * figure, with a worked example.
 *
 * Times are wall-clock ns; durations in the results are seconds (double)
 * or ns where noted. A figure that cannot be computed is NAN ("null" in
 * exports), never 0 or 100.
 */
#ifndef PROBED_AVAILABILITY_H
#define PROBED_AVAILABILITY_H

#include <stdbool.h>
#include <stddef.h>

#include "plugin.h"
#include "state.h"

/* [start, end) */
struct pd_span {
    pd_ns start;
    pd_ns end;
};

/* The state from `at` on, until the next point. Before the first point the
 * state is UNKNOWN (nothing observed). */
struct pd_avail_point {
    pd_ns at;
    enum pd_state state;
};

struct pd_avail_input {
    struct pd_span period; /* e.g. a calendar month */
    pd_ns added;           /* in service from; 0: since before any period */
    pd_ns retired;         /* out of service from; 0: still in service */
    /* Sorted by `at` (equal times: the last one wins); may begin long
     * before the period, so that an outage that began earlier has its
     * full duration. Borrowed. */
    const struct pd_avail_point *timeline;
    size_t n_timeline;
    /* Any order, may overlap or reach outside the period. Borrowed. */
    const struct pd_span *maintenance;
    size_t n_maintenance;
};

/* One outage: a DOWN interval. DOWN, then unobserved time (UNKNOWN), then
 * DOWN again is one outage: the monitor's own gap neither splits a fault
 * into two failures nor counts as downtime. */
struct pd_outage {
    pd_ns start;      /* first instant DOWN */
    pd_ns end;        /* first instant not DOWN (and not a gap inside it); 0: ongoing */
    pd_ns counted;    /* its DOWN time outside maintenance, whole (to the period end
                       * when ongoing), including parts outside the period */
    pd_ns unobserved; /* the UNKNOWN time inside it (maintenance not subtracted) */
    bool begins_in_period;
    bool ends_in_period;   /* its last DOWN instant is in the in-service period: one
                            * that recovers at 00:00 on the 1st ended the month before */
    bool maintenance_only; /* wholly inside maintenance: not a failure */
};

struct pd_avail {
    double total_s;                   /* in-service part of the period */
    double maintenance_s;             /* in service and inside a maintenance window */
    double unknown_s;                 /* not observed, outside maintenance */
    double downtime_s;                /* DOWN, outside maintenance */
    double up_s;                      /* total - maintenance - unknown - downtime */
    double availability_pct;          /* (total - downtime) / total x 100 */
    double coverage_pct;              /* (total - unknown) / total x 100 */
    double observed_availability_pct; /* up / (up + downtime) x 100 */
    unsigned failures;                /* outages beginning in the period, not maintenance_only */
    double mtbf_h;                    /* up_s / failures / 3600; NAN with no failure */
    double mttr_min;                  /* mean `counted` of outages ending in the period (not
                                       * maintenance_only), minutes; NAN when none ended */
    unsigned ended;                   /* how many outages the MTTR is over */
    struct pd_outage *outages;        /* owned: every outage that overlaps the in-service
                                       * part of the period, by start */
    size_t n_outages;
};

/* 0, -EINVAL (empty period, timeline not sorted, a state outside the
 * enum, a maintenance window ending before it starts) or -ENOMEM; out is
 * zeroed first and owned by the caller (pd_avail_free) on success. An
 * ongoing outage's `counted` runs to the end of the in-service period.
 *
 * A month is final once every target was observed after it ended: a
 * target DOWN when the monitor lost sight of it, and DOWN again when seen
 * again, has one outage, which may end in the next month. */
int pd_avail_compute(const struct pd_avail_input *in, struct pd_avail *out);
void pd_avail_free(struct pd_avail *a);

/* Share (percent) of the outages ending in the period (those the MTTR is
 * over) whose `counted` duration is at most limit; NAN when none ended. */
double pd_avail_resolved_within(const struct pd_avail *a, pd_ns limit);

/* A contract's limits for one severity; 0 or NAN: no such limit. */
#define PD_SLA_MAX_RESOLVED 4
struct pd_sla_limits {
    double availability_min; /* percent */
    pd_ns mtbf_min;
    pd_ns mttr_max;
    struct {
        double share_pct; /* e.g. 95: 95 % of outages ... */
        pd_ns within;     /* ... resolved within 30 min */
    } resolved[PD_SLA_MAX_RESOLVED];
    size_t n_resolved;
    double coverage_min; /* below it every verdict is unverified; default 99 */
};

enum pd_sla_verdict {
    PD_SLA_NO_LIMIT = 0, /* the contract sets none */
    PD_SLA_MET,
    PD_SLA_NOT_MET,
    PD_SLA_UNVERIFIED, /* coverage below coverage_min, or nothing to judge on */
};

struct pd_sla_result {
    enum pd_sla_verdict availability, mtbf, mttr;
    enum pd_sla_verdict resolved[PD_SLA_MAX_RESOLVED];
    double resolved_pct[PD_SLA_MAX_RESOLVED];
    enum pd_sla_verdict overall; /* not_met if any is; else unverified if any is; else met */
};

/* A report never claims an SLA was met on data it did not observe. An
 * MTBF with no failure is met; an MTTR with no outage ended is met. Means
 * are judged on totals (up >= limit x failures), so a value exactly at
 * its limit is judged exactly, not after rounding. */
void pd_sla_judge(const struct pd_avail *a, const struct pd_sla_limits *lim,
                  struct pd_sla_result *out);

const char *pd_sla_verdict_name(enum pd_sla_verdict v); /* "met", "not_met", ... */

/* Systems: a named group of targets, UP when its rule holds. */
enum pd_system_rule { PD_SYSTEM_ALL, PD_SYSTEM_ANY, PD_SYSTEM_K_OF_N };

struct pd_system_member {
    const struct pd_avail_point *timeline; /* borrowed, sorted */
    size_t n_timeline;
    const struct pd_span *maintenance; /* borrowed: a member in maintenance counts as UP */
    size_t n_maintenance;
};

/* The system's timeline from its n >= 1 members': with u members UP and x
 * UNKNOWN, UP when u >= k, DOWN when u + x < k, UNKNOWN otherwise (k = n
 * for all, 1 for any). *out (owned by the caller, free()) holds one point
 * per change, from the earliest member point. 0, -EINVAL (k not in 1..n)
 * or -ENOMEM. */
int pd_system_timeline(const struct pd_system_member *members, size_t n, enum pd_system_rule rule,
                       unsigned k, struct pd_avail_point **out, size_t *n_out);

#endif
