/*
 * Storage: one thread that writes RRD files and the SQLite event store,
 * fed by queues that never block the probing loop.
 *
 * Two kinds of records:
 *  - lossy: series samples and "last result" updates. They sit in a ring of
 *    `queue_size` entries; when it is full the oldest sample is dropped and
 *    counted.
 *  - durable: transitions, heartbeats, inventory snapshots. Never dropped.
 *    A transition is acknowledged (pd_storage_take_committed) only after
 *    the SQLite transaction holding it has committed.
 *
 * Every enqueue function copies its arguments and may be called from the
 * loop thread only.
 */
#ifndef PROBED_STORAGE_H
#define PROBED_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"
#include "state.h"

struct pd_storage;

struct pd_storage_opts {
    const char *data_dir; /* borrowed; created if missing */
    const struct pd_rra_conf *rras;
    size_t n_rras; /* 0: built-in defaults */
    /* Samples of one RRD file are held up to this long and written in one
     * update: opening an RRD file costs far more than adding a row. 0:
     * write at once. pd_storage_flush() and close write everything held. */
    pd_ns rrd_write_delay;
    size_t queue_size;
    const char *version; /* written into the run record */
    /* Called on the storage thread after each commit that acknowledged
     * transitions; must only wake the loop (e.g. an async watcher). */
    void (*on_commit)(void *arg);
    void *on_commit_arg;
    /* Queue depth, samples written and dropped, batch write times, for
     * /metrics; borrowed, must outlive the storage; NULL: none kept. */
    struct pd_health *health;
};

struct pd_storage_stats {
    uint64_t samples_written;
    uint64_t samples_dropped; /* queue full */
    uint64_t rrd_errors;
    uint64_t transitions_committed;
    size_t queue_depth;
};

/* A committed transition, as handed back to the loop. */
struct pd_transition_rec {
    uint64_t seq; /* from pd_storage_transition() */
    char target_id[PD_ID_MAX + 1];
    char check_id[PD_ID_MAX + 1]; /* "" for the target's own state */
    struct pd_transition t;
    pd_ns detected;
};

struct pd_inventory_item {
    const char *id, *name, *address, *type, *site; /* borrowed */
};

struct pd_check_ref {
    const char *target_id, *check_id; /* borrowed */
};

/* Open (create, migrate) <data_dir>/probed.db, close the previous run (an
 * unclean one ends at its last sign of life: the later of its last
 * heartbeat and its last recorded result; every state it left open becomes
 * UNKNOWN there and the gap to now is recorded as unobserved), start a new
 * run and the writer thread. Runs on the caller's thread; 0 or -errno
 * (-EBUSY: another process uses data_dir, -EPROTO: its event store is of a
 * newer schema). */
int pd_storage_open(const struct pd_storage_opts *opts, struct pd_storage **out, char *err,
                    size_t errlen);

/* Write everything queued, end the run at `at` (every open state becomes
 * UNKNOWN with reason "daemon stopped"), stop the thread and free. */
void pd_storage_close(struct pd_storage *s, pd_ns at);

int64_t pd_storage_run_id(const struct pd_storage *s);

/* Lossy, like pd_storage_last_result: written within about a second
 * (batched) or at the next flush. series: NULL for the check's own file,
 * or one of its parts' (pd_series). interval: the check's interval, the
 * RRD step when the file is created. Metric names become data sources; a
 * file is created on first use with the names of that first sample. */
void pd_storage_sample(struct pd_storage *s, const char *target_id, const char *check_id,
                       const char *series, pd_ns interval, pd_ns when,
                       const struct pd_metric *metrics, size_t n_metrics);

/* Lossy (coalesced per check): the last result for `probectl status`. */
void pd_storage_last_result(struct pd_storage *s, const char *target_id, const char *check_id,
                            pd_ns when, enum pd_verdict verdict, const char *reason,
                            const struct pd_metric *metrics, size_t n_metrics, uint64_t rounds,
                            uint64_t skipped);

/* Durable. Returns a sequence number, acknowledged later. check_id "" is
 * the target's own state. */
uint64_t pd_storage_transition(struct pd_storage *s, const char *target_id, const char *check_id,
                               const struct pd_transition *t, pd_ns detected, const char *reason);

/* Durable. */
void pd_storage_heartbeat(struct pd_storage *s, pd_ns at);
/* Durable: a probe's event (kind "reboot", ...) about the check or one of
 * its series (NULL: the check), strings copied. */
void pd_storage_event(struct pd_storage *s, const char *target_id, const char *check_id,
                      const char *series, pd_ns at, const char *kind, const char *message);
/* Durable: what a check (series "") or one of its series is (pd_describe). */
void pd_storage_describe(struct pd_storage *s, const char *target_id, const char *check_id,
                         const char *series, pd_ns at, const char *label, const char *description);

/* Durable. The complete inventory now: targets not in it are retired (their
 * open states become UNKNOWN), new ones added, changed ones recorded; checks
 * not in `checks` leave the status table. */
void pd_storage_inventory(struct pd_storage *s, pd_ns at, const struct pd_inventory_item *targets,
                          size_t n_targets, const struct pd_check_ref *checks, size_t n_checks);

/* Wait until everything queued so far is written (tests, shutdown). */
void pd_storage_flush(struct pd_storage *s);

/* Loop thread: move up to max acknowledged transitions into out. */
size_t pd_storage_take_committed(struct pd_storage *s, struct pd_transition_rec *out, size_t max);

void pd_storage_stats(struct pd_storage *s, struct pd_storage_stats *out);

#endif
