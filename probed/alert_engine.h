/*
 * What to alert, when and to whom: a pure function of the committed
 * transitions, the configuration and the times it is given (no clock, no
 * store, no network), so that grouping, flapping, reminders and
 * maintenance are tested in milliseconds with synthetic timelines.
 * docs/alerts.md.
 *
 * Subjects: a target's own state, each of its media (rtp) checks, and
 * each system (its state from its members', as in reports: a member in
 * maintenance counts as UP). Per subject, a problem is said once per
 * outage (UP -> DOWN; a DOWN that continues across UNKNOWN, e.g. a
 * restart, is the same outage), a recovery only after a problem was said,
 * with the outage's length. UNKNOWN alone alerts nothing: it means "not
 * observed" (the daemon stopped, the probe could not run).
 *  - maintenance: a problem whose start a window covers is not said; if
 *    the outage outlasts the window, it is said when the window ends;
 *  - flapping: flap_changes UP/DOWN changes within flap_window say
 *    "flapping" once; then nothing until the subject keeps one state for
 *    flap_window, when what changed meanwhile is said;
 *  - reminders: an outage that was said is said again every remind_every;
 *  - grouping: everything decided within group_wait of the first item is
 *    sent together, one message per channel listing its items; a group
 *    that starts within group_interval of the last message sent waits
 *    until group_interval after it (Alertmanager's group_interval).
 * Single-threaded: the alert thread's.
 */
#ifndef PROBED_ALERT_ENGINE_H
#define PROBED_ALERT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "db.h"
#include "state.h"

struct pd_alert_engine;

/* cfg borrowed until the next pd_alert_engine_set_config or free. 0 or
 * -ENOMEM. */
int pd_alert_engine_new(const struct pd_config *cfg, struct pd_alert_engine **out);
void pd_alert_engine_free(struct pd_alert_engine *e); /* NULL ok */
/* A reload: routes, channels, targets and systems from cfg; the subjects'
 * states stay. Items waiting for their group keep their text. */
int pd_alert_engine_set_config(struct pd_alert_engine *e, const struct pd_config *cfg);
/* The store's maintenance windows (probectl maintenance), replacing the
 * previous ones; the configuration's apply too. Copied. */
int pd_alert_engine_store_windows(struct pd_alert_engine *e, const struct pd_maint_row *w,
                                  size_t n);

/* A committed transition (strings borrowed for the call). */
struct pd_alert_change {
    int64_t id;                       /* its row in the store */
    const char *target_id, *check_id; /* check "" = the target's own */
    enum pd_state from, to;
    pd_ns at; /* when it happened (the first round of the run that decided it) */
    const char *reason;
};
/* History before the cursor, at start: states only, nothing said. An
 * outage open at the cursor counts as said (it was, before the restart). */
int pd_alert_engine_seed(struct pd_alert_engine *e, const struct pd_alert_change *c);
/* After the seeding: the systems' states from their members', silently. */
void pd_alert_engine_seeded(struct pd_alert_engine *e);
/* A new transition, at now (monotonic or wall: the engine only compares
 * the times it is given; use wall time, as transitions carry). */
int pd_alert_engine_change(struct pd_alert_engine *e, const struct pd_alert_change *c, pd_ns now);

/* One message to one channel. */
struct pd_alert_out {
    const struct pd_channel_conf *channel; /* borrowed from the configuration */
    const char *routes;                    /* the matching routes' ids, joined by "," */
    const char *kind;                      /* the items' kind when they share one, else "mixed" */
    struct pd_alert_msg msg;               /* id 0 and host NULL: the caller's to set */
};
typedef int (*pd_alert_emit_fn)(const struct pd_alert_out *o, void *arg);

/* Reminders, flapping that settled and outages whose window ended, due at
 * now; then, when the group is due, every message (emit returns non-zero
 * to stop: the group is kept and tried again at the next tick). Returns
 * the number of messages emitted, or what emit returned. The group stays
 * held until pd_alert_engine_sent: the caller stores the messages and the
 * cursor in one transaction, and a failed commit loses nothing. */
int pd_alert_engine_tick(struct pd_alert_engine *e, pd_ns now, pd_alert_emit_fn emit, void *arg);
/* After every tick: stored true drops the group that was emitted, if any
 * (also one routed nowhere, which emitted no message; the cursor moves
 * past it), false keeps it for the next tick (storing failed). */
void pd_alert_engine_sent(struct pd_alert_engine *e, bool stored);
/* When to tick next: the group's due time, or at most a second ahead. */
pd_ns pd_alert_engine_next(const struct pd_alert_engine *e, pd_ns now);
/* The newest transition id whose alerts are all emitted: where a restart
 * takes up. */
int64_t pd_alert_engine_cursor(const struct pd_alert_engine *e);

/* Counts for logs and tests. */
struct pd_alert_engine_stats {
    unsigned long long items, muted, suppressed_flapping, messages, unrouted;
};
void pd_alert_engine_stats(const struct pd_alert_engine *e, struct pd_alert_engine_stats *out);

#endif
