/*
 * The inspection records of the contracts (docs/inspection.md): the daily
 * health check and the monthly inspection report. Both are a period's
 * availability report (report.h: the same pd_report_build over the same
 * records, so outages and figures agree with `probectl report` by
 * construction) with, per device, what was measured: state at the end,
 * checks not UP, loss, latency and jitter, SNMP reboots and interface
 * errors, certificate days left, media loss and jitter; and a list of
 * problems to act on first.
 *
 * This module is pure: statistics of samples, the problem list and the
 * per-site sums, from plain data. inspect_source.c reads the store and
 * the series files into it; inspect_*.c write it.
 */
#ifndef PROBED_INSPECT_H
#define PROBED_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "report.h"
#include "state.h"

/* A time-weighted summary of a series' values: each sample weighs the
 * time it covers, so rows of different steps mix fairly. Figures are NAN
 * when no sample had a value. */
struct pd_stat {
    size_t n;         /* samples with a value */
    double covered_s; /* the time they cover */
    double mean, p50, p95, max;
    double last;     /* the latest value */
    double integral; /* sum of value x seconds: a rate's count */
};

/* v[i] over w[i] seconds, oldest first; NAN values are skipped, as are
 * weights <= 0. A percentile is the least value whose samples, with
 * those below it, cover at least that share of the covered time. 0 or
 * -ENOMEM. */
int pd_stat_compute(const double *v, const double *w, size_t n, struct pd_stat *out);
void pd_stat_clear(struct pd_stat *s); /* n 0, figures NAN */

/* One part of a check with errors, discards or down events in the
 * period: an SNMP interface. */
struct pd_inspect_iface {
    char *series;    /* its id */
    char *label;     /* its name and alias, for people ("" when not described) */
    double errors;   /* in + out, estimated from the stored rates x time */
    double discards; /* the same */
    unsigned down_events;
};

/* A check's state at the period's end. */
struct pd_inspect_check {
    char *id, *type;
    enum pd_state state;
    pd_ns since;  /* when that state began; 0: not known */
    char *reason; /* why, as the probe said ("" when none) */
};

struct pd_inspect_device {
    const struct pd_report_target *t; /* borrowed: the inspection's report */
    enum pd_state state;              /* the target's at the period's end */
    pd_ns state_since;                /* 0: no state recorded */
    struct pd_inspect_check *checks;  /* its template's checks, in its order */
    size_t n_checks;

    bool has_icmp;         /* the template has an icmp check; the first one is summarised */
    pd_ns icmp_step;       /* the resolution of the rows read; 0: none read */
    struct pd_stat rtt;    /* rtt_median, ms */
    double rtt_max;        /* the largest rtt_max, ms */
    struct pd_stat loss;   /* loss_pct */
    struct pd_stat jitter; /* jitter, ms */

    bool has_snmp;
    unsigned reboots;                /* "reboot" events in the period */
    struct pd_inspect_iface *ifaces; /* those with errors, discards or down events */
    size_t n_ifaces;
    double if_errors, if_discards;
    unsigned if_down_events;

    bool has_cert;    /* an http check over TLS stored cert_days_left in the period */
    double cert_days; /* the least days left last seen among its http checks */

    bool has_rtp;
    struct pd_stat media_loss;   /* loss_pct of the first rtp check */
    struct pd_stat media_jitter; /* jitter_ms */

    char *note; /* what could not be read, for people; NULL when all was */
};

enum pd_problem_kind {
    PD_PROBLEM_DOWN,       /* DOWN at the end of the period */
    PD_PROBLEM_CHECK_DOWN, /* a check other than the availability ones DOWN at the end */
    PD_PROBLEM_OUTAGES,    /* outages in the period (the device is up again) */
    PD_PROBLEM_LOSS,       /* mean loss above the threshold */
    PD_PROBLEM_LATENCY,    /* 95th percentile RTT above the threshold */
    PD_PROBLEM_JITTER,
    PD_PROBLEM_MEDIA, /* degraded media (rtp checks DOWN) */
    PD_PROBLEM_CERT,  /* a certificate expiring within the threshold */
    PD_PROBLEM_REBOOT,
    PD_PROBLEM_IF_ERRORS,
    PD_PROBLEM_UNOBSERVED, /* observed less than the coverage minimum, or not now */
};

#define PD_PROBLEM_TEXT 200

struct pd_inspect_problem {
    enum pd_problem_kind kind;
    size_t device;              /* index into the inspection's devices */
    double impact;              /* how bad, within its kind: seconds down, percent lost, ... */
    char text[PD_PROBLEM_TEXT]; /* for people: "DOWN since 2026-11-20 09:12 (3h12m)" */
};

/* Per node of the report's site tree (parallel to report->sites). */
struct pd_inspect_site {
    unsigned down;     /* devices DOWN at the end */
    unsigned problems; /* devices with at least one problem */
    unsigned reboots;
    double if_errors;
    unsigned outages; /* overlapping the period */
};

enum pd_inspect_kind {
    PD_INSPECT_DAILY,
    PD_INSPECT_MONTHLY,
    PD_INSPECT_QUARTER, /* the quarter so far: the sample's figures */
};

struct pd_inspection {
    enum pd_inspect_kind kind;
    char *label;              /* "2026-11-20" (the day of the check) or "2026-11" */
    int32_t since_day;        /* daily: the working day whose check time begins the period */
    struct pd_report *report; /* owned: the period's availability report */
    struct pd_inspect_device *devices; /* owned, parallel to report->targets */
    size_t n_devices;
    struct pd_inspect_site *sites;       /* owned, parallel to report->sites */
    struct pd_inspect_problem *problems; /* owned: by kind, then impact, then device */
    size_t n_problems;
    /* The thresholds the problems were judged on. */
    double loss_pct, latency_ms, jitter_ms;
    long cert_days;
};

/* "down", "check_down", "outages", ... */
const char *pd_problem_kind_name(enum pd_problem_kind k);

/* Judge every device against the thresholds (c: the configuration's
 * inspection section) and sum the sites: fills problems and sites. The
 * devices and report must be set. 0 or -ENOMEM. */
int pd_inspect_finish(struct pd_inspection *in, const struct pd_inspection_conf *c);

void pd_inspect_device_clear(struct pd_inspect_device *d); /* frees what it owns */
void pd_inspection_free(struct pd_inspection *in);

#endif
