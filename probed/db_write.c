#include "db_write.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_priv.h"
#include "log.h"

enum stmt_id {
    ST_HEARTBEAT,
    ST_EVENT,
    ST_DESCRIBE,
    ST_STATE_GET,
    ST_TRANSITION,
    ST_STATE_SET,
    ST_LAST_RESULT,
    ST_INV_TARGET,
    ST_INV_CHECK,
    ST_COUNT
};
_Static_assert(ST_COUNT <= PD_DB_MAX_STMTS, "raise PD_DB_MAX_STMTS");

static const char *const stmt_sql[ST_COUNT] = {
    [ST_HEARTBEAT] = "UPDATE runs SET last_heartbeat_ns = max(last_heartbeat_ns, ?2) WHERE id = ?1",
    [ST_EVENT] = "INSERT INTO events (run_id, target_id, check_id, at_ns, kind, message, series)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_DESCRIBE] = "INSERT INTO series (target_id, check_id, series, label, description,"
                    " first_ns, changed_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
                    " ON CONFLICT DO UPDATE SET label = excluded.label,"
                    " description = excluded.description, changed_ns = excluded.changed_ns"
                    " WHERE label != excluded.label OR description != excluded.description",
    [ST_STATE_GET] = "SELECT state FROM current_state WHERE target_id = ?1 AND check_id = ?2",
    [ST_TRANSITION] = "INSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns,"
                      " from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_STATE_SET] = "INSERT INTO current_state (target_id, check_id, state, since_ns, run_id)"
                     " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (target_id, check_id) DO UPDATE"
                     " SET state = excluded.state, since_ns = excluded.since_ns,"
                     " run_id = excluded.run_id",
    [ST_LAST_RESULT] =
        "INSERT INTO current_state (target_id, check_id, state, since_ns, last_ns, last_verdict,"
        " last_reason, last_metrics, rounds, skipped, run_id)"
        " VALUES (?1, ?2, 'UNKNOWN', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT (target_id, check_id) DO UPDATE SET last_ns = excluded.last_ns,"
        " last_verdict = excluded.last_verdict, last_reason = excluded.last_reason,"
        " last_metrics = excluded.last_metrics, rounds = excluded.rounds,"
        " skipped = excluded.skipped, run_id = excluded.run_id",
    [ST_INV_TARGET] = "INSERT OR REPLACE INTO temp.inv_targets (id, name, address, type, site)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_INV_CHECK] = "INSERT OR IGNORE INTO temp.inv_checks (target_id, check_id) VALUES (?1, ?2)",
};

/* Values for the named parameters :run, :at, :now and :reason. */
struct binds {
    int64_t run;
    pd_ns at, now;
    const char *reason;
};

static sqlite3_stmt *cached(struct pd_db *db, enum stmt_id id)
{
    if (!db->stmts[id]) {
        int rc = sqlite3_prepare_v3(db->conn, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &db->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            pd_db_fail(db, rc, stmt_sql[id]);
            return NULL;
        }
    }
    return db->stmts[id];
}

/* Run a cached statement that returns no rows, and make it reusable. */
static int step_done(struct pd_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : pd_db_fail(db, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

/* One-off statement (start, stop, inventory) with named parameters. */
static int exec_bound(struct pd_db *db, const char *sql, const struct binds *b)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_db_fail(db, rc, sql);
        goto out;
    }
    int i;
    if ((i = sqlite3_bind_parameter_index(st, ":run")))
        sqlite3_bind_int64(st, i, b->run);
    if ((i = sqlite3_bind_parameter_index(st, ":at")))
        sqlite3_bind_int64(st, i, b->at);
    if ((i = sqlite3_bind_parameter_index(st, ":now")))
        sqlite3_bind_int64(st, i, b->now);
    if ((i = sqlite3_bind_parameter_index(st, ":reason")))
        pd_db_bind_text(st, i, b->reason);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : pd_db_fail(db, rc, sql);
out:
    sqlite3_finalize(st);
    return rc;
}

int pd_db_begin(struct pd_db *db)
{
    /* IMMEDIATE: take the write lock now, not half-way through a batch. */
    return pd_db_exec(db, "BEGIN IMMEDIATE", "begin");
}

int pd_db_commit(struct pd_db *db)
{
    return pd_db_exec(db, "COMMIT", "commit");
}

void pd_db_rollback(struct pd_db *db)
{
    if (!sqlite3_get_autocommit(db->conn))
        sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
}

/* Every open state becomes UNKNOWN at :at (never before it began). */
static int close_open_states(struct pd_db *db, const struct binds *b)
{
    static const char *const sql[] = {
        "INSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns, from_state,"
        " to_state, reason) SELECT :run, target_id, check_id, max(:at, since_ns), :now, state,"
        " 'UNKNOWN', :reason FROM current_state WHERE state != 'UNKNOWN'"
        " ORDER BY target_id, check_id",
        "UPDATE current_state SET state = 'UNKNOWN', since_ns = max(:at, since_ns)"
        " WHERE state != 'UNKNOWN'",
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == 0; i++)
        rc = exec_bound(db, sql[i], b);
    return rc;
}

/* The latest run, and for an unclean one its last sign of life. The last
 * transition row tells the latest detection cheaply: runs write in turn, so
 * the newest rows belong to the newest run if it wrote any. */
static const char last_run_sql[] =
    "SELECT r.id, r.stopped_ns, max(r.last_heartbeat_ns,"
    " coalesce((SELECT max(last_ns) FROM current_state WHERE run_id = r.id), 0),"
    " coalesce((SELECT detected_ns FROM (SELECT run_id, detected_ns FROM transitions"
    " ORDER BY id DESC LIMIT 1) WHERE run_id = r.id), 0))"
    " FROM runs r ORDER BY r.id DESC LIMIT 1";

static int close_previous_run(struct pd_db *db, pd_ns now)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->conn, last_run_sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pd_db_fail(db, rc, "read last run");
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return 0; /* first start */
    }
    if (rc != SQLITE_ROW) {
        rc = pd_db_fail(db, rc, "read last run");
        sqlite3_finalize(st);
        return rc;
    }
    struct binds b = {.run = sqlite3_column_int64(st, 0), .now = now};
    int clean = sqlite3_column_type(st, 1) != SQLITE_NULL;
    b.at = clean ? sqlite3_column_int64(st, 1) : sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);

    if (clean) {
        b.reason = "daemon stopped";
    } else {
        b.reason = "daemon not running (no clean stop)";
        pd_logf(PD_LOG_WARNING, "storage", NULL,
                "run %lld did not stop cleanly; its states end at its last sign of life",
                (long long)b.run);
        rc = exec_bound(db,
                        "UPDATE runs SET end_ns = :at, end_reason = 'no clean stop'"
                        " WHERE id = :run",
                        &b);
        if (rc == 0)
            rc = close_open_states(db, &b);
        if (rc < 0)
            return rc;
    }
    if (now <= b.at) {
        pd_logf(PD_LOG_WARNING, "storage", NULL,
                "the previous run ended after now (clock stepped back?); no gap recorded");
        return 0;
    }
    return exec_bound(
        db, "INSERT INTO unobserved (from_ns, to_ns, reason) VALUES (:at, :now, :reason)", &b);
}

int pd_db_start_run(struct pd_db *db, pd_ns now, const char *version, int64_t *run_id, char *err,
                    size_t errlen)
{
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) < 0)
        snprintf(host, sizeof(host), "?");
    int rc = pd_db_begin(db);
    if (rc == 0)
        rc = close_previous_run(db, now);
    sqlite3_stmt *st = NULL;
    if (rc == 0) {
        int r = sqlite3_prepare_v2(db->conn,
                                   "INSERT INTO runs (started_ns, last_heartbeat_ns, pid, host,"
                                   " version) VALUES (?1, ?1, ?2, ?3, ?4)",
                                   -1, &st, NULL);
        if (r == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, now);
            sqlite3_bind_int(st, 2, (int)getpid());
            pd_db_bind_text(st, 3, host);
            pd_db_bind_text(st, 4, version);
            r = sqlite3_step(st);
        }
        rc = r == SQLITE_DONE ? 0 : pd_db_fail(db, r, "insert run");
        sqlite3_finalize(st);
    }
    if (rc == 0) {
        *run_id = sqlite3_last_insert_rowid(db->conn);
        rc = pd_db_commit(db);
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot start a run in the event store: %s",
                 sqlite3_errmsg(db->conn));
        pd_db_rollback(db);
    }
    return rc;
}

int pd_db_heartbeat(struct pd_db *db, int64_t run_id, pd_ns at)
{
    sqlite3_stmt *st = cached(db, ST_HEARTBEAT);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, at);
    return step_done(db, st, "heartbeat");
}

int pd_db_event(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                const char *series, pd_ns at, const char *kind, const char *message)
{
    sqlite3_stmt *st = cached(db, ST_EVENT);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, run_id);
    pd_db_bind_text(st, 2, target_id);
    pd_db_bind_text(st, 3, check_id);
    sqlite3_bind_int64(st, 4, at);
    pd_db_bind_text(st, 5, kind);
    pd_db_bind_text(st, 6, message);
    pd_db_bind_text(st, 7, series ? series : "");
    return step_done(db, st, "event");
}

int pd_db_describe(struct pd_db *db, const char *target_id, const char *check_id,
                   const char *series, pd_ns at, const char *label, const char *description)
{
    sqlite3_stmt *st = cached(db, ST_DESCRIBE);
    if (!st)
        return -EIO;
    pd_db_bind_text(st, 1, target_id);
    pd_db_bind_text(st, 2, check_id);
    pd_db_bind_text(st, 3, series ? series : "");
    pd_db_bind_text(st, 4, label ? label : "");
    pd_db_bind_text(st, 5, description ? description : "");
    sqlite3_bind_int64(st, 6, at);
    return step_done(db, st, "description");
}

/* 1 when the stored state of the pair is `state`, 0 when not, or -errno. */
static int stored_state_is(struct pd_db *db, const char *target_id, const char *check_id,
                           const char *state)
{
    sqlite3_stmt *st = cached(db, ST_STATE_GET);
    if (!st)
        return -EIO;
    pd_db_bind_text(st, 1, target_id);
    pd_db_bind_text(st, 2, check_id);
    int rc = sqlite3_step(st);
    int ret;
    if (rc == SQLITE_ROW)
        ret = strcmp((const char *)sqlite3_column_text(st, 0), state) == 0;
    else if (rc == SQLITE_DONE)
        ret = strcmp(state, "UNKNOWN") == 0;
    else
        ret = pd_db_fail(db, rc, "read state");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int pd_db_transition(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                     const struct pd_transition *t, pd_ns detected, const char *reason)
{
    const char *to = pd_state_name(t->to);
    int rc = stored_state_is(db, target_id, check_id, to);
    if (rc != 0) {
        if (rc > 0)
            pd_logf(PD_LOG_DEBUG, "storage", NULL, "%s/%s already %s: transition skipped",
                    target_id, check_id, to);
        return rc < 0 ? rc : 0;
    }
    sqlite3_stmt *st = cached(db, ST_TRANSITION);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, run_id);
    pd_db_bind_text(st, 2, target_id);
    pd_db_bind_text(st, 3, check_id);
    sqlite3_bind_int64(st, 4, t->at);
    sqlite3_bind_int64(st, 5, detected);
    pd_db_bind_text(st, 6, pd_state_name(t->from));
    pd_db_bind_text(st, 7, to);
    pd_db_bind_text(st, 8, reason);
    rc = step_done(db, st, "insert transition");
    if (rc < 0)
        return rc;
    st = cached(db, ST_STATE_SET);
    if (!st)
        return -EIO;
    pd_db_bind_text(st, 1, target_id);
    pd_db_bind_text(st, 2, check_id);
    pd_db_bind_text(st, 3, to);
    sqlite3_bind_int64(st, 4, t->at);
    sqlite3_bind_int64(st, 5, run_id);
    return step_done(db, st, "update state");
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* {"rtt_ms":1.25,"loss":null}; NULL when out of memory. */
static char *metrics_json(const struct pd_metric *metrics, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputc(',', f);
        json_string(f, metrics[i].name ? metrics[i].name : "");
        if (isfinite(metrics[i].value))
            fprintf(f, ":%.15g", metrics[i].value);
        else
            fputs(":null", f);
    }
    fputc('}', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int pd_db_last_result(struct pd_db *db, int64_t run_id, const char *target_id, const char *check_id,
                      pd_ns when, enum pd_verdict verdict, const char *reason,
                      const struct pd_metric *metrics, size_t n_metrics, uint64_t rounds,
                      uint64_t skipped)
{
    sqlite3_stmt *st = cached(db, ST_LAST_RESULT);
    if (!st)
        return -EIO;
    char *json = metrics_json(metrics, n_metrics);
    if (!json)
        return -ENOMEM;
    pd_db_bind_text(st, 1, target_id);
    pd_db_bind_text(st, 2, check_id);
    sqlite3_bind_int64(st, 3, when);
    pd_db_bind_text(st, 4, verdict == PD_OK ? "ok" : verdict == PD_BAD ? "bad" : "none");
    if (reason)
        pd_db_bind_text(st, 5, reason);
    pd_db_bind_text(st, 6, json);
    sqlite3_bind_int64(st, 7, (int64_t)rounds);
    sqlite3_bind_int64(st, 8, (int64_t)skipped);
    sqlite3_bind_int64(st, 9, run_id);
    int rc = step_done(db, st, "update last result");
    free(json);
    return rc;
}

#define DIFF(col)                                                                                  \
    "CASE WHEN t." col " IS NOT i." col " THEN '; " col ": ' || t." col " || ' -> ' || i." col     \
    " ELSE '' END"
/* "name: old -> new; site: a -> b" */
#define CHANGE_DETAIL DIFF("name") " || " DIFF("address") " || " DIFF("type") " || " DIFF("site")
#define DIFFERS                                                                                    \
    "(t.name IS NOT i.name OR t.address IS NOT i.address OR t.type IS NOT i.type"                  \
    " OR t.site IS NOT i.site)"
#define IN_SERVICE                                                                                 \
    "EXISTS (SELECT 1 FROM targets t WHERE t.id = c.target_id AND t.retired_ns IS NULL)"
#define CHECK_LISTED                                                                               \
    "EXISTS (SELECT 1 FROM temp.inv_checks k WHERE k.target_id = c.target_id"                      \
    " AND k.check_id = c.check_id)"
#define CLOSE_WHERE(cond)                                                                          \
    "INSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns, from_state,"        \
    " to_state, reason) SELECT :run, c.target_id, c.check_id, max(:at, c.since_ns), :at,"          \
    " c.state, 'UNKNOWN', :reason FROM current_state c WHERE c.state != 'UNKNOWN' AND " cond       \
    " ORDER BY c.target_id, c.check_id"

/* The diff, set-based over the scratch tables; order matters (see each). */
static const char *const inventory_sql[] = {
    /* Changes are recorded before the update that erases the old values. */
    "INSERT INTO inventory_changes (at_ns, target_id, change, detail)"
    " SELECT :at, t.id, 'returned', '' FROM temp.inv_targets i JOIN targets t ON t.id = i.id"
    " WHERE t.retired_ns IS NOT NULL ORDER BY t.id",
    "INSERT INTO inventory_changes (at_ns, target_id, change, detail)"
    " SELECT :at, t.id, 'changed', substr(" CHANGE_DETAIL ", 3)"
    " FROM temp.inv_targets i JOIN targets t ON t.id = i.id WHERE " DIFFERS " ORDER BY t.id",
    "UPDATE targets AS t SET name = i.name, address = i.address, type = i.type, site = i.site,"
    " retired_ns = NULL FROM temp.inv_targets i WHERE t.id = i.id"
    " AND (t.retired_ns IS NOT NULL OR " DIFFERS ")",
    "INSERT INTO inventory_changes (at_ns, target_id, change, detail)"
    " SELECT :at, i.id, 'added', 'name: ' || i.name || '; address: ' || i.address || '; type: '"
    " || i.type || '; site: ' || i.site FROM temp.inv_targets i"
    " WHERE NOT EXISTS (SELECT 1 FROM targets t WHERE t.id = i.id) ORDER BY i.id",
    "INSERT INTO targets (id, name, address, type, site, added_ns)"
    " SELECT id, name, address, type, site, :at FROM temp.inv_targets i"
    " WHERE NOT EXISTS (SELECT 1 FROM targets t WHERE t.id = i.id)",
    "DELETE FROM temp.inv_retire",
    "INSERT INTO temp.inv_retire (id) SELECT id FROM targets t WHERE t.retired_ns IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM temp.inv_targets i WHERE i.id = t.id)",
    "UPDATE targets SET retired_ns = :at WHERE id IN (SELECT id FROM temp.inv_retire)",
    "INSERT INTO inventory_changes (at_ns, target_id, change, detail)"
    " SELECT :at, id, 'retired', '' FROM temp.inv_retire ORDER BY id",
};

static const char *const retire_sql[] = {
    CLOSE_WHERE("c.target_id IN (SELECT id FROM temp.inv_retire)"),
    "DELETE FROM current_state WHERE target_id IN (SELECT id FROM temp.inv_retire)",
};

static const char *const checks_sql[] = {
    CLOSE_WHERE("c.check_id != '' AND " IN_SERVICE " AND NOT " CHECK_LISTED),
    "DELETE FROM current_state AS c WHERE c.check_id != '' AND " IN_SERVICE
    " AND NOT " CHECK_LISTED,
    "INSERT INTO current_state (target_id, check_id, state, since_ns, run_id)"
    " SELECT id, '', 'UNKNOWN', :at, :run FROM temp.inv_targets WHERE true"
    " ON CONFLICT DO NOTHING",
    "INSERT INTO current_state (target_id, check_id, state, since_ns, run_id)"
    " SELECT k.target_id, k.check_id, 'UNKNOWN', :at, :run FROM temp.inv_checks k"
    " JOIN temp.inv_targets i ON i.id = k.target_id WHERE k.check_id != ''"
    " ON CONFLICT DO NOTHING",
};

static int exec_all(struct pd_db *db, const char *const *sql, size_t n, const struct binds *b)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = exec_bound(db, sql[i], b);
    return rc;
}

static int load_inventory(struct pd_db *db, const struct pd_inventory_item *targets,
                          size_t n_targets, const struct pd_check_ref *checks, size_t n_checks)
{
    int rc = pd_db_exec(db, "DELETE FROM temp.inv_targets; DELETE FROM temp.inv_checks",
                        "clear inventory");
    sqlite3_stmt *st = cached(db, ST_INV_TARGET);
    if (!st)
        return -EIO;
    for (size_t i = 0; i < n_targets && rc == 0; i++) {
        const struct pd_inventory_item *it = &targets[i];
        pd_db_bind_text(st, 1, it->id);
        pd_db_bind_text(st, 2, it->name ? it->name : it->id);
        pd_db_bind_text(st, 3, it->address);
        pd_db_bind_text(st, 4, it->type);
        pd_db_bind_text(st, 5, it->site);
        rc = step_done(db, st, "load inventory");
    }
    st = cached(db, ST_INV_CHECK);
    if (!st)
        return -EIO;
    for (size_t i = 0; i < n_checks && rc == 0; i++) {
        pd_db_bind_text(st, 1, checks[i].target_id);
        pd_db_bind_text(st, 2, checks[i].check_id);
        rc = step_done(db, st, "load inventory");
    }
    return rc;
}

int pd_db_inventory(struct pd_db *db, int64_t run_id, pd_ns at,
                    const struct pd_inventory_item *targets, size_t n_targets,
                    const struct pd_check_ref *checks, size_t n_checks)
{
    struct binds b = {.run = run_id, .at = at, .now = at, .reason = "retired"};
    int rc = load_inventory(db, targets, n_targets, checks, n_checks);
    if (rc == 0)
        rc = exec_all(db, inventory_sql, sizeof(inventory_sql) / sizeof(inventory_sql[0]), &b);
    if (rc == 0)
        rc = exec_all(db, retire_sql, sizeof(retire_sql) / sizeof(retire_sql[0]), &b);
    b.reason = "check removed";
    if (rc == 0)
        rc = exec_all(db, checks_sql, sizeof(checks_sql) / sizeof(checks_sql[0]), &b);
    return rc;
}

int pd_db_end_run(struct pd_db *db, int64_t run_id, pd_ns at)
{
    struct binds b = {.run = run_id, .at = at, .now = at, .reason = "daemon stopped"};
    int rc = close_open_states(db, &b);
    if (rc == 0)
        rc = exec_bound(db,
                        "UPDATE runs SET stopped_ns = :at, end_ns = :at, end_reason = 'stopped',"
                        " last_heartbeat_ns = max(last_heartbeat_ns, :at) WHERE id = :run",
                        &b);
    return rc;
}
