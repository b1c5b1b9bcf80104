/*
 * The event store's side of alerts (schema version 5, db.h): the alert
 * thread reads the transitions after its cursor, writes each message
 * before it is sent together with the cursor, and records every attempt;
 * probectl lists them. The alert thread has a read-write connection of
 * its own (SQLite serialises it with the storage thread's).
 */
#ifndef PROBED_DB_ALERTS_H
#define PROBED_DB_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_write.h"

/* A committed transition, as the alert thread reads it. Strings valid
 * during the callback. */
struct pd_transition_row {
    int64_t id;
    const char *target_id, *check_id; /* check "" = the target's own */
    const char *from, *to, *reason;
    pd_ns at, detected;
};

/* The transitions with from < id <= upto (upto 0: no bound), by id, at
 * most limit; cb returns non-zero to stop. 0 or -errno. */
int pd_db_transitions_between(struct pd_db *db, int64_t from, int64_t upto, size_t limit,
                              int (*cb)(const struct pd_transition_row *, void *), void *arg);

int pd_db_alert_cursor(struct pd_db *db, int64_t *transition_id);

/* Writes in one transaction: pd_db_begin, pd_db_commit, pd_db_rollback
 * (db_write.h). */

struct pd_alert_new {
    pd_ns created, expires;
    const char *route, *channel, *kind, *subject; /* borrowed */
    unsigned items;
};
/* A pending alert without payload yet (its id goes into the payload): *id. */
int pd_db_alert_insert(struct pd_db *db, const struct pd_alert_new *a, int64_t *id);
int pd_db_alert_set_payload(struct pd_db *db, int64_t id, const char *subject, const void *body,
                            size_t len);
int pd_db_alert_set_cursor(struct pd_db *db, int64_t transition_id);

struct pd_alert_row {
    int64_t id;
    pd_ns created, next, expires, done;
    const char *route, *channel, *kind, *subject, *state, *last_error;
    const void *body;
    size_t len;
    unsigned attempts, items;
};
/* Pending alerts due at now (next <= now), oldest first, at most limit,
 * skipping the ids in busy (n_busy: in flight). */
int pd_db_alerts_due(struct pd_db *db, pd_ns now, size_t limit, const int64_t *busy, size_t n_busy,
                     int (*cb)(const struct pd_alert_row *, void *), void *arg);
/* The earliest next of a pending alert, or 0 when none is pending. */
int pd_db_alert_next_due(struct pd_db *db, pd_ns *next);

/* One attempt's outcome, in one transaction: the attempt row, and the
 * alert's state ("delivered", "pending" with next, or "expired"). */
struct pd_alert_attempt {
    int64_t alert_id;
    pd_ns at, duration;
    int ok;
    const char *error; /* "" when ok */
    const char *state;
    pd_ns next; /* pending: when to try again */
};
int pd_db_alert_attempt(struct pd_db *db, const struct pd_alert_attempt *a);
/* Pending alerts whose expiry is past: expired, the reason recorded.
 * *n: how many. */
int pd_db_alerts_expire(struct pd_db *db, pd_ns now, const char *reason, unsigned *n);

/* For people (probectl alerts): state NULL for every state, else
 * "pending", "delivered", "expired", or "failed": the expired ones and the
 * pending ones with at least one attempt (every attempt so far failed, or
 * the state would be delivered), i.e. what has not reached anyone and ran
 * into trouble. Created since (0: all), newest first, at most limit (0:
 * all). Body not read (NULL). */
int pd_db_alerts_list(struct pd_db *db, const char *state, pd_ns since, size_t limit,
                      int (*cb)(const struct pd_alert_row *, void *), void *arg);
/* One alert, body not read: cb once. 0 (or what cb returned), -ENOENT
 * when there is no such id, or -errno. */
int pd_db_alert_get(struct pd_db *db, int64_t id, int (*cb)(const struct pd_alert_row *, void *),
                    void *arg);

/* A recorded attempt. error "" when ok; valid during the callback. */
struct pd_alert_attempt_row {
    pd_ns at, duration;
    int ok;
    const char *error;
};
/* The attempts of one alert, oldest first (none: cb never called). */
int pd_db_alert_attempts(struct pd_db *db, int64_t alert_id,
                         int (*cb)(const struct pd_alert_attempt_row *, void *), void *arg);

#endif
