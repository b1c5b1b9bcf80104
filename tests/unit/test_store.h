/*
 * Shared by the storage and event store tests: a fresh data directory and
 * a fake clock per test, and readers that copy rows out of the real store.
 * Header-only, like test_files.h.
 */
#ifndef PROBED_TEST_STORE_H
#define PROBED_TEST_STORE_H

#include "test_files.h"

#include <errno.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "db.h"
#include "storage.h"

#define T0 ((pd_ns)1699999200 * PD_SEC) /* a whole hour: every RRD step divides it */

struct fixture {
    char dir[PATH_MAX];
    struct pd_fake_clock clock;
};

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || test_dir_make(f->dir) < 0)
        return -1;
    f->clock.wall = T0;
    f->clock.mono = 1000 * PD_SEC;
    pd_clock_use_fake(&f->clock);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    pd_clock_use_fake(NULL);
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

/* The storage thread may block in on_commit, so that tests can fill the
 * queues while it cannot drain them. */
struct gate {
    int armed;
    sem_t entered, release;
    int commits;
};

static inline void gate_on_commit(void *arg)
{
    struct gate *g = arg;
    __atomic_add_fetch(&g->commits, 1, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&g->armed, 0, __ATOMIC_SEQ_CST)) {
        sem_post(&g->entered);
        sem_wait(&g->release);
    }
}

static inline void gate_init(struct gate *g)
{
    memset(g, 0, sizeof(*g));
    sem_init(&g->entered, 0, 0);
    sem_init(&g->release, 0, 0);
}

static inline struct pd_storage *open_storage(struct fixture *f, size_t queue_size, struct gate *g)
{
    struct pd_storage_opts o = {
        .data_dir = f->dir,
        .queue_size = queue_size,
        .version = "test",
        .on_commit = g ? gate_on_commit : NULL,
        .on_commit_arg = g,
    };
    char err[256] = "";
    struct pd_storage *s = NULL;
    int rc = pd_storage_open(&o, &s, err, sizeof(err));
    if (rc < 0)
        fail_msg("pd_storage_open: %s", err);
    return s;
}

static inline struct pd_db *open_reader(struct fixture *f)
{
    char err[256] = "";
    struct pd_db *db = NULL;
    if (pd_db_open(f->dir, 1, &db, err, sizeof(err)) < 0)
        fail_msg("pd_db_open: %s", err);
    return db;
}

static inline sqlite3 *open_raw(struct fixture *f)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", f->dir, PD_DB_FILE);
    sqlite3 *conn = NULL;
    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    return conn;
}

static inline int64_t raw_int(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rows of a query, columns joined by '|', rows by '\n'. */
static inline void raw_rows(sqlite3 *conn, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    size_t n = 0;
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW && n < len) {
        for (int i = 0; i < sqlite3_column_count(st) && n < len; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            n += (size_t)snprintf(out + n, len - n, "%s%s", i ? "|" : "", v ? v : "NULL");
        }
        if (n < len)
            n += (size_t)snprintf(out + n, len - n, "\n");
    }
    sqlite3_finalize(st);
}

struct event {
    char target_id[80], name[80], site[80], check_id[80], from[16], to[16], reason[80];
    pd_ns at, detected;
};

struct events {
    struct event e[64];
    size_t n;
};

static inline int copy_event(const struct pd_event_row *r, void *arg)
{
    struct events *l = arg;
    if (l->n >= 64)
        return 1;
    struct event *e = &l->e[l->n++];
    snprintf(e->target_id, sizeof(e->target_id), "%s", r->target_id);
    snprintf(e->name, sizeof(e->name), "%s", r->name);
    snprintf(e->site, sizeof(e->site), "%s", r->site);
    snprintf(e->check_id, sizeof(e->check_id), "%s", r->check_id);
    snprintf(e->from, sizeof(e->from), "%s", r->from);
    snprintf(e->to, sizeof(e->to), "%s", r->to);
    snprintf(e->reason, sizeof(e->reason), "%s", r->reason);
    e->at = r->at;
    e->detected = r->detected;
    return 0;
}

static inline void read_events(struct fixture *f, const struct pd_event_filter *filter,
                               struct events *l)
{
    struct pd_db *db = open_reader(f);
    memset(l, 0, sizeof(*l));
    assert_int_equal(pd_db_events(db, filter, copy_event, l), 0);
    pd_db_close(db);
}

struct status {
    char target_id[80], name[80], site[80], check_id[80], state[16], verdict[16], reason[80],
        metrics[200];
    pd_ns since, last;
    uint64_t rounds, skipped;
};

struct statuses {
    struct status s[64];
    size_t n;
};

static inline int copy_status(const struct pd_status_row *r, void *arg)
{
    struct statuses *l = arg;
    if (l->n >= 64)
        return 1;
    struct status *s = &l->s[l->n++];
    snprintf(s->target_id, sizeof(s->target_id), "%s", r->target_id);
    snprintf(s->name, sizeof(s->name), "%s", r->name);
    snprintf(s->site, sizeof(s->site), "%s", r->site);
    snprintf(s->check_id, sizeof(s->check_id), "%s", r->check_id);
    snprintf(s->state, sizeof(s->state), "%s", r->state);
    snprintf(s->verdict, sizeof(s->verdict), "%s", r->last_verdict);
    snprintf(s->reason, sizeof(s->reason), "%s", r->last_reason);
    snprintf(s->metrics, sizeof(s->metrics), "%s", r->last_metrics);
    s->since = r->since;
    s->last = r->last;
    s->rounds = r->rounds;
    s->skipped = r->skipped;
    return 0;
}

static inline void read_status(struct fixture *f, const char *site, const char *target,
                               struct statuses *l)
{
    struct pd_db *db = open_reader(f);
    memset(l, 0, sizeof(*l));
    assert_int_equal(pd_db_status(db, site, target, copy_status, l), 0);
    pd_db_close(db);
}

static inline const struct status *find_status(const struct statuses *l, const char *target,
                                               const char *check)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->s[i].target_id, target) == 0 && strcmp(l->s[i].check_id, check) == 0)
            return &l->s[i];
    return NULL;
}

struct gaps {
    pd_ns from[8], to[8];
    char reason[8][80];
    size_t n;
};

static inline int copy_gap(const struct pd_gap_row *r, void *arg)
{
    struct gaps *l = arg;
    if (l->n >= 8)
        return 1;
    l->from[l->n] = r->from;
    l->to[l->n] = r->to;
    snprintf(l->reason[l->n], sizeof(l->reason[0]), "%s", r->reason);
    l->n++;
    return 0;
}

static inline void transition(struct pd_storage *s, const char *target, const char *check,
                              enum pd_state from, enum pd_state to, pd_ns at, const char *reason)
{
    struct pd_transition t = {from, to, at};
    assert_true(pd_storage_transition(s, target, check, &t, at + PD_SEC, reason) > 0);
}

static const struct pd_inventory_item basic_items[] = {
    {"gy-mcu-01", "贵阳市局终端", "10.1.0.1", "codec", "guizhou/guiyang"},
    {"zy-cam-02", "遵义会议中心", "10.2.0.2", "camera", "guizhou/zunyi"},
    {"gyx-sw-03", "贵阳新区交换机", "10.3.0.3", "switch", "guizhou/guiyangx"},
};
static const struct pd_check_ref basic_checks[] = {
    {"gy-mcu-01", "icmp"},
    {"gy-mcu-01", "tcp"},
    {"zy-cam-02", "icmp"},
    {"gyx-sw-03", "icmp"},
};

static inline void basic_inventory(struct pd_storage *s, pd_ns at)
{
    pd_storage_inventory(s, at, basic_items, 3, basic_checks, 4);
}

struct run {
    int64_t id;
    pd_ns started, stopped;
};

static inline int copy_run(const struct pd_run_row *r, void *arg)
{
    struct run *out = arg;
    out->id = r->id;
    out->started = r->started;
    out->stopped = r->stopped;
    return 0;
}

#endif
