/*
 * The writes of the storage thread to the event store. Private to the
 * storage module: probectl opens the store read-only and sees only db.h.
 *
 * Every write but pd_db_start_run() runs inside the transaction opened by
 * pd_db_begin(). They return 0 or -errno: -EBUSY, -ENOSPC, -EIO and -ENOMEM
 * are worth retrying with the same records after a rollback; -EINVAL means
 * this record can never be written (it violates a constraint).
 */
#ifndef PROBED_DB_WRITE_H
#define PROBED_DB_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "state.h"
#include "storage.h"

int pd_db_begin(struct pd_db *db);
int pd_db_commit(struct pd_db *db);
void pd_db_rollback(struct pd_db *db);

/* In its own transaction: close the previous run as pd_storage_open()
 * describes, then record a new run started at now (pid, host name and
 * version, borrowed). */
int pd_db_start_run(struct pd_db *db, pd_ns now, const char *version, int64_t *run_id, char *err,
                    size_t errlen);

int pd_db_heartbeat(struct pd_db *db, int64_t run_id, pd_ns at);

/* A probe's event (strings borrowed; series NULL: about the check). */
int pd_db_event(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                const char *series, pd_ns at, const char *kind, const char *message);
/* What a check (series NULL or "") or one of its series is; its first
 * time kept, changed_ns moved only when label or description changed. */
int pd_db_describe(struct pd_db *db, const char *target_id, const char *check_id,
                   const char *series, pd_ns at, const char *label, const char *description);

/* Record t and make it the current state of (target_id, check_id). A
 * transition to the state already stored (a missing row counts as UNKNOWN)
 * is redundant, e.g. a check the inventory already closed: it is skipped. */
int pd_db_transition(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                     const struct pd_transition *t, pd_ns detected, const char *reason);

/* Only the last_*, rounds and skipped columns; creates the row (UNKNOWN
 * since `when`) if missing. NAN metrics become JSON null. */
int pd_db_last_result(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                      pd_ns when, enum pd_verdict verdict, const char *reason,
                      const struct pd_metric *metrics, size_t n_metrics, uint64_t rounds,
                      uint64_t skipped);

/* The diff of pd_storage_inventory(). Also gives every listed target and
 * check a current_state row (UNKNOWN since at) so that status shows it
 * before its first result. */
int pd_db_inventory(struct pd_db *db, int64_t run_id, pd_ns at,
                    const struct pd_inventory_item *targets, size_t n_targets,
                    const struct pd_check_ref *checks, size_t n_checks);

/* Every open state becomes UNKNOWN at `at` with reason "daemon stopped";
 * the run is marked stopped. */
int pd_db_end_run(struct pd_db *db, int64_t run_id, pd_ns at);

#endif
