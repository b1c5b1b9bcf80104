#include "db.h"
#include "db_priv.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

#define BUSY_TIMEOUT_MS 5000

static const char schema_v1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " started_ns INTEGER NOT NULL,"
    " last_heartbeat_ns INTEGER NOT NULL,"
    " stopped_ns INTEGER,"
    " end_ns INTEGER,"
    " end_reason TEXT,"
    " pid INTEGER NOT NULL,"
    " host TEXT NOT NULL,"
    " version TEXT NOT NULL);"
    "CREATE TABLE transitions ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " target_id TEXT NOT NULL,"
    " check_id TEXT NOT NULL,"
    " at_ns INTEGER NOT NULL,"
    " detected_ns INTEGER NOT NULL,"
    " from_state TEXT NOT NULL CHECK (from_state IN ('UP', 'DOWN', 'UNKNOWN')),"
    " to_state TEXT NOT NULL CHECK (to_state IN ('UP', 'DOWN', 'UNKNOWN')),"
    " reason TEXT NOT NULL);"
    "CREATE INDEX transitions_by_check ON transitions(target_id, check_id, at_ns);"
    "CREATE INDEX transitions_by_time ON transitions(at_ns);"
    "CREATE TABLE unobserved ("
    " id INTEGER PRIMARY KEY,"
    " from_ns INTEGER NOT NULL,"
    " to_ns INTEGER NOT NULL CHECK (to_ns >= from_ns),"
    " reason TEXT NOT NULL);"
    "CREATE INDEX unobserved_by_time ON unobserved(from_ns);"
    "CREATE TABLE targets ("
    " id TEXT NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " site TEXT NOT NULL,"
    " added_ns INTEGER NOT NULL,"
    " retired_ns INTEGER) WITHOUT ROWID;"
    "CREATE TABLE inventory_changes ("
    " id INTEGER PRIMARY KEY,"
    " at_ns INTEGER NOT NULL,"
    " target_id TEXT NOT NULL,"
    " change TEXT NOT NULL CHECK (change IN ('added', 'changed', 'retired', 'returned')),"
    " detail TEXT NOT NULL);"
    "CREATE INDEX inventory_changes_by_target ON inventory_changes(target_id, at_ns);"
    "CREATE TABLE current_state ("
    " target_id TEXT NOT NULL,"
    " check_id TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('UP', 'DOWN', 'UNKNOWN')),"
    " since_ns INTEGER NOT NULL,"
    " last_ns INTEGER,"
    " last_verdict TEXT CHECK (last_verdict IN ('ok', 'bad', 'none')),"
    " last_reason TEXT,"
    " last_metrics TEXT,"
    " rounds INTEGER NOT NULL DEFAULT 0,"
    " skipped INTEGER NOT NULL DEFAULT 0,"
    " run_id INTEGER NOT NULL,"
    " PRIMARY KEY (target_id, check_id)) WITHOUT ROWID;";

/* Maintenance windows: rows are never deleted, a removal is recorded, so
 * that a report can be recomputed as it was. what is '' for scope 'all'. */
static const char schema_v2[] =
    "CREATE TABLE maintenance ("
    " id INTEGER PRIMARY KEY,"
    " start_ns INTEGER NOT NULL,"
    " end_ns INTEGER NOT NULL CHECK (end_ns > start_ns),"
    " scope TEXT NOT NULL CHECK (scope IN ('all', 'target', 'site', 'system')),"
    " what TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " created_ns INTEGER NOT NULL,"
    " created_by TEXT NOT NULL,"
    " removed_ns INTEGER,"
    " removed_by TEXT);"
    "CREATE INDEX maintenance_by_time ON maintenance(start_ns);";

/* What a probe saw happen besides a state change: an agent's restart, an
 * interface going down. */
static const char schema_v3[] = "CREATE TABLE events ("
                                " id INTEGER PRIMARY KEY,"
                                " run_id INTEGER NOT NULL REFERENCES runs(id),"
                                " target_id TEXT NOT NULL,"
                                " check_id TEXT NOT NULL,"
                                " at_ns INTEGER NOT NULL,"
                                " kind TEXT NOT NULL,"
                                " message TEXT NOT NULL);"
                                "CREATE INDEX events_by_time ON events(at_ns);";

/* The parts of a check with series of their own (a switch's interfaces):
 * what they are, for people, as the probe last described them; and which
 * part an event is about ('' the check itself). */
static const char schema_v4[] = "CREATE TABLE series ("
                                " target_id TEXT NOT NULL,"
                                " check_id TEXT NOT NULL,"
                                " series TEXT NOT NULL,"
                                " label TEXT NOT NULL,"
                                " description TEXT NOT NULL,"
                                " first_ns INTEGER NOT NULL,"
                                " changed_ns INTEGER NOT NULL,"
                                " PRIMARY KEY (target_id, check_id, series));"
                                "ALTER TABLE events ADD COLUMN series TEXT NOT NULL DEFAULT '';";

/* Alerts (alerts.c): each message to a channel, written before it is
 * sent, with its payload, so that a restart delivers what was pending;
 * every attempt; and how far the alert thread has read the transitions.
 * The cursor starts at the newest transition: a store that gains alerts
 * does not alert its history. */
static const char schema_v5[] =
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " created_ns INTEGER NOT NULL,"
    " route TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " items INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'expired')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_ns INTEGER NOT NULL,"
    " expires_ns INTEGER NOT NULL,"
    " done_ns INTEGER,"
    " last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX alerts_by_state ON alerts(state, next_ns);"
    "CREATE TABLE alert_attempts ("
    " id INTEGER PRIMARY KEY,"
    " alert_id INTEGER NOT NULL REFERENCES alerts(id),"
    " at_ns INTEGER NOT NULL,"
    " duration_ns INTEGER NOT NULL,"
    " ok INTEGER NOT NULL,"
    " error TEXT NOT NULL);"
    "CREATE INDEX alert_attempts_by_alert ON alert_attempts(alert_id);"
    "CREATE TABLE alert_cursor ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " transition_id INTEGER NOT NULL);"
    "INSERT INTO alert_cursor VALUES (1, (SELECT coalesce(max(id), 0) FROM transitions));";

/* Step i brings the schema from version i to i + 1, in one transaction. */
static const char *const migrations[PD_DB_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3,
                                                             schema_v4, schema_v5};

/* The writer's scratch tables for the inventory diff. */
static const char temp_tables[] =
    "PRAGMA temp_store = MEMORY;"
    "CREATE TEMP TABLE IF NOT EXISTS inv_targets (id TEXT PRIMARY KEY, name TEXT, address TEXT,"
    " type TEXT, site TEXT) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS inv_checks (target_id TEXT, check_id TEXT,"
    " PRIMARY KEY (target_id, check_id)) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS inv_retire (id TEXT PRIMARY KEY) WITHOUT ROWID;";

int pd_db_errno(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return -EINVAL;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    default:
        return -EIO;
    }
}

int pd_db_fail(struct pd_db *db, int rc, const char *what)
{
    pd_logf(PD_LOG_ERR, "storage", what, "event store: %s: %s", what, sqlite3_errmsg(db->conn));
    return pd_db_errno(rc);
}

int pd_db_exec(struct pd_db *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : pd_db_fail(db, rc, what);
}

void pd_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

int pd_db_query_int(struct pd_db *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : pd_db_fail(db, rc, sql);
    }
    sqlite3_finalize(st);
    return rc;
}

static int migrate(struct pd_db *db, char *err, size_t errlen)
{
    int64_t version;
    int rc = pd_db_query_int(db, "PRAGMA user_version", &version);
    if (rc < 0)
        goto fail;
    while (version < PD_DB_SCHEMA_VERSION) {
        rc = pd_db_exec(db, "BEGIN IMMEDIATE", "begin migration");
        if (rc < 0)
            goto fail;
        /* Another process may have migrated while we waited for the lock. */
        rc = pd_db_query_int(db, "PRAGMA user_version", &version);
        if (rc == 0 && version < PD_DB_SCHEMA_VERSION && version >= 0) {
            char set[48];
            snprintf(set, sizeof(set), "PRAGMA user_version = %d", (int)version + 1);
            rc = pd_db_exec(db, migrations[version], "migrate");
            if (rc == 0)
                rc = pd_db_exec(db, set, "migrate");
        }
        if (rc == 0)
            rc = pd_db_exec(db, "COMMIT", "commit migration");
        if (rc < 0) {
            sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
            snprintf(err, errlen, "cannot migrate the event store from schema version %d: %s",
                     (int)version, sqlite3_errmsg(db->conn));
            return rc;
        }
        rc = pd_db_query_int(db, "PRAGMA user_version", &version);
        if (rc < 0)
            goto fail;
    }
    if (version > PD_DB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "event store schema version %d is newer than this probed knows (%d); "
                 "use a newer probed",
                 (int)version, PD_DB_SCHEMA_VERSION);
        return -EPROTO;
    }
    return 0;
fail:
    snprintf(err, errlen, "cannot read the event store schema version: %s",
             sqlite3_errmsg(db->conn));
    return rc;
}

static int check_version_readonly(struct pd_db *db, const char *path, char *err, size_t errlen)
{
    int64_t version;
    int rc = pd_db_query_int(db, "PRAGMA user_version", &version);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->conn));
        return rc;
    }
    if (version == 0) {
        snprintf(err, errlen, "%s: no event store in it yet (probed never started)", path);
        return -ENOENT;
    }
    if (version != PD_DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %d, this program knows version %d; %s", path,
                 (int)version, PD_DB_SCHEMA_VERSION,
                 version > PD_DB_SCHEMA_VERSION ? "use a newer probectl"
                                                : "start probed once to migrate it");
        return -EPROTO;
    }
    return 0;
}

static int setup_writer(struct pd_db *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        snprintf(err, errlen, "cannot switch the event store to WAL mode: %s",
                 sqlite3_errmsg(db->conn));
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? -EIO : pd_db_errno(rc);
    }
    sqlite3_finalize(st);
    /* Keep the -wal and -shm files after close: without them a reader
     * that may not write the directory (probectl as another user) cannot
     * open the store. */
    int persist = 1;
    sqlite3_file_control(db->conn, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    rc = pd_db_exec(db, "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 4194304",
                    "set pragmas");
    if (rc == 0)
        rc = migrate(db, err, errlen);
    else
        snprintf(err, errlen, "event store: %s", sqlite3_errmsg(db->conn));
    if (rc == 0 && (rc = pd_db_exec(db, temp_tables, "create temp tables")) < 0)
        snprintf(err, errlen, "event store: %s", sqlite3_errmsg(db->conn));
    return rc;
}

int pd_db_open(const char *data_dir, int readonly, struct pd_db **out, char *err, size_t errlen)
{
    struct pd_db *db = NULL;
    char *path = NULL;
    int rc;

    *out = NULL;
    size_t len = strlen(data_dir) + sizeof(PD_DB_FILE) + 1;
    path = malloc(len);
    if (!path) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(path, len, "%s/%s", data_dir, PD_DB_FILE);
    /* SQLite would only say "unable to open database file". */
    struct stat sb;
    if (readonly && stat(path, &sb) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    db = calloc(1, sizeof(*db));
    if (!db) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    db->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    rc = sqlite3_open_v2(path, &db->conn, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        rc = pd_db_errno(rc);
        goto fail;
    }
    sqlite3_extended_result_codes(db->conn, 1);
    sqlite3_busy_timeout(db->conn, BUSY_TIMEOUT_MS);
    rc = readonly ? check_version_readonly(db, path, err, errlen) : setup_writer(db, err, errlen);
    if (rc < 0)
        goto fail;
    free(path);
    *out = db;
    return 0;
fail:
    pd_db_close(db);
    free(path);
    return rc;
}

void pd_db_close(struct pd_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < PD_DB_MAX_STMTS; i++)
        sqlite3_finalize(db->stmts[i]);
    sqlite3_close_v2(db->conn);
    free(db);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* "a/b/" and "a/b" mean the same; "" or "/" means any site (NULL). */
static const char *site_prefix(const char *prefix, char *buf, size_t len)
{
    if (!prefix)
        return NULL;
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--;
    if (n == 0 || n >= len)
        return n == 0 ? NULL : prefix;
    memcpy(buf, prefix, n);
    buf[n] = '\0';
    return buf;
}

#define SITE_MATCH(p) " AND (t.site = " p " OR substr(t.site, 1, length(" p ") + 1) = " p " || '/')"

static int prepare_read(struct pd_db *db, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db->conn, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : pd_db_fail(db, rc, "prepare query");
}

/* Step st to its end, calling row(st) for each row; finalizes st. */
static int run_read(struct pd_db *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
                    void *arg)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int stop = row(st, arg);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, "query");
    sqlite3_finalize(st);
    return rc;
}

struct run_cb {
    int (*cb)(const struct pd_run_row *, void *);
    void *arg;
};

static int run_row(sqlite3_stmt *st, void *arg)
{
    struct run_cb *c = arg;
    struct pd_run_row r = {
        .id = sqlite3_column_int64(st, 0),
        .started = sqlite3_column_int64(st, 1),
        .last_heartbeat = sqlite3_column_int64(st, 2),
        .stopped = sqlite3_column_int64(st, 3),
        .pid = sqlite3_column_int(st, 4),
        .host = col_text(st, 5),
        .version = col_text(st, 6),
    };
    return c->cb(&r, c->arg);
}

int pd_db_last_run(struct pd_db *db, int (*cb)(const struct pd_run_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare_read(db,
                          "SELECT id, started_ns, last_heartbeat_ns, stopped_ns, pid, host,"
                          " version FROM runs ORDER BY id DESC LIMIT 1",
                          &st);
    if (rc < 0)
        return rc;
    int64_t runs;
    if ((rc = pd_db_query_int(db, "SELECT count(*) FROM runs", &runs)) < 0) {
        sqlite3_finalize(st);
        return rc;
    }
    if (runs == 0) {
        sqlite3_finalize(st);
        return -ENOENT;
    }
    struct run_cb c = {cb, arg};
    return run_read(db, st, run_row, &c);
}

struct status_cb {
    int (*cb)(const struct pd_status_row *, void *);
    void *arg;
};

static int status_row(sqlite3_stmt *st, void *arg)
{
    struct status_cb *c = arg;
    struct pd_status_row r = {
        .target_id = col_text(st, 0),
        .name = col_text(st, 1),
        .address = col_text(st, 2),
        .type = col_text(st, 3),
        .site = col_text(st, 4),
        .check_id = col_text(st, 5),
        .state = col_text(st, 6),
        .since = sqlite3_column_int64(st, 7),
        .last = sqlite3_column_int64(st, 8),
        .last_verdict = col_text(st, 9),
        .last_reason = col_text(st, 10),
        .last_metrics = col_text(st, 11),
        .rounds = (uint64_t)sqlite3_column_int64(st, 12),
        .skipped = (uint64_t)sqlite3_column_int64(st, 13),
    };
    return c->cb(&r, c->arg);
}

int pd_db_status(struct pd_db *db, const char *site_prefix_in, const char *target_id,
                 int (*cb)(const struct pd_status_row *, void *), void *arg)
{
    char buf[1024];
    const char *site = site_prefix(site_prefix_in, buf, sizeof(buf));
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT c.target_id, t.name, t.address, t.type, t.site, c.check_id, c.state,"
             " c.since_ns, coalesce(c.last_ns, 0), c.last_verdict, c.last_reason,"
             " c.last_metrics, c.rounds, c.skipped FROM current_state c"
             " JOIN targets t ON t.id = c.target_id WHERE t.retired_ns IS NULL%s%s"
             " ORDER BY t.site, c.target_id, c.check_id",
             site ? SITE_MATCH("?1") : "", target_id ? " AND c.target_id = ?2" : "");
    sqlite3_stmt *st;
    int rc = prepare_read(db, sql, &st);
    if (rc < 0)
        return rc;
    if (site)
        pd_db_bind_text(st, 1, site);
    if (target_id)
        pd_db_bind_text(st, 2, target_id);
    struct status_cb c = {cb, arg};
    return run_read(db, st, status_row, &c);
}

/* select (ending in "WHERE 1", the table aliased x) with the filter's
 * conditions, ordered by time and recording order, each row to row(). */
static int read_filtered(struct pd_db *db, const struct pd_event_filter *filter, const char *select,
                         int targets_only, int (*row)(sqlite3_stmt *, void *), void *arg)
{
    static const struct pd_event_filter any;
    const struct pd_event_filter *f = filter ? filter : &any;
    char buf[1024];
    const char *site = site_prefix(f->site_prefix, buf, sizeof(buf));
    char sql[1536];
    /* Only the conditions in use, so that SQLite can pick an index. */
    snprintf(sql, sizeof(sql), "%s%s%s%s%s%s ORDER BY x.at_ns, x.id", select,
             f->target_id ? " AND x.target_id = ?1" : "", site ? SITE_MATCH("?2") : "",
             f->from ? " AND x.at_ns >= ?3" : "", f->until ? " AND x.at_ns < ?4" : "",
             targets_only && f->targets_only ? " AND x.check_id = ''" : "");
    sqlite3_stmt *st;
    int rc = prepare_read(db, sql, &st);
    if (rc < 0)
        return rc;
    if (f->target_id)
        pd_db_bind_text(st, 1, f->target_id);
    if (site)
        pd_db_bind_text(st, 2, site);
    if (f->from)
        sqlite3_bind_int64(st, 3, f->from);
    if (f->until)
        sqlite3_bind_int64(st, 4, f->until);
    return run_read(db, st, row, arg);
}

struct event_cb {
    int (*cb)(const struct pd_event_row *, void *);
    void *arg;
};

static int event_row(sqlite3_stmt *st, void *arg)
{
    struct event_cb *c = arg;
    struct pd_event_row r = {
        .id = sqlite3_column_int64(st, 0),
        .target_id = col_text(st, 1),
        .name = col_text(st, 2),
        .site = col_text(st, 3),
        .check_id = col_text(st, 4),
        .at = sqlite3_column_int64(st, 5),
        .detected = sqlite3_column_int64(st, 6),
        .from = col_text(st, 7),
        .to = col_text(st, 8),
        .reason = col_text(st, 9),
    };
    return c->cb(&r, c->arg);
}

int pd_db_events(struct pd_db *db, const struct pd_event_filter *filter,
                 int (*cb)(const struct pd_event_row *, void *), void *arg)
{
    struct event_cb c = {cb, arg};
    return read_filtered(db, filter,
                         "SELECT x.id, x.target_id, t.name, t.site, x.check_id, x.at_ns,"
                         " x.detected_ns, x.from_state, x.to_state, x.reason FROM transitions x"
                         " LEFT JOIN targets t ON t.id = x.target_id WHERE 1",
                         1, event_row, &c);
}

struct gap_cb {
    int (*cb)(const struct pd_gap_row *, void *);
    void *arg;
};

static int gap_row(sqlite3_stmt *st, void *arg)
{
    struct gap_cb *c = arg;
    struct pd_gap_row r = {
        .from = sqlite3_column_int64(st, 0),
        .to = sqlite3_column_int64(st, 1),
        .reason = col_text(st, 2),
    };
    return c->cb(&r, c->arg);
}

int pd_db_gaps(struct pd_db *db, pd_ns from, pd_ns until,
               int (*cb)(const struct pd_gap_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare_read(db,
                          "SELECT from_ns, to_ns, reason FROM unobserved"
                          " WHERE (?2 = 0 OR from_ns < ?2) AND (?1 = 0 OR to_ns > ?1)"
                          " ORDER BY from_ns, id",
                          &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, until);
    struct gap_cb c = {cb, arg};
    return run_read(db, st, gap_row, &c);
}

struct target_cb {
    int (*cb)(const struct pd_target_row *, void *);
    void *arg;
};

static int target_row(sqlite3_stmt *st, void *arg)
{
    struct target_cb *c = arg;
    struct pd_target_row r = {
        .id = col_text(st, 0),
        .name = col_text(st, 1),
        .address = col_text(st, 2),
        .type = col_text(st, 3),
        .site = col_text(st, 4),
        .added = sqlite3_column_int64(st, 5),
        .retired = sqlite3_column_int64(st, 6),
    };
    return c->cb(&r, c->arg);
}

/* ids as one JSON array, for json_each: one statement for any number of
 * them. Ids are [a-z0-9._-], nothing to escape. NULL: out of memory. */
static char *json_ids(const char *const *ids, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(ids[i]) + 3;
    char *list = malloc(len);
    if (!list)
        return NULL;
    size_t used = 0;
    list[used++] = '[';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(list + used, len - used, "%s\"%s\"", i ? "," : "", ids[i]);
    snprintf(list + used, len - used, "]");
    return list;
}

/* Prepare sql, binding ?1 to the JSON array of only when sql_only is the
 * one used (only non-NULL). */
static int prepare_only(struct pd_db *db, const char *sql_all, const char *sql_only,
                        const char *const *only, size_t n_only, sqlite3_stmt **st)
{
    if (!only)
        return prepare_read(db, sql_all, st);
    char *list = json_ids(only, n_only);
    if (!list)
        return -ENOMEM;
    int rc = prepare_read(db, sql_only, st);
    if (rc == 0 && sqlite3_bind_text(*st, 1, list, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        sqlite3_finalize(*st);
        rc = -ENOMEM;
    }
    free(list);
    return rc;
}

int pd_db_targets(struct pd_db *db, const char *const *only, size_t n_only,
                  int (*cb)(const struct pd_target_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare_only(db,
                          "SELECT id, name, address, type, site, added_ns, coalesce(retired_ns, 0)"
                          " FROM targets ORDER BY id",
                          "SELECT id, name, address, type, site, added_ns, coalesce(retired_ns, 0)"
                          " FROM targets WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
                          only, n_only, &st);
    if (rc < 0)
        return rc;
    struct target_cb c = {cb, arg};
    return run_read(db, st, target_row, &c);
}

struct point_cb {
    int (*cb)(const struct pd_point_row *, void *);
    void *arg;
};

static int point_row(sqlite3_stmt *st, void *arg)
{
    struct point_cb *c = arg;
    struct pd_point_row r = {
        .target_id = col_text(st, 0),
        .at = sqlite3_column_int64(st, 1),
        .state = col_text(st, 2),
        .reason = col_text(st, 3),
        .check_id = col_text(st, 4),
    };
    return c->cb(&r, c->arg);
}

int pd_db_target_points(struct pd_db *db, const char *const *only, size_t n_only,
                        int (*cb)(const struct pd_point_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    /* In the order they were recorded: a plain scan of the table, several
     * times faster than walking the (target_id, check_id, at_ns) index and
     * fetching every row (bench/report); a few targets' rows through it. */
    int rc = prepare_only(db,
                          "SELECT target_id, at_ns, to_state, reason, check_id FROM transitions"
                          " WHERE check_id = '' ORDER BY id",
                          "SELECT target_id, at_ns, to_state, reason, check_id FROM transitions"
                          " WHERE target_id IN (SELECT value FROM json_each(?1))"
                          " AND check_id = '' ORDER BY id",
                          only, n_only, &st);
    if (rc < 0)
        return rc;
    struct point_cb c = {cb, arg};
    return run_read(db, st, point_row, &c);
}

int pd_db_check_points(struct pd_db *db, const char *const *check_ids, size_t n,
                       const char *const *only, size_t n_only,
                       int (*cb)(const struct pd_point_row *, void *), void *arg)
{
    char *list = json_ids(check_ids, n);
    if (!list)
        return -ENOMEM;
    sqlite3_stmt *st;
    int rc = prepare_only(db,
                          "SELECT target_id, at_ns, to_state, reason, check_id FROM transitions"
                          " WHERE check_id IN (SELECT value FROM json_each(?2)) ORDER BY id",
                          "SELECT target_id, at_ns, to_state, reason, check_id FROM transitions"
                          " WHERE target_id IN (SELECT value FROM json_each(?1))"
                          " AND check_id IN (SELECT value FROM json_each(?2)) ORDER BY id",
                          only, n_only, &st);
    if (rc == 0) {
        if (sqlite3_bind_text(st, 2, list, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
            sqlite3_finalize(st);
            rc = -ENOMEM;
        } else {
            struct point_cb c = {cb, arg};
            rc = run_read(db, st, point_row, &c);
        }
    }
    free(list);
    return rc;
}

int pd_db_last_target_point(struct pd_db *db, pd_ns *at)
{
    /* Backwards through transitions_by_time to the first target row. */
    int64_t v = 0;
    int rc = pd_db_query_int(db,
                             "SELECT coalesce((SELECT at_ns FROM transitions WHERE check_id = ''"
                             " ORDER BY at_ns DESC LIMIT 1), 0)",
                             &v);
    *at = rc == 0 ? v : 0;
    return rc;
}

struct maint_cb {
    int (*cb)(const struct pd_maint_row *, void *);
    void *arg;
};

static int maint_row(sqlite3_stmt *st, void *arg)
{
    struct maint_cb *c = arg;
    struct pd_maint_row r = {
        .id = sqlite3_column_int64(st, 0),
        .start = sqlite3_column_int64(st, 1),
        .end = sqlite3_column_int64(st, 2),
        .scope = col_text(st, 3),
        .what = col_text(st, 4),
        .reason = col_text(st, 5),
        .created = sqlite3_column_int64(st, 6),
        .created_by = col_text(st, 7),
        .removed = sqlite3_column_int64(st, 8),
        .removed_by = col_text(st, 9),
    };
    return c->cb(&r, c->arg);
}

int pd_db_maintenance(struct pd_db *db, pd_ns from, pd_ns until, int with_removed,
                      int (*cb)(const struct pd_maint_row *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc = prepare_read(db,
                          "SELECT id, start_ns, end_ns, scope, what, reason, created_ns,"
                          " created_by, coalesce(removed_ns, 0), coalesce(removed_by, '')"
                          " FROM maintenance WHERE (?1 = 0 OR end_ns > ?1)"
                          " AND (?2 = 0 OR start_ns < ?2) AND (?3 OR removed_ns IS NULL)"
                          " ORDER BY start_ns, id",
                          &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, until);
    sqlite3_bind_int(st, 3, with_removed != 0);
    struct maint_cb c = {cb, arg};
    return run_read(db, st, maint_row, &c);
}

int pd_db_maintenance_add(struct pd_db *db, const struct pd_maint_row *w, size_t n, int64_t *ids)
{
    sqlite3_stmt *st = NULL;
    int rc = pd_db_exec(db, "BEGIN IMMEDIATE", "begin maintenance insert");
    if (rc < 0)
        return rc;
    int prc = sqlite3_prepare_v2(db->conn,
                                 "INSERT INTO maintenance (start_ns, end_ns, scope, what, reason,"
                                 " created_ns, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 -1, &st, NULL);
    if (prc != SQLITE_OK)
        rc = pd_db_fail(db, prc, "prepare maintenance insert");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, w[i].start);
        sqlite3_bind_int64(st, 2, w[i].end);
        pd_db_bind_text(st, 3, w[i].scope);
        pd_db_bind_text(st, 4, w[i].what);
        pd_db_bind_text(st, 5, w[i].reason);
        sqlite3_bind_int64(st, 6, w[i].created);
        pd_db_bind_text(st, 7, w[i].created_by);
        int src = sqlite3_step(st);
        rc = src == SQLITE_DONE ? 0 : pd_db_fail(db, src, "insert maintenance window");
        if (rc == 0 && ids)
            ids[i] = sqlite3_last_insert_rowid(db->conn);
    }
    sqlite3_finalize(st);
    if (rc == 0)
        rc = pd_db_exec(db, "COMMIT", "commit maintenance insert");
    if (rc < 0)
        sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int pd_db_maintenance_remove(struct pd_db *db, int64_t id, pd_ns at, const char *by)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->conn,
                                "UPDATE maintenance SET removed_ns = ?2, removed_by = ?3"
                                " WHERE id = ?1 AND removed_ns IS NULL",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pd_db_fail(db, rc, "prepare maintenance removal");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    pd_db_bind_text(st, 3, by);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? 0 : pd_db_fail(db, rc, "remove maintenance window");
    if (rc == 0 && sqlite3_changes(db->conn) == 0)
        rc = -ENOENT;
    sqlite3_finalize(st);
    return rc;
}

struct note_cb {
    int (*cb)(const struct pd_note_row *, void *);
    void *arg;
};

static int note_row(sqlite3_stmt *st, void *arg)
{
    struct note_cb *c = arg;
    struct pd_note_row r = {
        .target_id = col_text(st, 0),
        .name = col_text(st, 1),
        .site = col_text(st, 2),
        .check_id = col_text(st, 3),
        .at = sqlite3_column_int64(st, 4),
        .kind = col_text(st, 5),
        .message = col_text(st, 6),
        .series = col_text(st, 7),
    };
    return c->cb(&r, c->arg);
}

int pd_db_notes(struct pd_db *db, const struct pd_event_filter *filter,
                int (*cb)(const struct pd_note_row *, void *), void *arg)
{
    struct note_cb c = {cb, arg};
    return read_filtered(db, filter,
                         "SELECT x.target_id, t.name, t.site, x.check_id, x.at_ns, x.kind,"
                         " x.message, x.series FROM events x"
                         " LEFT JOIN targets t ON t.id = x.target_id"
                         " WHERE 1",
                         0, note_row, &c);
}

struct series_cb {
    int (*cb)(const struct pd_series_row *, void *);
    void *arg;
};

static int series_row(sqlite3_stmt *st, void *arg)
{
    struct series_cb *c = arg;
    struct pd_series_row r = {
        .target_id = col_text(st, 0),
        .check_id = col_text(st, 1),
        .series = col_text(st, 2),
        .label = col_text(st, 3),
        .description = col_text(st, 4),
        .first = sqlite3_column_int64(st, 5),
        .changed = sqlite3_column_int64(st, 6),
    };
    return c->cb(&r, c->arg);
}

int pd_db_series(struct pd_db *db, const char *target_id, const char *check_id,
                 int (*cb)(const struct pd_series_row *, void *), void *arg)
{
    struct series_cb c = {cb, arg};
    sqlite3_stmt *st;
    int rc = prepare_read(db,
                          "SELECT target_id, check_id, series, label, description, first_ns,"
                          " changed_ns FROM series WHERE (?1 IS NULL OR target_id = ?1)"
                          " AND (?2 IS NULL OR check_id = ?2)"
                          " ORDER BY target_id, check_id, series",
                          &st);
    if (rc < 0)
        return rc;
    if (target_id)
        pd_db_bind_text(st, 1, target_id);
    if (check_id)
        pd_db_bind_text(st, 2, check_id);
    return run_read(db, st, series_row, &c);
}
