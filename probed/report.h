/*
 * The monthly availability report: every target, system and site in one
 * scope over one calendar month, each with its figures (availability.h)
 * and the verdicts of its severity's limits. pd_report_build() is pure:
 * plain data in (read from the event store or from exported files by
 * report_source.c), one struct pd_report out; the report_*.c writers turn
 * that into CSV, JSON, HTML or XLSX. docs/reports.md defines every figure.
 */
#ifndef PROBED_REPORT_H
#define PROBED_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "availability.h"
#include "plugin.h"

/* What a maintenance window covers. */
enum pd_maint_scope {
    PD_MAINT_ALL,    /* every target */
    PD_MAINT_TARGET, /* one target id */
    PD_MAINT_SITE,   /* a site path and everything below it */
    PD_MAINT_SYSTEM, /* one system: its own timeline, not its members' */
};

struct pd_maint_window {
    long long id; /* the event store's row id; 0 when from the config or a file */
    struct pd_span span;
    enum pd_maint_scope scope;
    char *what;   /* target id, site path or system id; NULL for PD_MAINT_ALL */
    char *reason; /* free text from people */
};

/* "target", "site", "system" or "all" */
const char *pd_maint_scope_name(enum pd_maint_scope s);
/* Does w cover this target (id and site path, borrowed)? */
bool pd_maint_covers_target(const struct pd_maint_window *w, const char *id, const char *site);

struct pd_report_severity {
    char *name;
    struct pd_sla_limits limits;
};

/* Inputs are borrowed for the duration of pd_report_build(). */
struct pd_report_target_in {
    const char *id, *name, *site, *type;
    const char *severity;                  /* must name one of the input's severities */
    pd_ns added;                           /* 0: in service since before any period */
    pd_ns retired;                         /* 0: in service */
    const struct pd_avail_point *timeline; /* sorted, the target's own state */
    size_t n_timeline;
    /* Media quality (docs/reports.md): has_media when the target has rtp
     * checks; media is their merged state, sorted: DOWN (degraded) when
     * any is DOWN, else UP when any is UP, else UNKNOWN (no media). */
    bool has_media;
    const struct pd_avail_point *media;
    size_t n_media;
};

struct pd_report_system_in {
    const char *id, *name, *severity;
    enum pd_system_rule rule;
    unsigned k;                 /* for PD_SYSTEM_K_OF_N */
    const char *const *members; /* target ids, each among the input's targets */
    size_t n_members;
};

enum pd_report_scope { PD_SCOPE_ALL, PD_SCOPE_TARGET, PD_SCOPE_SITE, PD_SCOPE_SYSTEM };

struct pd_report_input {
    const char *month;     /* "2026-10" */
    struct pd_span period; /* the month in the time zone (pd_time_month) */
    const char *timezone;
    const char *version;     /* probed's */
    const char *config_hash; /* hex SHA-256 of the configuration files */
    const char *source;      /* where the records came from, for people */
    pd_ns generated;         /* when the report was made */
    pd_ns observed_until;    /* the records reach this far (last heartbeat, export time) */

    enum pd_report_scope scope;
    const char *scope_what; /* target id, site path or system id */

    const struct pd_report_severity *severities;
    size_t n_severities;
    const struct pd_report_target_in *targets;
    size_t n_targets;
    const struct pd_report_system_in *systems;
    size_t n_systems;
    const struct pd_maint_window *maintenance;
    size_t n_maintenance;

    /* Called after each target with (done, total), e.g. for progress on
     * stderr; may be NULL. */
    void (*progress)(size_t done, size_t total, void *arg);
    void *progress_arg;

    /* The month has not ended: the period stops short of it and the
     * report is provisional (pd_report_period_so_far). */
    bool so_far;
};

/* A target's media quality over its in-service part of the period. Only
 * time with media (UP or DOWN) is observed: no call is not a fault. */
struct pd_report_media {
    bool has;             /* the target has media checks; the rest is 0 without */
    double observed_s;    /* media seen, good or degraded, outside maintenance */
    double degraded_s;    /* DOWN outside maintenance */
    double no_media_s;    /* UNKNOWN (no call, or not observed), outside maintenance */
    double maintenance_s; /* inside a maintenance window */
    double degraded_pct;  /* degraded / observed x 100; NAN when nothing observed */
    unsigned periods;     /* degraded periods beginning in the period, outside maintenance */
    double longest_s;     /* the longest of those, within the period; 0 without */
};

struct pd_report_target {
    char *id, *name, *site, *type;
    const struct pd_report_severity *severity; /* into pd_report.severities */
    pd_ns added, retired;
    struct pd_avail avail;
    struct pd_sla_result sla;
    struct pd_report_media media;
    /* Seen (UP or DOWN) after the month ended: no later record can change
     * a figure of it. */
    bool final;
};

struct pd_report_system {
    char *id, *name;
    const struct pd_report_severity *severity;
    enum pd_system_rule rule;
    unsigned k;     /* members needed UP: n for all, 1 for any */
    char **members; /* target ids */
    size_t n_members;
    struct pd_avail avail;
    struct pd_sla_result sla;
};

/* One node of the site tree: the targets at this path and below it. */
struct pd_report_site {
    char *path;     /* "guizhou/guiyang" */
    unsigned level; /* 1 for "guizhou", 2 for "guizhou/guiyang", ... */
    unsigned devices;
    unsigned met, not_met, unverified, no_limit; /* overall verdicts of its devices */
    unsigned measured;        /* devices with an availability figure (total > 0) */
    double availability_mean; /* over those; NAN when none */
    unsigned failures;
    double downtime_s;
    double unknown_s;
};

struct pd_report {
    char *month, *timezone, *version, *config_hash, *source;
    struct pd_span period;
    pd_ns generated;
    enum pd_report_scope scope;
    char *scope_what; /* NULL for PD_SCOPE_ALL */
    bool provisional; /* some target was not seen after the month ended */

    struct pd_report_severity *severities;
    size_t n_severities;
    struct pd_report_target *targets; /* by site, then id */
    size_t n_targets;
    struct pd_report_system *systems; /* by id */
    size_t n_systems;
    struct pd_report_site *sites; /* by path: a parent before its children */
    size_t n_sites;
    struct pd_maint_window *maintenance; /* the windows that touch the period and scope */
    size_t n_maintenance;

    /* Totals over the reported targets. */
    unsigned met, not_met, unverified, no_limit;
    unsigned failures, outages;
    unsigned media_targets, media_periods; /* targets with media checks, their periods */
    double media_degraded_s;
};

/* 0; -ENOENT when the scope names a target, site or system the input does
 * not have; -EINVAL for inconsistent input (unknown severity or member,
 * unsorted timeline); -ENOMEM. err says which, for people. *out is owned
 * by the caller (pd_report_free). */
int pd_report_build(const struct pd_report_input *in, struct pd_report **out, char *err,
                    size_t errlen);
void pd_report_free(struct pd_report *r);

/* Set in->period for the month [start, end) made at `now`, once the
 * records are read (in->observed_until set). A month that has not ended
 * is reported "so far": up to where the records reach (observed_until,
 * or now when nothing of the month was recorded yet), because a timeline's
 * last state would otherwise run on into time that has not happened, and
 * an ongoing outage would count downtime up to the month's end. The same
 * records give the same period, so a report recomputed from the exported
 * files matches. Returns true when the period was cut short. */
bool pd_report_period_so_far(struct pd_report_input *in, pd_ns start, pd_ns end, pd_ns now);

const char *pd_report_scope_name(enum pd_report_scope s); /* "all", "target", ... */
const char *pd_system_rule_name(enum pd_system_rule r);   /* "all", "any", "k_of_n" */

/* Whole seconds of a duration in ns, for the writers. */
static inline double pd_report_seconds(pd_ns d)
{
    return (double)(d / 1000000000) + (double)(d % 1000000000) / 1e9;
}

#endif
