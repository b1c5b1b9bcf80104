/*
 * The inputs of a report (report.h), read from the event store, or from
 * the files an auditor was given: the raw event export and a maintenance
 * CSV. Both give the same input for the same records, so a report
 * recomputed from the files matches the one from the store.
 *
 * Events file (probectl events export; docs/reports.md):
 *   time,target,state,check,message,name,site,type
 *   time: RFC 3339 with offset; state: up, down, unknown (the target's
 *   state from then on), added, retired (its in-service period), or
 *   observed (target empty: the records are complete up to this time).
 *   check is empty for the target's own state; rows of a check (up,
 *   down, unknown) are the state of that check: those of the target's
 *   media checks (type rtp in its template) give its media quality, the
 *   others are ignored. name, site and type may be empty (then from the
 *   config).
 * Maintenance file: start,end,target_or_site,reason; target_or_site is
 *   a target id, a site path, "system:ID", "site:PATH", "target:ID" or "*".
 */
#ifndef PROBED_REPORT_SOURCE_H
#define PROBED_REPORT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "report.h"

/* Events and report files are made by machines and grow with the
 * inventory: 100,000 targets make an events file of about 300 MiB. */
#define PD_REPORT_FILE_MAX ((size_t)4 << 30)

/* One check's state changes. */
struct pd_source_check {
    char *id;
    bool media;                    /* an rtp check of the target's template (set by the finish) */
    struct pd_avail_point *points; /* sorted */
    char **reasons;                /* parallel to points, for the export */
    size_t n_points, cap_points;
};

struct pd_source_target {
    char *id, *name, *site, *type;
    pd_ns added, retired;
    struct pd_avail_point *points; /* sorted */
    char **reasons;                /* parallel to points, for the export */
    size_t n_points, cap_points;
    struct pd_source_check *checks; /* by first appearance */
    size_t n_checks, cap_checks;
    struct pd_avail_point *media; /* the media checks' merged state (report.h) */
    size_t n_media;
};

/* Everything a report reads, owned here; in points into it. */
struct pd_report_data {
    struct pd_report_input in;        /* rw: the caller sets month, period, scope, ... */
    struct pd_source_target *targets; /* by id */
    size_t n_targets, cap_targets;
    struct pd_report_target_in *target_in;
    struct pd_report_severity *severities;
    struct pd_report_system_in *systems;
    struct pd_maint_window *maintenance;
    size_t n_maintenance, cap_maintenance;
    pd_ns observed_until;
};

/* Read the targets (only: the ids to read, borrowed, or NULL for every
 * target), their state changes and the maintenance windows (the store's
 * and the config's) from db, severities and systems from cfg. The records'
 * reach (observed_until) is the store's, whichever targets are read, so a
 * report of one target or system agrees with the whole one. 0 or -errno
 * with err set. Free with pd_report_data_free() either way. */
int pd_report_data_from_store(struct pd_db *db, const struct pd_config *cfg,
                              const char *const *only, size_t n_only, struct pd_report_data *d,
                              char *err, size_t errlen);
/* The same from an events file and, maint_path non-NULL, a maintenance
 * CSV (which replaces the store's windows; the config's still apply).
 * Every bad row is reported in err with file:line:col. */
int pd_report_data_from_files(const char *events_path, const char *maint_path,
                              const struct pd_config *cfg, struct pd_report_data *d, char *err,
                              size_t errlen);
void pd_report_data_free(struct pd_report_data *d);

/* The pieces of pd_report_data_from_files, for text already in memory
 * (the fuzz target): parse an events file into a zeroed d (0, or -EINVAL
 * with every bad row in err), then add the config's windows, severities
 * and systems. */
int pd_report_events_parse(struct pd_report_data *d, const char *file, const char *buf, size_t len,
                           char *err, size_t errlen);
int pd_report_data_finish(struct pd_report_data *d, const struct pd_config *cfg, char *err,
                          size_t errlen);

/* Read a maintenance CSV into windows (appended to d). Scopes are checked
 * against cfg. 0 or -EINVAL with every bad row in err. */
int pd_report_data_load_maintenance(struct pd_report_data *d, const struct pd_config *cfg,
                                    const char *path, char *err, size_t errlen);
/* Parse "target_or_site" as the maintenance file writes it. */
int pd_maint_scope_parse(const char *text, const struct pd_config *cfg, enum pd_maint_scope *scope,
                         const char **what, char *err, size_t errlen);

/* The part of a target's timeline that decides a month's figures: from
 * its last settled UP at or before the start (or its first point) to its
 * first settled UP at or after the end (or its last point). *lo, *hi:
 * index range [lo, hi). */
void pd_report_slice(const struct pd_source_target *t, struct pd_span period, size_t *lo,
                     size_t *hi);

/* The same for any sorted points (a check's). */
void pd_report_slice_points(const struct pd_avail_point *points, size_t n, struct pd_span period,
                            size_t *lo, size_t *hi);

/* The events file of a month: the slices of every target and of its
 * media checks, its added and retired rows, sorted by time, and the
 * observed row. 0 or -errno. */
int pd_report_events_write(const struct pd_report_data *d, struct pd_span period, FILE *out);

#endif
