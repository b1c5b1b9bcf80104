#include "db_alerts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_priv.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

static int prepare(struct pd_db *db, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db->conn, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : pd_db_fail(db, rc, "prepare alert statement");
}

/* Step a statement that returns no row, then finalize it. */
static int step_done(struct pd_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, what);
    sqlite3_finalize(st);
    return rc;
}

int pd_db_transitions_between(struct pd_db *db, int64_t from, int64_t upto, size_t limit,
                              int (*cb)(const struct pd_transition_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT id, target_id, check_id, from_state, to_state, reason, at_ns,"
                     " detected_ns FROM transitions WHERE id > ?1 AND (?2 = 0 OR id <= ?2)"
                     " ORDER BY id LIMIT ?3",
                     &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, upto);
    sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct pd_transition_row r = {
            .id = sqlite3_column_int64(st, 0),
            .target_id = col_text(st, 1),
            .check_id = col_text(st, 2),
            .from = col_text(st, 3),
            .to = col_text(st, 4),
            .reason = col_text(st, 5),
            .at = sqlite3_column_int64(st, 6),
            .detected = sqlite3_column_int64(st, 7),
        };
        int stop = cb(&r, arg);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, "read transitions");
    sqlite3_finalize(st);
    return rc;
}

int pd_db_alert_cursor(struct pd_db *db, int64_t *transition_id)
{
    return pd_db_query_int(db, "SELECT transition_id FROM alert_cursor WHERE id = 1",
                           transition_id);
}

int pd_db_alert_insert(struct pd_db *db, const struct pd_alert_new *a, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "INSERT INTO alerts (created_ns, route, channel, kind, subject, items, body,"
                     " state, next_ns, expires_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', 'pending',"
                     " ?1, ?7)",
                     &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, a->created);
    pd_db_bind_text(st, 2, a->route);
    pd_db_bind_text(st, 3, a->channel);
    pd_db_bind_text(st, 4, a->kind);
    pd_db_bind_text(st, 5, a->subject);
    sqlite3_bind_int64(st, 6, a->items);
    sqlite3_bind_int64(st, 7, a->expires);
    if ((rc = step_done(db, st, "insert alert")) == 0)
        *id = sqlite3_last_insert_rowid(db->conn);
    return rc;
}

int pd_db_alert_set_payload(struct pd_db *db, int64_t id, const char *subject, const void *body,
                            size_t len)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "UPDATE alerts SET subject = ?2, body = ?3 WHERE id = ?1", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    pd_db_bind_text(st, 2, subject);
    sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC);
    return step_done(db, st, "alert body");
}

int pd_db_alert_set_cursor(struct pd_db *db, int64_t transition_id)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "UPDATE alert_cursor SET transition_id = ?1 WHERE id = 1", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, transition_id);
    return step_done(db, st, "alert cursor");
}

/* Columns of alert rows, in this order, with the body or without. */
#define ALERT_COLUMNS                                                                              \
    "id, created_ns, next_ns, expires_ns, coalesce(done_ns, 0), route, channel, kind, subject,"    \
    " state, last_error, attempts, items"

static struct pd_alert_row alert_row(sqlite3_stmt *st)
{
    return (struct pd_alert_row){
        .id = sqlite3_column_int64(st, 0),
        .created = sqlite3_column_int64(st, 1),
        .next = sqlite3_column_int64(st, 2),
        .expires = sqlite3_column_int64(st, 3),
        .done = sqlite3_column_int64(st, 4),
        .route = col_text(st, 5),
        .channel = col_text(st, 6),
        .kind = col_text(st, 7),
        .subject = col_text(st, 8),
        .state = col_text(st, 9),
        .last_error = col_text(st, 10),
        .attempts = (unsigned)sqlite3_column_int64(st, 11),
        .items = (unsigned)sqlite3_column_int64(st, 12),
    };
}

static int run_alerts(struct pd_db *db, sqlite3_stmt *st, int with_body,
                      int (*cb)(const struct pd_alert_row *, void *), void *arg)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct pd_alert_row r = alert_row(st);
        if (with_body) {
            r.body = sqlite3_column_blob(st, 13);
            r.len = (size_t)sqlite3_column_bytes(st, 13);
        }
        int stop = cb(&r, arg);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, "read alerts");
    sqlite3_finalize(st);
    return rc;
}

int pd_db_alerts_due(struct pd_db *db, pd_ns now, size_t limit, const int64_t *busy, size_t n_busy,
                     int (*cb)(const struct pd_alert_row *, void *), void *arg)
{
    /* The ids in flight as a JSON array: a handful at most. */
    char list[2048];
    size_t used = 0;
    list[used++] = '[';
    for (size_t i = 0; i < n_busy && used < sizeof(list) - 32; i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%lld", i ? "," : "",
                                 (long long)busy[i]);
    snprintf(list + used, sizeof(list) - used, "]");
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT " ALERT_COLUMNS ", body FROM alerts WHERE state = 'pending'"
                     " AND next_ns <= ?1 AND id NOT IN (SELECT value FROM json_each(?2))"
                     " ORDER BY next_ns, id LIMIT ?3",
                     &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, list, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, (int64_t)limit);
    return run_alerts(db, st, 1, cb, arg);
}

int pd_db_alert_next_due(struct pd_db *db, pd_ns *next)
{
    int64_t v = 0;
    int rc = pd_db_query_int(
        db, "SELECT coalesce(min(next_ns), 0) FROM alerts WHERE state = 'pending'", &v);
    *next = v;
    return rc;
}

int pd_db_alert_attempt(struct pd_db *db, const struct pd_alert_attempt *a)
{
    sqlite3_stmt *st;
    int rc = pd_db_begin(db);
    if (rc < 0)
        return rc;
    if ((rc = prepare(db,
                      "INSERT INTO alert_attempts (alert_id, at_ns, duration_ns, ok, error)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      &st)) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, a->alert_id);
    sqlite3_bind_int64(st, 2, a->at);
    sqlite3_bind_int64(st, 3, a->duration);
    sqlite3_bind_int(st, 4, a->ok != 0);
    pd_db_bind_text(st, 5, a->error);
    if ((rc = step_done(db, st, "alert attempt")) < 0)
        goto fail;
    if ((rc = prepare(db,
                      "UPDATE alerts SET attempts = attempts + 1, state = ?2, next_ns = ?3,"
                      " done_ns = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?4 END,"
                      " last_error = ?5 WHERE id = ?1",
                      &st)) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, a->alert_id);
    pd_db_bind_text(st, 2, a->state);
    sqlite3_bind_int64(st, 3, a->next);
    sqlite3_bind_int64(st, 4, a->at + a->duration);
    pd_db_bind_text(st, 5, a->error);
    if ((rc = step_done(db, st, "alert outcome")) < 0)
        goto fail;
    return pd_db_commit(db);
fail:
    pd_db_rollback(db);
    return rc;
}

int pd_db_alerts_expire(struct pd_db *db, pd_ns now, const char *reason, unsigned *n)
{
    sqlite3_stmt *st;
    *n = 0;
    int rc = prepare(db,
                     "UPDATE alerts SET state = 'expired', done_ns = ?1,"
                     " last_error = CASE WHEN last_error = '' THEN ?2"
                     " ELSE last_error || '; ' || ?2 END"
                     " WHERE state = 'pending' AND expires_ns <= ?1",
                     &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    pd_db_bind_text(st, 2, reason);
    if ((rc = step_done(db, st, "expire alerts")) == 0)
        *n = (unsigned)sqlite3_changes(db->conn);
    return rc;
}

int pd_db_alerts_list(struct pd_db *db, const char *state, pd_ns since, size_t limit,
                      int (*cb)(const struct pd_alert_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT " ALERT_COLUMNS " FROM alerts WHERE (?1 IS NULL OR state = ?1"
                     " OR (?1 = 'failed' AND (state = 'expired'"
                     " OR (state = 'pending' AND attempts > 0))))"
                     " AND created_ns >= ?2 ORDER BY id DESC LIMIT ?3",
                     &st);
    if (rc < 0)
        return rc;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
    return run_alerts(db, st, 0, cb, arg);
}

int pd_db_alert_get(struct pd_db *db, int64_t id, int (*cb)(const struct pd_alert_row *, void *),
                    void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?1", &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct pd_alert_row r = alert_row(st);
        rc = cb(&r, arg);
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : pd_db_fail(db, rc, "read alert");
    }
    sqlite3_finalize(st);
    return rc;
}

int pd_db_alert_attempts(struct pd_db *db, int64_t alert_id,
                         int (*cb)(const struct pd_alert_attempt_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare(db,
                     "SELECT at_ns, duration_ns, ok, error FROM alert_attempts"
                     " WHERE alert_id = ?1 ORDER BY id",
                     &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, alert_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct pd_alert_attempt_row r = {
            .at = sqlite3_column_int64(st, 0),
            .duration = sqlite3_column_int64(st, 1),
            .ok = sqlite3_column_int(st, 2),
            .error = col_text(st, 3),
        };
        int stop = cb(&r, arg);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, "read alert attempts");
    sqlite3_finalize(st);
    return rc;
}
