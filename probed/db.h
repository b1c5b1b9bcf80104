/*
 * The SQLite event store: schema, migrations, the writes of the storage
 * thread and the reads of probectl; the only module that includes
 * <sqlite3.h>. Times are integer nanoseconds since the Unix epoch
 * (UTC); states are the strings "UP", "DOWN", "UNKNOWN".
 *
 * Schema (version 1, PRAGMA user_version):
 *   runs(id, started_ns, last_heartbeat_ns, stopped_ns, end_ns, end_reason,
 *        pid, host, version)
 *   transitions(id, run_id, target_id, check_id, at_ns, detected_ns,
 *        from_state, to_state, reason)      check_id '' = the target itself
 *   unobserved(id, from_ns, to_ns, reason)  time no probed was watching
 *   targets(id, name, address, type, site, added_ns, retired_ns)
 *   inventory_changes(id, at_ns, target_id, change, detail)
 *        change in ('added', 'changed', 'retired', 'returned')
 *   current_state(target_id, check_id, state, since_ns, last_ns,
 *        last_verdict, last_reason, last_metrics, rounds, skipped, run_id)
 *        last_verdict in ('ok', 'bad', 'none'); last_metrics a JSON object
 * Version 2 adds
 *   maintenance(id, start_ns, end_ns, scope, what, reason, created_ns,
 *        created_by, removed_ns, removed_by)
 *        scope in ('all', 'target', 'site', 'system'); a removed window
 *        keeps its row, with removed_ns set
 * Version 3 adds
 *   events(id, run_id, target_id, check_id, at_ns, kind, message)
 *        what a probe saw besides state changes (kind "reboot", ...)
 * Version 4 adds series(target_id, check_id, series, label, description,
 *        first_ns, changed_ns) and events.series
 * Version 5 adds (db_alerts.h)
 *   alerts(id, created_ns, route, channel, kind, subject, items, body,
 *        state, attempts, next_ns, expires_ns, done_ns, last_error)
 *        state in ('pending', 'delivered', 'expired')
 *   alert_attempts(id, alert_id, at_ns, duration_ns, ok, error)
 *   alert_cursor(id = 1, transition_id): transitions up to it are alerted
 */
#ifndef PROBED_DB_H
#define PROBED_DB_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

#define PD_DB_FILE           "probed.db"
#define PD_DB_SCHEMA_VERSION 5

struct pd_db;

/* Open <data_dir>/probed.db. Read-write mode creates and migrates it (WAL,
 * synchronous=FULL so that a commit survives a power cut); read-only mode fails with
 * -ENOENT when it does not exist and -EPROTO when its schema is newer than
 * this binary knows. */
int pd_db_open(const char *data_dir, int readonly, struct pd_db **out, char *err, size_t errlen);
void pd_db_close(struct pd_db *db);

/* Row views: strings are valid only during the callback, and never NULL
 * ("" when the column is empty). A callback returns 0 to go on, non-zero to
 * stop (which the query then returns). */
struct pd_run_row {
    int64_t id;
    pd_ns started, last_heartbeat;
    pd_ns stopped; /* 0 while running or after an unclean stop */
    int pid;
    const char *host, *version;
};

struct pd_status_row {
    const char *target_id, *name, *address, *type, *site;
    const char *check_id; /* "" for the target itself */
    const char *state;
    pd_ns since;
    pd_ns last; /* 0: no result yet */
    const char *last_verdict, *last_reason, *last_metrics;
    uint64_t rounds, skipped;
};

struct pd_event_row {
    int64_t id;
    const char *target_id, *name, *site, *check_id;
    pd_ns at, detected;
    const char *from, *to, *reason;
};

struct pd_event_filter {
    const char *target_id;   /* NULL: any */
    const char *site_prefix; /* NULL: any; "guizhou/guiyang" matches it and below */
    pd_ns from, until;       /* [from, until); 0: open */
    int targets_only;        /* 1: only check_id '' rows */
};

struct pd_gap_row {
    pd_ns from, to;
    const char *reason;
};

/* 0 when found, -ENOENT when no run was ever recorded. */
int pd_db_last_run(struct pd_db *db, int (*cb)(const struct pd_run_row *, void *), void *arg);

/* In-service targets (not retired), ordered by site, target, check. */
int pd_db_status(struct pd_db *db, const char *site_prefix, const char *target_id,
                 int (*cb)(const struct pd_status_row *, void *), void *arg);

/* Transitions ordered by at_ns, id. */
int pd_db_events(struct pd_db *db, const struct pd_event_filter *filter,
                 int (*cb)(const struct pd_event_row *, void *), void *arg);

/* Unobserved gaps overlapping [from, until), ordered by from. */
int pd_db_gaps(struct pd_db *db, pd_ns from, pd_ns until,
               int (*cb)(const struct pd_gap_row *, void *), void *arg);

/* The readers below take only (borrowed) and n_only: the target ids to
 * read, or NULL for every target. A page about one device reads its own
 * rows through the index, not the whole store. */

/* Every target ever in the inventory, retired ones too (retired 0: in
 * service), ordered by id. */
struct pd_target_row {
    const char *id, *name, *address, *type, *site;
    pd_ns added, retired;
};
int pd_db_targets(struct pd_db *db, const char *const *only, size_t n_only,
                  int (*cb)(const struct pd_target_row *, void *), void *arg);

/* The state changes of the targets themselves (check_id ''), in the order
 * they were recorded (all targets interleaved). state is "UP", "DOWN" or
 * "UNKNOWN". */
struct pd_point_row {
    const char *target_id, *check_id;
    pd_ns at;
    const char *state, *reason;
};
int pd_db_target_points(struct pd_db *db, const char *const *only, size_t n_only,
                        int (*cb)(const struct pd_point_row *, void *), void *arg);
/* The same for the checks named in check_ids (n >= 1, borrowed): e.g. the
 * media checks a report shows. */
int pd_db_check_points(struct pd_db *db, const char *const *check_ids, size_t n,
                       const char *const *only, size_t n_only,
                       int (*cb)(const struct pd_point_row *, void *), void *arg);
/* The latest time of any target's own state change (0 when none): how far
 * the records reach, whichever targets a reader reads. */
int pd_db_last_target_point(struct pd_db *db, pd_ns *at);

struct pd_maint_row {
    int64_t id;
    pd_ns start, end;
    const char *scope; /* "all", "target", "site", "system" */
    const char *what;  /* "" for all */
    const char *reason, *created_by, *removed_by;
    pd_ns created, removed; /* removed 0: in force */
};
/* Windows overlapping [from, until) (0: open), by start; removed ones only
 * when with_removed. */
int pd_db_maintenance(struct pd_db *db, pd_ns from, pd_ns until, int with_removed,
                      int (*cb)(const struct pd_maint_row *, void *), void *arg);
/* Writes, for probectl on a store opened read-write. All n windows or
 * none, in one transaction; ids (n of them, may be NULL) get their row
 * ids. 0 or -errno. */
int pd_db_maintenance_add(struct pd_db *db, const struct pd_maint_row *w, size_t n, int64_t *ids);
/* -ENOENT when no window in force has this id. */
int pd_db_maintenance_remove(struct pd_db *db, int64_t id, pd_ns at, const char *by);

/* Probe events (pd_event), ordered by time; the filter as for
 * transitions (targets_only ignored). */
struct pd_note_row {
    const char *target_id, *name, *site, *check_id;
    pd_ns at;
    const char *kind, *message;
    const char *series; /* "" when about the check itself */
};
int pd_db_notes(struct pd_db *db, const struct pd_event_filter *filter,
                int (*cb)(const struct pd_note_row *, void *), void *arg);

/* The described parts of checks (pd_describe), ordered by target, check
 * and series; target_id, check_id NULL: all. series "" is the check. */
struct pd_series_row {
    const char *target_id, *check_id, *series, *label, *description;
    pd_ns first, changed;
};
int pd_db_series(struct pd_db *db, const char *target_id, const char *check_id,
                 int (*cb)(const struct pd_series_row *, void *), void *arg);

#endif
