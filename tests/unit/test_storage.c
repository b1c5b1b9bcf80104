/*
 * Storage against real files: SQLite event stores and RRD files in a fresh
 * directory, read back with the probectl read API, librrd and (to look at
 * what the API does not show) SQLite itself.
 */
#include "test_store.h"

#include <math.h>
#include <signal.h>
#include <sys/wait.h>

#include <rrd.h>

#include "log.h"
#include "rrd_store.h"

static void test_open_creates_schema_and_run(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    assert_true(pd_storage_run_id(s) > 0);
    pd_storage_flush(s);

    sqlite3 *raw = open_raw(f);
    assert_int_equal(raw_int(raw, "PRAGMA user_version"), PD_DB_SCHEMA_VERSION);
    assert_int_equal(PD_DB_SCHEMA_VERSION, 5);
    char rows[512];
    raw_rows(raw, "SELECT journal_mode FROM pragma_journal_mode", rows, sizeof(rows));
    assert_string_equal(rows, "wal\n");
    raw_rows(raw, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", rows,
             sizeof(rows));
    assert_string_equal(rows,
                        "alert_attempts\nalert_cursor\nalerts\ncurrent_state\nevents\ninventory_"
                        "changes\nmaintenance\nruns\nseries\ntargets\ntransitions\nunobserved\n");
    raw_rows(raw, "SELECT started_ns, last_heartbeat_ns, stopped_ns, pid, version FROM runs", rows,
             sizeof(rows));
    char want[128];
    snprintf(want, sizeof(want), "%lld|%lld|NULL|%d|test\n", (long long)T0, (long long)T0,
             (int)getpid());
    assert_string_equal(rows, want);
    sqlite3_close(raw);

    /* A second daemon on the same directory is refused. */
    struct pd_storage_opts o = {.data_dir = f->dir};
    struct pd_storage *other = NULL;
    char err[256] = "";
    assert_int_equal(pd_storage_open(&o, &other, err, sizeof(err)), -EBUSY);
    assert_null(other);
    assert_non_null(strstr(err, "another probed"));

    pd_storage_close(s, T0 + PD_SEC);
}

/* Values of ds at times t0+step, t0+2*step, ... from the finest archive. */
static void fetch_series(struct fixture *f, const char *target, const char *check,
                         const char *series, const char *ds, time_t t0, size_t n,
                         unsigned long want_step, double *out)
{
    char path[PATH_MAX];
    assert_int_equal(pd_rrd_path(f->dir, target, check, series, path, sizeof(path)), 0);
    time_t start = t0, end = t0 + (time_t)(n * want_step);
    unsigned long step = want_step, ds_cnt = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &ds_cnt, &names, &data) != 0)
        fail_msg("rrd_fetch_r %s: %s", path, rrd_get_error());
    assert_int_equal(step, want_step);
    assert_int_equal(start, t0);
    long col = -1;
    for (unsigned long i = 0; i < ds_cnt; i++)
        if (strcmp(names[i], ds) == 0)
            col = (long)i;
    assert_true(col >= 0);
    /* Row i covers (start + i * step, start + (i + 1) * step]. */
    for (size_t i = 0; i < n; i++)
        out[i] = data[i * ds_cnt + (size_t)col];
    for (unsigned long i = 0; i < ds_cnt; i++)
        rrd_freemem(names[i]);
    rrd_freemem(names);
    rrd_freemem(data);
}

static void fetch(struct fixture *f, const char *target, const char *check, const char *ds,
                  time_t t0, size_t n, unsigned long want_step, double *out)
{
    fetch_series(f, target, check, NULL, ds, t0, n, want_step, out);
}

/* A check's parts (a switch's interfaces) have files of their own beside
 * the check's, and their descriptions are stored once, then on change. */
static void test_series_files_and_descriptions(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    const pd_ns interval = 10 * PD_SEC;
    for (int i = 0; i < 3; i++) {
        struct pd_metric own = {"rtt_ms", 1.0 + i};
        struct pd_metric a[] = {{"in_bps", 1000.0 * (i + 1)}, {"oper_up", 1}};
        struct pd_metric b[] = {{"in_bps", 7.0}, {"oper_up", 0}};
        pd_storage_sample(s, "gy-sw-01", "snmp", NULL, interval, T0 + (i + 1) * interval, &own, 1);
        pd_storage_sample(s, "gy-sw-01", "snmp", "gi1_0_1", interval, T0 + (i + 1) * interval, a,
                          2);
        pd_storage_sample(s, "gy-sw-01", "snmp", "gi1_0_2", interval, T0 + (i + 1) * interval, b,
                          2);
        pd_storage_flush(s);
    }
    pd_storage_describe(s, "gy-sw-01", "snmp", "gi1_0_1", T0, "GigabitEthernet1/0/1", "至市局上联");
    pd_storage_describe(s, "gy-sw-01", "snmp", NULL, T0, "gy-core", "Huawei S5735");
    pd_storage_describe(s, "gy-sw-01", "snmp", "gi1_0_1", T0 + interval, "GigabitEthernet1/0/1",
                        "至市局上联");
    pd_storage_describe(s, "gy-sw-01", "snmp", "gi1_0_1", T0 + 2 * interval, "GigabitEthernet1/0/1",
                        "至市局上联（备）");
    pd_storage_event(s, "gy-sw-01", "snmp", "gi1_0_2", T0 + interval, "interface_down",
                     "GigabitEthernet1/0/2 went down");
    pd_storage_flush(s);

    double v[3];
    fetch_series(f, "gy-sw-01", "snmp", "gi1_0_1", "in_bps", T0 / PD_SEC, 3, 10, v);
    assert_float_equal(v[0], 1000, 1e-9);
    assert_float_equal(v[2], 3000, 1e-9);
    fetch_series(f, "gy-sw-01", "snmp", "gi1_0_2", "oper_up", T0 / PD_SEC, 3, 10, v);
    assert_float_equal(v[1], 0, 1e-9);
    fetch(f, "gy-sw-01", "snmp", "rtt_ms", T0 / PD_SEC, 3, 10, v);
    assert_float_equal(v[2], 3, 1e-9);
    char path[PATH_MAX];
    assert_int_equal(pd_rrd_path(f->dir, "gy-sw-01", "snmp", "gi1_0_1", path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/rrd/gy-sw-01/snmp/gi1_0_1.rrd"));
    assert_int_equal(pd_rrd_path(f->dir, "gy-sw-01", "snmp", "../x", path, sizeof(path)), -EINVAL);

    sqlite3 *raw = open_raw(f);
    char rows[1024], want[1024];
    raw_rows(raw,
             "SELECT series, label, description, first_ns, changed_ns FROM series"
             " ORDER BY series",
             rows, sizeof(rows));
    snprintf(want, sizeof(want),
             "|gy-core|Huawei S5735|%lld|%lld\n"
             "gi1_0_1|GigabitEthernet1/0/1|至市局上联（备）|%lld|%lld\n",
             (long long)T0, (long long)T0, (long long)T0, (long long)(T0 + 2 * interval));
    assert_string_equal(rows, want);
    raw_rows(raw, "SELECT series, kind FROM events", rows, sizeof(rows));
    assert_string_equal(rows, "gi1_0_2|interface_down\n");
    sqlite3_close(raw);
    pd_storage_close(s, T0 + 4 * interval);
}

static void test_samples_written_and_read_back(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    const pd_ns interval = 10 * PD_SEC;
    const double rtt[] = {1.5, 2.25, NAN, 4.125};
    for (int i = 0; i < 4; i++) {
        struct pd_metric m[] = {{"rtt_ms", rtt[i]}, {"loss_pct", i * 10.0}};
        pd_storage_sample(s, "gy-mcu-01", "icmp", NULL, interval, T0 + (i + 1) * interval, m, 2);
        /* One batch per sample: the file is created by the first. */
        pd_storage_flush(s);
    }
    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 4);
    assert_int_equal(st.samples_dropped, 0);
    assert_int_equal(st.rrd_errors, 0);
    assert_int_equal(st.queue_depth, 0);

    double v[5];
    fetch(f, "gy-mcu-01", "icmp", "rtt_ms", T0 / PD_SEC, 5, 10, v);
    assert_float_equal(v[0], 1.5, 1e-9);
    assert_float_equal(v[1], 2.25, 1e-9);
    assert_true(isnan(v[2]));
    assert_float_equal(v[3], 4.125, 1e-9);
    assert_true(isnan(v[4])); /* nothing written yet */
    fetch(f, "gy-mcu-01", "icmp", "loss_pct", T0 / PD_SEC, 4, 10, v);
    assert_float_equal(v[0], 0, 1e-9);
    assert_float_equal(v[3], 30, 1e-9);

    /* A sample that does not move time forward is counted, not fatal. */
    struct pd_metric m = {"rtt_ms", 9};
    pd_storage_sample(s, "gy-mcu-01", "icmp", NULL, interval, T0 + 4 * interval, &m, 1);
    pd_storage_flush(s);
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 4);
    assert_int_equal(st.rrd_errors, 1);
    pd_storage_close(s, T0);
}

/* The digits survive the trip to the file: whole numbers (written
 * without printf) of either sign, up to and past 2^53, and fractions. */
static void test_values_kept_exactly(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    const pd_ns interval = 10 * PD_SEC;
    const double want[] = {
        0,         -7,    9007199254740991.0, -9007199254740991.0, 9007199254740994.0, 0.1,
        -2.5e-300, 1e300, 1234567890123.0,    10.000000000000002};
    const size_t n = sizeof(want) / sizeof(want[0]);
    for (size_t i = 0; i < n; i++) {
        struct pd_metric m[] = {{"value", want[i]}};
        pd_storage_sample(s, "sw-01", "snmp", NULL, interval, T0 + (pd_ns)(i + 1) * interval, m, 1);
    }
    pd_storage_flush(s);
    double got[sizeof(want) / sizeof(want[0])];
    fetch(f, "sw-01", "snmp", "value", T0 / PD_SEC, n, 10, got);
    /* librrd's own parser (rrd_strtod) is off by a few units in the last
     * place beyond 15 digits, whatever we write: that much, no more. */
    for (size_t i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > fabs(want[i]) * 1e-15)
            fail_msg("row %zu: %.17g read back, %.17g written", i, got[i], want[i]);
    pd_storage_close(s, T0);
}

/* Write-behind: a file's first sample is written at once (the file
 * appears); later ones wait in memory until the delay passes, and a flush
 * or close writes them all, each file in one update. */
static void test_samples_held_until_flush_or_close(void **state)
{
    struct fixture *f = *state;
    struct pd_storage_opts o = {
        .data_dir = f->dir, .version = "test", .rrd_write_delay = 3600 * PD_SEC};
    char err[256] = "";
    struct pd_storage *s = NULL;
    assert_int_equal(pd_storage_open(&o, &s, err, sizeof(err)), 0);
    const pd_ns interval = 10 * PD_SEC;
    struct pd_storage_stats st;
    struct pd_metric m = {"connect_ms", 1.0};
    pd_storage_sample(s, "gy-sw-01", "ssh", NULL, interval, T0 + interval, &m, 1);
    for (int i = 0; i < 50; i++) {
        pd_storage_stats(s, &st);
        if (st.samples_written == 1)
            break;
        usleep(100 * 1000);
    }
    assert_int_equal(st.samples_written, 1);

    for (int i = 1; i < 3; i++) {
        m.value = 1.0 + i;
        pd_storage_sample(s, "gy-sw-01", "ssh", NULL, interval, T0 + (i + 1) * interval, &m, 1);
    }
    /* The lossy queue lingers about a second before the writer takes it;
     * what it takes must stay in memory (a second more shows it does). */
    for (int i = 0; i < 100; i++) {
        pd_storage_stats(s, &st);
        if (st.queue_depth == 0)
            break;
        usleep(100 * 1000);
    }
    assert_int_equal(st.queue_depth, 0);
    usleep(1000 * 1000);
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 1);

    pd_storage_flush(s);
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 3);
    double v[3];
    fetch(f, "gy-sw-01", "ssh", "connect_ms", T0 / PD_SEC, 3, 10, v);
    assert_float_equal(v[0], 1.0, 1e-9);
    assert_float_equal(v[2], 3.0, 1e-9);

    /* Held at close: written before the file is closed. */
    m.value = 7.5;
    pd_storage_sample(s, "gy-sw-01", "ssh", NULL, interval, T0 + 4 * interval, &m, 1);
    pd_storage_close(s, T0 + 5 * interval);
    fetch(f, "gy-sw-01", "ssh", "connect_ms", T0 / PD_SEC + 30, 1, 10, v);
    assert_float_equal(v[0], 7.5, 1e-9);
}

static void test_batch_and_changed_metric_set(void **state)
{
    struct fixture *f = *state;
    struct gate g;
    gate_init(&g);
    struct pd_storage *s = open_storage(f, 0, &g);
    const pd_ns interval = 60 * PD_SEC;
    pd_ns t1 = T0 + 60 * PD_SEC;

    /* Held in on_commit, the writer drains all of these in one batch. */
    g.armed = 1;
    transition(s, "zy-cam-02", "snmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0, "");
    sem_wait(&g.entered);
    struct pd_metric a[] = {{"in_bps", 100}};
    struct pd_metric b[] = {{"in_bps", 200}, {"out_bps", 5}};
    struct pd_metric c[] = {{"out_bps", 7}, {"Bad-Name", 1}};
    pd_storage_sample(s, "zy-cam-02", "snmp", NULL, interval, t1, a, 1);
    pd_storage_sample(s, "zy-cam-02", "snmp", NULL, interval, t1 + interval, b, 2);
    pd_storage_sample(s, "zy-cam-02", "snmp", NULL, interval, t1 + 2 * interval, c, 2);
    sem_post(&g.release);
    pd_storage_flush(s);

    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 3);
    assert_int_equal(st.rrd_errors, 1); /* the invalid name; a missing DS is no error */

    double v[3];
    fetch(f, "zy-cam-02", "snmp", "in_bps", (time_t)(T0 / PD_SEC), 3, 60, v);
    assert_float_equal(v[0], 100, 1e-9);
    assert_float_equal(v[1], 200, 1e-9);
    assert_true(isnan(v[2])); /* not in the third sample */

    /* The file keeps its first metric set and its step. */
    char path[PATH_MAX];
    pd_rrd_path(f->dir, "zy-cam-02", "snmp", NULL, path, sizeof(path));
    time_t last;
    unsigned long n_ds;
    char **names, **values;
    assert_int_equal(rrd_lastupdate_r(path, &last, &n_ds, &names, &values), 0);
    assert_int_equal(n_ds, 1);
    assert_string_equal(names[0], "in_bps");
    assert_int_equal(last, (time_t)((t1 + 2 * interval) / PD_SEC));
    rrd_freemem(names[0]);
    rrd_freemem(values[0]);
    rrd_freemem(names);
    rrd_freemem(values);
    pd_storage_close(s, T0);
    sem_destroy(&g.entered);
    sem_destroy(&g.release);
}

static void test_transitions_committed_and_acknowledged(void **state)
{
    struct fixture *f = *state;
    struct gate g;
    gate_init(&g);
    struct pd_storage *s = open_storage(f, 0, &g);
    basic_inventory(s, T0);
    pd_ns t = T0 + 100 * PD_SEC;
    struct pd_transition up = {PD_STATE_UNKNOWN, PD_STATE_UP, t};
    struct pd_transition down = {PD_STATE_UP, PD_STATE_DOWN, t + 50 * PD_SEC};
    struct pd_transition tdown = {PD_STATE_UP, PD_STATE_DOWN, t + 50 * PD_SEC};
    uint64_t s1 = pd_storage_transition(s, "gy-mcu-01", "icmp", &up, t + 2 * PD_SEC, "");
    uint64_t s2 = pd_storage_transition(s, "gy-mcu-01", "icmp", &down, t + 80 * PD_SEC, "timeout");
    uint64_t s3 = pd_storage_transition(s, "gy-mcu-01", "", &tdown, t + 80 * PD_SEC, "timeout");
    assert_true(s1 < s2 && s2 < s3);
    pd_storage_flush(s);
    assert_true(__atomic_load_n(&g.commits, __ATOMIC_SEQ_CST) >= 1);

    struct pd_transition_rec recs[8];
    size_t n = pd_storage_take_committed(s, recs, 2);
    assert_int_equal(n, 2);
    n += pd_storage_take_committed(s, recs + 2, 6);
    assert_int_equal(n, 3);
    assert_int_equal(pd_storage_take_committed(s, recs, 8), 0);
    assert_int_equal(recs[0].seq, s1);
    assert_int_equal(recs[1].seq, s2);
    assert_int_equal(recs[2].seq, s3);
    assert_string_equal(recs[1].target_id, "gy-mcu-01");
    assert_string_equal(recs[1].check_id, "icmp");
    assert_string_equal(recs[2].check_id, "");
    assert_int_equal(recs[1].t.to, PD_STATE_DOWN);
    assert_int_equal(recs[1].t.at, t + 50 * PD_SEC);
    assert_int_equal(recs[1].detected, t + 80 * PD_SEC);

    /* Read while the writer still has the store open. */
    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.e[0].to, "UP");
    assert_int_equal(l.e[0].at, t);
    assert_string_equal(l.e[1].from, "UP");
    assert_string_equal(l.e[1].to, "DOWN");
    assert_string_equal(l.e[1].reason, "timeout");
    assert_string_equal(l.e[1].name, "贵阳市局终端");
    assert_string_equal(l.e[1].site, "guizhou/guiyang");
    assert_int_equal(l.e[1].at, t + 50 * PD_SEC);
    assert_int_equal(l.e[1].detected, t + 80 * PD_SEC);
    assert_string_equal(l.e[2].check_id, "");

    struct pd_event_filter only = {.targets_only = 1};
    read_events(f, &only, &l);
    assert_int_equal(l.n, 1);
    struct pd_event_filter range = {.from = t, .until = t + 50 * PD_SEC};
    read_events(f, &range, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.e[0].to, "UP");
    struct pd_event_filter site = {.site_prefix = "guizhou/zunyi/"};
    read_events(f, &site, &l);
    assert_int_equal(l.n, 0);

    /* A transition to the state already stored is redundant. */
    struct pd_transition again = {PD_STATE_UNKNOWN, PD_STATE_DOWN, t + 60 * PD_SEC};
    pd_storage_transition(s, "gy-mcu-01", "icmp", &again, t + 90 * PD_SEC, "");
    pd_storage_flush(s);
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 3);
    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.transitions_committed, 4);

    pd_storage_close(s, t + 100 * PD_SEC);
    sem_destroy(&g.entered);
    sem_destroy(&g.release);
}

static void test_queue_full_drops_oldest_samples_only(void **state)
{
    struct fixture *f = *state;
    struct gate g;
    gate_init(&g);
    struct pd_storage *s = open_storage(f, 4, &g);
    const pd_ns interval = 10 * PD_SEC;

    g.armed = 1;
    transition(s, "gy-mcu-01", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0, "");
    sem_wait(&g.entered);
    for (int i = 1; i <= 10; i++) {
        struct pd_metric m = {"rtt_ms", i};
        pd_storage_sample(s, "gy-mcu-01", "icmp", NULL, interval, T0 + i * interval, &m, 1);
        if (i == 5)
            transition(s, "gy-mcu-01", "icmp", PD_STATE_UP, PD_STATE_DOWN, T0 + i * interval,
                       "refused");
    }
    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_dropped, 6);
    assert_int_equal(st.queue_depth, 5); /* 4 samples, 1 transition */
    sem_post(&g.release);
    pd_storage_flush(s);

    pd_storage_stats(s, &st);
    assert_int_equal(st.samples_written, 4);
    assert_int_equal(st.transitions_committed, 2);
    /* The newest four survived. The file was created by sample 7, which
     * starts it one step before. */
    double v[4];
    fetch(f, "gy-mcu-01", "icmp", "rtt_ms", (time_t)((T0 + 6 * interval) / PD_SEC), 4, 10, v);
    for (int i = 0; i < 4; i++)
        assert_float_equal(v[i], 7 + i, 1e-9);
    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.e[1].to, "DOWN");
    pd_storage_close(s, T0 + 200 * PD_SEC);
    sem_destroy(&g.entered);
    sem_destroy(&g.release);
}

static void test_last_result_coalesced(void **state)
{
    struct fixture *f = *state;
    struct gate g;
    gate_init(&g);
    struct pd_storage *s = open_storage(f, 0, &g);
    basic_inventory(s, T0);

    g.armed = 1;
    transition(s, "gy-mcu-01", "tcp", PD_STATE_UNKNOWN, PD_STATE_UP, T0, "");
    sem_wait(&g.entered);
    for (int i = 1; i <= 3; i++) {
        struct pd_metric m[] = {{"rtt_ms", i * 1.5}, {"loss_pct", NAN}};
        pd_storage_last_result(s, "gy-mcu-01", "tcp", T0 + i * PD_SEC, i == 3 ? PD_BAD : PD_OK,
                               i == 3 ? "connection refused" : NULL, m, 2, (uint64_t)i,
                               (uint64_t)i / 2);
    }
    struct pd_metric m = {"rtt_ms", 0.25};
    pd_storage_last_result(s, "zy-cam-02", "icmp", T0 + 2 * PD_SEC, PD_NO_VERDICT, "no route", &m,
                           1, 7, 1);
    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.queue_depth, 2);
    sem_post(&g.release);
    pd_storage_flush(s);

    struct statuses l;
    read_status(f, NULL, NULL, &l);
    const struct status *r = find_status(&l, "gy-mcu-01", "tcp");
    assert_non_null(r);
    assert_string_equal(r->state, "UP");
    assert_int_equal(r->since, T0);
    assert_int_equal(r->last, T0 + 3 * PD_SEC);
    assert_string_equal(r->verdict, "bad");
    assert_string_equal(r->reason, "connection refused");
    assert_string_equal(r->metrics, "{\"rtt_ms\":4.5,\"loss_pct\":null}");
    assert_int_equal(r->rounds, 3);
    assert_int_equal(r->skipped, 1);
    r = find_status(&l, "zy-cam-02", "icmp");
    assert_non_null(r);
    assert_string_equal(r->state, "UNKNOWN");
    assert_string_equal(r->verdict, "none");
    assert_int_equal(r->rounds, 7);
    /* Listed checks show before their first result. */
    r = find_status(&l, "gyx-sw-03", "icmp");
    assert_non_null(r);
    assert_int_equal(r->last, 0);
    assert_string_equal(r->verdict, "");
    assert_int_equal(r->since, T0);
    pd_storage_close(s, T0 + 10 * PD_SEC);
    sem_destroy(&g.entered);
    sem_destroy(&g.release);
}

static void test_inventory_diff(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    basic_inventory(s, T0);
    transition(s, "zy-cam-02", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + PD_SEC, "");
    transition(s, "zy-cam-02", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + PD_SEC, "");
    transition(s, "gy-mcu-01", "tcp", PD_STATE_UNKNOWN, PD_STATE_DOWN, T0 + PD_SEC, "refused");

    /* zy-cam-02 goes, gy-mcu-01 changes and loses its tcp check, one is new. */
    pd_ns t1 = T0 + 100 * PD_SEC;
    const struct pd_inventory_item items[] = {
        {"gy-mcu-01", "贵阳市局主会场", "10.1.0.9", "codec", "guizhou/guiyang"},
        {"gyx-sw-03", "贵阳新区交换机", "10.3.0.3", "switch", "guizhou/guiyangx"},
        {"lps-cam-04", NULL, "10.4.0.4", "camera", NULL},
    };
    const struct pd_check_ref checks[] = {
        {"gy-mcu-01", "icmp"}, {"gyx-sw-03", "icmp"}, {"lps-cam-04", "icmp"}};
    pd_storage_inventory(s, t1, items, 3, checks, 3);
    pd_storage_flush(s);

    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 6);
    /* Retiring closes every open state of the target, at the change. */
    int retired = 0, removed = 0;
    for (size_t i = 3; i < l.n; i++) {
        assert_int_equal(l.e[i].at, t1);
        assert_string_equal(l.e[i].to, "UNKNOWN");
        if (strcmp(l.e[i].reason, "retired") == 0) {
            assert_string_equal(l.e[i].target_id, "zy-cam-02");
            assert_string_equal(l.e[i].from, "UP");
            retired++;
        } else {
            assert_string_equal(l.e[i].reason, "check removed");
            assert_string_equal(l.e[i].target_id, "gy-mcu-01");
            assert_string_equal(l.e[i].check_id, "tcp");
            assert_string_equal(l.e[i].from, "DOWN");
            removed++;
        }
    }
    assert_int_equal(retired, 2);
    assert_int_equal(removed, 1);

    struct statuses st;
    read_status(f, NULL, NULL, &st);
    assert_null(find_status(&st, "zy-cam-02", ""));
    assert_null(find_status(&st, "gy-mcu-01", "tcp"));
    const struct status *r = find_status(&st, "gy-mcu-01", "");
    assert_non_null(r);
    assert_string_equal(r->name, "贵阳市局主会场");
    r = find_status(&st, "lps-cam-04", "icmp");
    assert_non_null(r);
    r = find_status(&st, "lps-cam-04", "");
    assert_string_equal(r->name, "lps-cam-04"); /* name defaults to the id */
    assert_int_equal(st.n, 6);

    /* zy-cam-02 comes back, in another site. */
    pd_ns t2 = T0 + 200 * PD_SEC;
    const struct pd_inventory_item items2[] = {
        items[0],
        items[1],
        items[2],
        {"zy-cam-02", "遵义会议中心", "10.2.0.2", "camera", "guizhou"}};
    const struct pd_check_ref checks2[] = {checks[0], checks[1], checks[2], {"zy-cam-02", "icmp"}};
    pd_storage_inventory(s, t2, items2, 4, checks2, 4);
    /* The same inventory again changes nothing. */
    pd_storage_inventory(s, t2 + PD_SEC, items2, 4, checks2, 4);
    pd_storage_flush(s);
    read_status(f, NULL, "zy-cam-02", &st);
    assert_int_equal(st.n, 2);
    assert_string_equal(st.s[0].state, "UNKNOWN");
    assert_int_equal(st.s[0].since, t2);

    sqlite3 *raw = open_raw(f);
    char rows[2048];
    raw_rows(raw,
             "SELECT at_ns - 1699999200000000000, target_id, change, detail FROM "
             "inventory_changes ORDER BY id",
             rows, sizeof(rows));
    assert_string_equal(
        rows,
        "0|gy-mcu-01|added|name: 贵阳市局终端; address: 10.1.0.1; type: codec; site: "
        "guizhou/guiyang\n"
        "0|gyx-sw-03|added|name: 贵阳新区交换机; address: 10.3.0.3; type: switch; site: "
        "guizhou/guiyangx\n"
        "0|zy-cam-02|added|name: 遵义会议中心; address: 10.2.0.2; type: camera; site: "
        "guizhou/zunyi\n"
        "100000000000|gy-mcu-01|changed|name: 贵阳市局终端 -> 贵阳市局主会场; address: 10.1.0.1 "
        "-> 10.1.0.9\n"
        "100000000000|lps-cam-04|added|name: lps-cam-04; address: 10.4.0.4; type: camera; "
        "site: \n"
        "100000000000|zy-cam-02|retired|\n"
        "200000000000|zy-cam-02|returned|\n"
        "200000000000|zy-cam-02|changed|site: guizhou/zunyi -> guizhou\n");
    raw_rows(raw,
             "SELECT id, added_ns - 1699999200000000000, retired_ns IS NULL FROM targets "
             "ORDER BY id",
             rows, sizeof(rows));
    assert_string_equal(rows, "gy-mcu-01|0|1\ngyx-sw-03|0|1\nlps-cam-04|100000000000|1\n"
                              "zy-cam-02|0|1\n");
    sqlite3_close(raw);
    pd_storage_close(s, t2 + 10 * PD_SEC);
}

static void test_inventory_of_ten_thousand(void **state)
{
    struct fixture *f = *state;
    enum { N = 10000 };
    struct pd_inventory_item *items = calloc(N, sizeof(*items));
    struct pd_check_ref *checks = calloc(N, sizeof(*checks));
    char(*ids)[16] = calloc(N, 16);
    assert_true(items && checks && ids);
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], 16, "t%05d", i);
        items[i] = (struct pd_inventory_item){ids[i], "终端", "10.0.0.1", "codec", "a/b"};
        checks[i] = (struct pd_check_ref){ids[i], "icmp"};
    }
    struct pd_storage *s = open_storage(f, 0, NULL);
    pd_storage_inventory(s, T0, items, N, checks, N);
    items[17].name = "改名";
    pd_storage_inventory(s, T0 + PD_SEC, items, N - 1, checks, N - 1);
    pd_storage_flush(s);
    sqlite3 *raw = open_raw(f);
    char rows[256];
    raw_rows(raw, "SELECT change, count(*) FROM inventory_changes GROUP BY change ORDER BY change",
             rows, sizeof(rows));
    assert_string_equal(rows, "added|10000\nchanged|1\nretired|1\n");
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM current_state"), 2 * (N - 1));
    sqlite3_close(raw);
    pd_storage_close(s, T0 + 2 * PD_SEC);
    free(ids);
    free(checks);
    free(items);
}

static void test_clean_stop_and_restart(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    basic_inventory(s, T0);
    transition(s, "gy-mcu-01", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + PD_SEC, "");
    transition(s, "gy-mcu-01", "tcp", PD_STATE_UNKNOWN, PD_STATE_DOWN, T0 + PD_SEC, "refused");
    pd_ns stop = T0 + 100 * PD_SEC;
    pd_storage_close(s, stop);

    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 4);
    for (size_t i = 2; i < 4; i++) {
        assert_string_equal(l.e[i].to, "UNKNOWN");
        assert_string_equal(l.e[i].reason, "daemon stopped");
        assert_int_equal(l.e[i].at, stop);
    }

    f->clock.wall = T0 + 500 * PD_SEC;
    s = open_storage(f, 0, NULL);
    pd_storage_flush(s);
    struct pd_db *db = open_reader(f);
    struct gaps g = {0};
    assert_int_equal(pd_db_gaps(db, 0, 0, copy_gap, &g), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.from[0], stop);
    assert_int_equal(g.to[0], T0 + 500 * PD_SEC);
    assert_string_equal(g.reason[0], "daemon stopped");
    memset(&g, 0, sizeof(g));
    assert_int_equal(pd_db_gaps(db, T0 + 500 * PD_SEC, 0, copy_gap, &g), 0);
    assert_int_equal(g.n, 0); /* [from, until) overlap only */
    assert_int_equal(pd_db_gaps(db, T0, stop + PD_SEC, copy_gap, &g), 0);
    assert_int_equal(g.n, 1);
    pd_db_close(db);
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 4); /* nothing was left open */

    sqlite3 *raw = open_raw(f);
    char rows[512];
    raw_rows(raw,
             "SELECT id, stopped_ns - 1699999200000000000, end_ns - 1699999200000000000, "
             "end_reason FROM runs ORDER BY id",
             rows, sizeof(rows));
    assert_string_equal(rows, "1|100000000000|100000000000|stopped\n2|NULL|NULL|NULL\n");
    sqlite3_close(raw);
    pd_storage_close(s, T0 + 600 * PD_SEC);
}

/* A real crash: a child process writes, then dies by SIGKILL. */
static void test_unclean_previous_run(void **state)
{
    struct fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct pd_storage_opts o = {.data_dir = f->dir, .version = "child"};
        struct pd_storage *s = NULL;
        char err[256];
        if (pd_storage_open(&o, &s, err, sizeof(err)) < 0)
            _exit(1);
        basic_inventory(s, T0);
        struct pd_transition up = {PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 5 * PD_SEC};
        pd_storage_transition(s, "zy-cam-02", "icmp", &up, T0 + 6 * PD_SEC, "");
        pd_storage_heartbeat(s, T0 + 60 * PD_SEC);
        struct pd_metric m = {"rtt_ms", 3};
        pd_storage_last_result(s, "zy-cam-02", "icmp", T0 + 70 * PD_SEC, PD_OK, NULL, &m, 1, 7, 0);
        pd_storage_flush(s);
        raise(SIGKILL);
        _exit(2);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    pd_ns restart = T0 + 600 * PD_SEC;
    f->clock.wall = restart;
    struct pd_storage *s = open_storage(f, 0, NULL);
    assert_int_equal(pd_storage_run_id(s), 2);
    pd_ns end = T0 + 70 * PD_SEC; /* the last result: the last sign of life */

    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.e[1].target_id, "zy-cam-02");
    assert_string_equal(l.e[1].from, "UP");
    assert_string_equal(l.e[1].to, "UNKNOWN");
    assert_int_equal(l.e[1].at, end);
    assert_int_equal(l.e[1].detected, restart);
    assert_string_equal(l.e[1].reason, "daemon not running (no clean stop)");

    struct pd_db *db = open_reader(f);
    struct gaps g = {0};
    assert_int_equal(pd_db_gaps(db, 0, 0, copy_gap, &g), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.from[0], end);
    assert_int_equal(g.to[0], restart);
    assert_string_equal(g.reason[0], "daemon not running (no clean stop)");
    struct run run = {0};
    assert_int_equal(pd_db_last_run(db, copy_run, &run), 0);
    assert_int_equal(run.id, 2);
    assert_int_equal(run.started, restart);
    assert_int_equal(run.stopped, 0);
    pd_db_close(db);

    sqlite3 *raw = open_raw(f);
    char rows[256];
    raw_rows(raw,
             "SELECT stopped_ns, end_ns - 1699999200000000000, end_reason, version, "
             "last_heartbeat_ns - 1699999200000000000 FROM runs WHERE id = 1",
             rows, sizeof(rows));
    assert_string_equal(rows, "NULL|70000000000|no clean stop|child|60000000000\n");
    sqlite3_close(raw);

    struct statuses st;
    read_status(f, NULL, "zy-cam-02", &st);
    const struct status *r = find_status(&st, "zy-cam-02", "icmp");
    assert_string_equal(r->state, "UNKNOWN");
    assert_int_equal(r->since, end);
    assert_int_equal(r->last, end);
    pd_storage_close(s, restart + PD_SEC);
}

/* A store another process keeps locked: the transition waits and is
 * written once the lock goes, never lost. */
static void test_busy_store_retried(void **state)
{
    struct fixture *f = *state;
    struct pd_storage *s = open_storage(f, 0, NULL);
    sqlite3 *raw = open_raw(f);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    transition(s, "gy-mcu-01", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0, "");
    /* Longer than the writer's busy timeout (5 s), so that it fails once. */
    sleep(6);
    struct pd_storage_stats st;
    pd_storage_stats(s, &st);
    assert_int_equal(st.transitions_committed, 0);
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    pd_storage_flush(s);
    pd_storage_stats(s, &st);
    assert_int_equal(st.transitions_committed, 1);
    struct events l;
    read_events(f, NULL, &l);
    assert_int_equal(l.n, 1);
    pd_storage_close(s, T0 + PD_SEC);
}

int main(void)
{
    pd_log_setup(PD_LOG_STDERR, PD_LOG_ERR, "test_storage");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema_and_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_written_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_files_and_descriptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_kept_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_held_until_flush_or_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_and_changed_metric_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitions_committed_and_acknowledged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_drops_oldest_samples_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_result_coalesced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_diff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_of_ten_thousand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stop_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unclean_previous_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_store_retried, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
