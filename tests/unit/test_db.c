/*
 * The event store's read side as probectl uses it: filters, read-only
 * opening (missing store, another user, a newer schema).
 */
#include "test_store.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include "log.h"

static void test_status_filters_and_order(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    basic_inventory(s, T0);
    pd_storage_flush(s);

    struct statuses l;
    read_status(f, NULL, NULL, &l);
    assert_int_equal(l.n, 7); /* 3 targets, 4 checks */
    /* Ordered by site, target, check. */
    assert_string_equal(l.s[0].site, "guizhou/guiyang");
    assert_string_equal(l.s[0].check_id, "");
    assert_string_equal(l.s[1].check_id, "icmp");
    assert_string_equal(l.s[2].check_id, "tcp");
    assert_string_equal(l.s[3].site, "guizhou/guiyangx");
    assert_string_equal(l.s[6].site, "guizhou/zunyi");

    read_status(f, "guizhou/guiyang", NULL, &l);
    assert_int_equal(l.n, 3); /* not guizhou/guiyangx */
    assert_string_equal(l.s[0].name, "贵阳市局终端");
    read_status(f, "guizhou", NULL, &l);
    assert_int_equal(l.n, 7);
    read_status(f, "guizhou/gui", NULL, &l);
    assert_int_equal(l.n, 0);
    read_status(f, NULL, "zy-cam-02", &l);
    assert_int_equal(l.n, 2);
    pd_storage_close(s, T0 + PD_SEC);
}

static void test_readonly_missing_store(void **state)
{
    struct fixture *f = *state;
    struct pd_db *db = (struct pd_db *)1;
    char err[256] = "";
    assert_int_equal(pd_db_open(f->dir, 1, &db, err, sizeof(err)), -ENOENT);
    assert_null(db);
    assert_non_null(strstr(err, PD_DB_FILE));
    /* and it did not create one */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", f->dir, PD_DB_FILE);
    assert_int_equal(access(path, F_OK), -1);

    /* A store with no run yet has no last run. */
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    struct run run;
    assert_int_equal(pd_db_last_run(db, copy_run, &run), -ENOENT);
    pd_db_close(db);
}

/* probectl run by a user who may read the store but not write its
 * directory, while the daemon runs and after it stopped. */
static int read_as_nobody(struct fixture *f, size_t want_events)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(10);
        struct pd_db *db = NULL;
        char err[256];
        if (pd_db_open(f->dir, 1, &db, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            _exit(11);
        }
        struct events l = {0};
        int rc = pd_db_events(db, NULL, copy_event, &l);
        pd_db_close(db);
        _exit(rc == 0 && l.n == want_events ? 0 : 12);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_readonly_by_another_user(void **state)
{
    struct fixture *f = *state;
    if (geteuid() != 0)
        skip(); /* needs root to become another user */
    assert_int_equal(chmod(f->dir, 0755), 0);
    struct pd_storage *s = open_storage(f, 0, NULL);
    basic_inventory(s, T0);
    transition(s, "gy-mcu-01", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0, "");
    pd_storage_flush(s);
    assert_int_equal(read_as_nobody(f, 1), 0);
    pd_storage_close(s, T0 + PD_SEC);
    assert_int_equal(read_as_nobody(f, 2), 0);
}

static void test_newer_schema_refused(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    pd_storage_close(s, T0);
    sqlite3 *raw = open_raw(f);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 6", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    struct pd_db *db = NULL;
    char err[256] = "";
    assert_int_equal(pd_db_open(f->dir, 1, &db, err, sizeof(err)), -EPROTO);
    assert_null(db);
    assert_non_null(strstr(err, "newer"));
    err[0] = '\0';
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "newer"));

    struct pd_storage_opts o = {.data_dir = f->dir};
    err[0] = '\0';
    assert_int_equal(pd_storage_open(&o, &s, err, sizeof(err)), -EPROTO);
    assert_null(s);
    assert_non_null(strstr(err, "version 6"));
}

/* A store of schema version 1 (before maintenance windows) is migrated in
 * place and keeps its records. */
static void test_migrate_v1(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    pd_storage_close(s, T0);
    sqlite3 *raw = open_raw(f);
    assert_int_equal(sqlite3_exec(raw,
                                  "DROP TABLE series; DROP TABLE events; DROP TABLE maintenance;"
                                  " DROP TABLE alert_attempts; DROP TABLE alerts;"
                                  " DROP TABLE alert_cursor; PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);

    struct pd_db *db = NULL;
    char err[256] = "";
    assert_int_equal(pd_db_open(f->dir, 1, &db, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "start probed once to migrate it"));
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    struct pd_maint_row w = {.start = T0,
                             .end = T0 + 3600 * PD_SEC,
                             .scope = "site",
                             .what = "gz/gy",
                             .reason = "割接",
                             .created = T0,
                             .created_by = "tester"};
    int64_t id = 0;
    assert_int_equal(pd_db_maintenance_add(db, &w, 1, &id), 0);
    assert_true(id > 0);
    pd_db_close(db);
    raw = open_raw(f);
    char rows[256];
    raw_rows(raw, "SELECT count(*) FROM runs", rows, sizeof(rows));
    assert_string_equal(rows, "1\n");
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), PD_DB_SCHEMA_VERSION);
    sqlite3_close(raw);
}

static int collect_note(const struct pd_note_row *n, void *arg)
{
    char *out = arg;
    size_t len = strlen(out);
    snprintf(out + len, 512 - len, "%s/%s %s %s\n", n->target_id, n->check_id, n->kind, n->message);
    return 0;
}

/* A probe's events reach the store through the durable queue, with their
 * time, and are read back in time order, filtered like transitions. */
static void test_events(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    pd_storage_event(s, "gy-sw-01", "snmp", NULL, T0 + 20 * PD_SEC, "reboot",
                     "restarted at 2026-11-21 10:00:00 +08:00");
    pd_storage_event(s, "zy-sw-02", "snmp", NULL, T0 + 10 * PD_SEC, "interface_down",
                     "eth0 (上行)");
    pd_storage_close(s, T0 + 30 * PD_SEC);
    struct pd_db *db = NULL;
    char err[256] = "", got[512] = "";
    assert_int_equal(pd_db_open(f->dir, 1, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_notes(db, NULL, collect_note, got), 0);
    assert_string_equal(got, "zy-sw-02/snmp interface_down eth0 (上行)\n"
                             "gy-sw-01/snmp reboot restarted at 2026-11-21 10:00:00 +08:00\n");
    got[0] = '\0';
    struct pd_event_filter flt = {.target_id = "gy-sw-01"};
    assert_int_equal(pd_db_notes(db, &flt, collect_note, got), 0);
    assert_null(strstr(got, "zy-sw-02"));
    got[0] = '\0';
    flt = (struct pd_event_filter){.from = T0 + 15 * PD_SEC};
    assert_int_equal(pd_db_notes(db, &flt, collect_note, got), 0);
    assert_string_equal(got, "gy-sw-01/snmp reboot restarted at 2026-11-21 10:00:00 +08:00\n");
    pd_db_close(db);
}

static int collect_window(const struct pd_maint_row *w, void *arg)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%lld %s %s %s %s%s\n", (long long)w->id, w->scope, w->what,
             w->reason, w->created_by, w->removed ? " removed" : "");
    return 0;
}

static void test_maintenance_rows(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    pd_storage_close(s, T0);
    struct pd_db *db = NULL;
    char err[256] = "", got[512] = "";
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    struct pd_maint_row w[3] = {
        {.start = T0,
         .end = T0 + 10,
         .scope = "target",
         .what = "a",
         .reason = "r1",
         .created = T0,
         .created_by = "x"},
        {.start = T0 + 100,
         .end = T0 + 200,
         .scope = "all",
         .what = "",
         .reason = "r2",
         .created = T0,
         .created_by = "y"},
        /* end before start: the constraint refuses it, and with it the whole batch */
        {.start = T0 + 300, .end = T0 + 300, .scope = "all", .reason = "", .created = T0},
    };
    int64_t ids[3];
    assert_int_equal(pd_db_maintenance_add(db, w, 3, ids), -EINVAL);
    assert_int_equal(pd_db_maintenance(db, 0, 0, 1, collect_window, got), 0);
    assert_string_equal(got, "");
    assert_int_equal(pd_db_maintenance_add(db, w, 2, ids), 0);
    assert_int_equal(pd_db_maintenance(db, 0, 0, 0, collect_window, got), 0);
    char want[256];
    snprintf(want, sizeof(want), "%lld target a r1 x\n%lld all  r2 y\n", (long long)ids[0],
             (long long)ids[1]);
    assert_string_equal(got, want);
    /* overlap filter: [T0 + 50, T0 + 150) touches only the second */
    got[0] = '\0';
    assert_int_equal(pd_db_maintenance(db, T0 + 50, T0 + 150, 0, collect_window, got), 0);
    assert_non_null(strstr(got, " all "));
    assert_null(strstr(got, " target "));
    assert_int_equal(pd_db_maintenance_remove(db, ids[0], T0 + 5, "z"), 0);
    assert_int_equal(pd_db_maintenance_remove(db, ids[0], T0 + 6, "z"), -ENOENT);
    got[0] = '\0';
    assert_int_equal(pd_db_maintenance(db, 0, 0, 0, collect_window, got), 0);
    assert_null(strstr(got, " target "));
    got[0] = '\0';
    assert_int_equal(pd_db_maintenance(db, 0, 0, 1, collect_window, got), 0);
    assert_non_null(strstr(got, "target a r1 x removed"));
    pd_db_close(db);
}

int main(void)
{
    pd_log_setup(PD_LOG_STDERR, PD_LOG_ERR, "test_db");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_filters_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maintenance_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_missing_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_by_another_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
