/* probectl inspect against a real event store and real series files,
 * written through the storage modules' own writes, with the clock faked:
 * the daily health check and the monthly inspection from synthetic
 * records, their problems, and their figures against the availability
 * report's for the same period. */
#include "test_cmd.h"
#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "db_write.h"
#include "inspect_files.h"
#include "inspect_source.h"
#include "probectl_inspect.h"
#include "report_source.h"
#include "report_write.h"
#include "rrd_store.h"
#include "timefmt.h"
#include "yaml_tree.h"

#define MIN  (60 * PD_SEC)
#define HOUR (60 * MIN)

static const char config_text[] =
    "data_dir: ./data\n"
    "timezone: Asia/Shanghai\n"
    "inspection:\n"
    "  daily_at: \"08:30\"\n"
    "  formats: [json, csv, html, xlsx]\n"
    "templates:\n"
    "  codec:\n"
    "    severity: important\n"
    "    checks:\n"
    "      - { id: ping, type: icmp, interval: 60s, availability: true }\n"
    "      - { id: snmp, type: snmp, interval: 60s }\n"
    "  camera:\n"
    "    checks:\n"
    "      - { id: ping, type: icmp, interval: 60s, availability: true }\n"
    "  portal:\n"
    "    checks:\n"
    "      - { id: web, type: http, interval: 60s, availability: true }\n"
    "targets:\n"
    "  - { id: gy-codec-01, name: \"贵阳市会议终端01\", address: 10.1.0.1, type: codec,\n"
    "      site: guizhou/guiyang }\n"
    "  - { id: zy-portal-02, name: \"遵义门户\", address: 10.2.0.2, type: portal,\n"
    "      site: guizhou/zunyi }\n"
    "  - { id: zy-cam-03, name: \"遵义摄像头03\", address: 10.2.0.3, type: camera,\n"
    "      site: guizhou/zunyi }\n";

struct fixture {
    char dir[PATH_MAX];
    struct pd_config *cfg;
    struct pd_fake_clock clock;
    char *out, *err;
};

static pd_ns local(const char *text)
{
    pd_ns t;
    char why[256];
    if (pd_time_parse(text, 0, &t, why, sizeof(why)) < 0)
        fail_msg("%s: %s", text, why);
    return t;
}

static void transition(struct pd_db *db, int64_t run, const char *target, const char *check,
                       enum pd_state from, enum pd_state to, pd_ns at)
{
    struct pd_transition t = {.from = from, .to = to, .at = at};
    assert_int_equal(pd_db_transition(db, run, target, check, &t, at + 3 * PD_SEC,
                                      to == PD_STATE_DOWN ? "timeout, no reply" : ""),
                     0);
}

/* Both the target and its availability check. */
static void change(struct pd_db *db, int64_t run, const char *target, const char *check,
                   enum pd_state from, enum pd_state to, pd_ns at)
{
    transition(db, run, target, check, from, to, at);
    transition(db, run, target, "", from, to, at);
}

/* gy-codec-01: an outage of 12 minutes on the 5th and one on the 9th, a
 * reboot and an interface going down that evening; zy-cam-03 DOWN from
 * 08:00 on the 10th; zy-portal-02 fine. The daemon ran from the 1st. */
static void write_store(const char *dir, pd_ns now)
{
    static const struct pd_inventory_item targets[] = {
        {"gy-codec-01", "贵阳市会议终端01", "10.1.0.1", "codec", "guizhou/guiyang"},
        {"zy-portal-02", "遵义门户", "10.2.0.2", "portal", "guizhou/zunyi"},
        {"zy-cam-03", "遵义摄像头03", "10.2.0.3", "camera", "guizhou/zunyi"},
    };
    static const struct pd_check_ref checks[] = {{"gy-codec-01", "ping"},
                                                 {"gy-codec-01", "snmp"},
                                                 {"zy-portal-02", "web"},
                                                 {"zy-cam-03", "ping"}};
    pd_ns t0 = local("2026-11-01 00:00");
    struct pd_db *db;
    char err[256];
    int64_t run;
    assert_int_equal(pd_db_open(dir, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_start_run(db, t0, "test", &run, err, sizeof(err)), 0);
    assert_int_equal(pd_db_begin(db), 0);
    assert_int_equal(pd_db_inventory(db, run, t0, targets, 3, checks, 4), 0);
    const pd_ns up = t0 + 10 * PD_SEC;
    change(db, run, "gy-codec-01", "ping", PD_STATE_UNKNOWN, PD_STATE_UP, up);
    transition(db, run, "gy-codec-01", "snmp", PD_STATE_UNKNOWN, PD_STATE_UP, up);
    change(db, run, "zy-portal-02", "web", PD_STATE_UNKNOWN, PD_STATE_UP, up);
    change(db, run, "zy-cam-03", "ping", PD_STATE_UNKNOWN, PD_STATE_UP, up);
    pd_ns a = local("2026-11-05 10:00:00.250"), b = local("2026-11-09 14:00:00.500");
    change(db, run, "gy-codec-01", "ping", PD_STATE_UP, PD_STATE_DOWN, a);
    change(db, run, "gy-codec-01", "ping", PD_STATE_DOWN, PD_STATE_UP, a + 12 * MIN);
    change(db, run, "gy-codec-01", "ping", PD_STATE_UP, PD_STATE_DOWN, b);
    change(db, run, "gy-codec-01", "ping", PD_STATE_DOWN, PD_STATE_UP, b + 12 * MIN);
    change(db, run, "zy-cam-03", "ping", PD_STATE_UP, PD_STATE_DOWN, local("2026-11-10 08:00"));
    assert_int_equal(pd_db_event(db, run, "gy-codec-01", "snmp", NULL, local("2026-11-09 20:00"),
                                 "reboot", "the agent restarted"),
                     0);
    assert_int_equal(pd_db_event(db, run, "gy-codec-01", "snmp", "gi1_0_1",
                                 local("2026-11-09 21:00"), "interface_down",
                                 "GigabitEthernet1/0/1 went down"),
                     0);
    /* Outside the day: counted in the month only. */
    assert_int_equal(pd_db_event(db, run, "gy-codec-01", "snmp", NULL, local("2026-11-03 20:00"),
                                 "reboot", "the agent restarted"),
                     0);
    assert_int_equal(pd_db_describe(db, "gy-codec-01", "snmp", "gi1_0_1", t0,
                                    "GigabitEthernet1/0/1 (至市局)", ""),
                     0);
    assert_int_equal(pd_db_heartbeat(db, run, now), 0);
    assert_int_equal(pd_db_commit(db), 0);
    pd_db_close(db);
}

/* A day of rounds every minute before the check time of the 10th. */
static void write_series(const char *dir)
{
    char err[512];
    struct pd_rrd_store *st = NULL;
    if (pd_rrd_open(dir, pd_rra_defaults, pd_n_rra_defaults, &st, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    enum { N = 1440 };
    static struct pd_metric ping[N][4], cam[N][3], ifm[N][2], web[N][1];
    static struct pd_rrd_sample sp[N], sc[N], si[N], sw[N];
    pd_ns end = local("2026-11-10 08:30"), b = local("2026-11-09 14:00");
    for (int i = 0; i < N; i++) {
        pd_ns at = end - (pd_ns)(N - 1 - i) * MIN;
        bool out = at > b && at <= b + 12 * MIN;
        ping[i][0] = (struct pd_metric){"loss_pct", out ? 100.0 : 0.0};
        ping[i][1] = (struct pd_metric){"rtt_median", out ? NAN : 5.0 + (i % 10)};
        ping[i][2] = (struct pd_metric){"jitter", out ? NAN : 1.0};
        ping[i][3] = (struct pd_metric){"rtt_max", out ? NAN : 6.0 + (i % 10)};
        bool cam_down = at > local("2026-11-10 08:00");
        cam[i][0] = (struct pd_metric){"loss_pct", cam_down ? 100.0 : 5.0};
        cam[i][1] = (struct pd_metric){"rtt_median", cam_down ? NAN : 20.0};
        cam[i][2] = (struct pd_metric){"jitter", cam_down ? NAN : 3.0};
        ifm[i][0] = (struct pd_metric){"in_errors", 0.01}; /* per second: 864 a day */
        ifm[i][1] = (struct pd_metric){"out_errors", 0.0};
        web[i][0] = (struct pd_metric){"cert_days_left", 12.5};
        sp[i] = (struct pd_rrd_sample){at, ping[i], 4};
        sc[i] = (struct pd_rrd_sample){at, cam[i], 3};
        si[i] = (struct pd_rrd_sample){at, ifm[i], 2};
        sw[i] = (struct pd_rrd_sample){at, web[i], 1};
    }
    uint64_t errors = 0;
    assert_int_equal(pd_rrd_write(st, "gy-codec-01", "ping", NULL, MIN, sp, N, &errors), N);
    assert_int_equal(pd_rrd_write(st, "zy-cam-03", "ping", NULL, MIN, sc, N, &errors), N);
    assert_int_equal(pd_rrd_write(st, "gy-codec-01", "snmp", "gi1_0_1", MIN, si, N, &errors), N);
    assert_int_equal(pd_rrd_write(st, "zy-portal-02", "web", NULL, MIN, sw, N, &errors), N);
    assert_int_equal(errors, 0);
    pd_rrd_close(st);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[PATH_MAX], data[PATH_MAX + 8], err[4096] = "";
    assert_non_null(f);
    assert_int_equal(test_dir_make(f->dir), 0);
    assert_int_equal(test_write(f->dir, "probed.yaml", config_text, strlen(config_text), path), 0);
    if (pd_config_load(path, &f->cfg, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(pd_time_set_zone("Asia/Shanghai", err, sizeof(err)), 0);
    snprintf(data, sizeof(data), "%s/data", f->dir);
    assert_int_equal(mkdir(data, 0700), 0);
    f->clock.wall = local("2026-11-10 09:00");
    f->clock.mono = 1000 * PD_SEC;
    pd_clock_use_fake(&f->clock);
    write_store(data, f->clock.wall);
    write_series(data);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char why[64];
    pd_clock_use_fake(NULL);
    pd_time_set_zone("UTC", why, sizeof(why));
    test_dir_remove(f->dir);
    pd_config_free(f->cfg);
    free(f->out);
    free(f->err);
    free(f);
    return 0;
}

static int run(struct fixture *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int rc = test_cmd_vrun(pd_cmd_inspect, f->cfg, NULL, ap, &f->out, &f->err);
    va_end(ap);
    return rc;
}

static void expect_in(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("no \"%s\" in:\n%s", part, text);
}

static const struct pd_inspect_device *device(const struct pd_inspection *in, const char *id)
{
    for (size_t i = 0; i < in->n_devices; i++)
        if (strcmp(in->devices[i].t->id, id) == 0)
            return &in->devices[i];
    fail_msg("no device %s", id);
    return NULL;
}

static struct pd_inspection *inspect(struct fixture *f, enum pd_inspect_kind kind,
                                     const char *label, pd_ns start, pd_ns end)
{
    struct pd_db *db;
    struct pd_inspection *in = NULL;
    char err[1024];
    struct pd_inspect_request req = {.kind = kind,
                                     .label = label,
                                     .start = start,
                                     .end = end,
                                     .now = f->clock.wall,
                                     .config_hash = "",
                                     .source = "test"};
    assert_int_equal(pd_db_open(f->cfg->data_dir, 1, &db, err, sizeof(err)), 0);
    if (pd_inspect_from_store(db, f->cfg, &req, &in, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    pd_db_close(db);
    return in;
}

static void test_daily(void **state)
{
    struct fixture *f = *state;
    struct pd_inspect_request req;
    char label[PD_DAY_TEXT];
    int32_t day;
    assert_int_equal(pd_day_parse("2026-11-10", &day), 0);
    assert_int_equal(pd_inspect_daily_request(f->cfg, day, f->clock.wall, label, &req), 0);
    assert_int_equal(req.start, local("2026-11-09 08:30"));
    assert_int_equal(req.end, local("2026-11-10 08:30"));
    struct pd_inspection *in = inspect(f, PD_INSPECT_DAILY, label, req.start, req.end);
    assert_false(in->report->provisional);

    const struct pd_inspect_device *g = device(in, "gy-codec-01");
    assert_int_equal(g->state, PD_STATE_UP);
    assert_int_equal(g->t->avail.n_outages, 1);
    assert_int_equal(g->t->avail.outages[0].counted, 12 * MIN);
    assert_true(g->t->avail.downtime_s == 720);
    assert_int_equal(g->icmp_step, MIN);
    assert_int_equal(g->loss.n, 1440);
    assert_true(fabs(g->loss.mean - 1200.0 / 1440) < 1e-9);
    if (!((g->rtt.p50 == 9 || g->rtt.p50 == 10) && g->rtt.p95 == 14 && g->rtt_max == 15))
        fail_msg("rtt p50 %g p95 %g max %g", g->rtt.p50, g->rtt.p95, g->rtt_max);
    assert_int_equal(g->reboots, 1);
    assert_int_equal(g->n_ifaces, 1);
    assert_string_equal(g->ifaces[0].series, "gi1_0_1");
    assert_string_equal(g->ifaces[0].label, "GigabitEthernet1/0/1 (至市局)");
    assert_int_equal(g->ifaces[0].down_events, 1);
    assert_true(fabs(g->if_errors - 864) < 1e-6);
    assert_int_equal(g->n_checks, 2);

    const struct pd_inspect_device *c = device(in, "zy-cam-03");
    assert_int_equal(c->state, PD_STATE_DOWN);
    assert_int_equal(c->state_since, local("2026-11-10 08:00"));
    const struct pd_inspect_device *w = device(in, "zy-portal-02");
    assert_true(w->has_cert && w->cert_days == 12.5);
    assert_false(w->has_icmp);

    static const char *const want[] = {"down zy-cam-03",     "outages gy-codec-01",
                                       "loss zy-cam-03",     "cert zy-portal-02",
                                       "reboot gy-codec-01", "if_errors gy-codec-01"};
    assert_int_equal(in->n_problems, 6);
    for (size_t i = 0; i < in->n_problems; i++) {
        char got[128];
        snprintf(got, sizeof(got), "%s %s", pd_problem_kind_name(in->problems[i].kind),
                 in->devices[in->problems[i].device].t->id);
        assert_string_equal(got, want[i]);
    }
    pd_inspection_free(in);

    /* The command: the latest check by default, as a table, and JSON. */
    assert_int_equal(run(f, "inspect", "daily", NULL), 0);
    expect_in(f->out, "Daily health check 2026-11-10: 2026-11-09 08:30:00 to 2026-11-10 "
                      "08:30:00 (since the check of 2026-11-09), Asia/Shanghai");
    expect_in(f->out, "1  down       zy-cam-03");
    expect_in(f->out, "DOWN since 2026-11-10 08:00:00 (30m00s): ping: timeout, no reply");
    expect_in(f->out, "certificate expires in 12 days (within 30)");
    expect_in(f->err, "probectl inspect daily: 2026-11-10: 3 devices, 1 down, 6 problems");
    assert_int_equal(run(f, "inspect", "daily", "--date", "2026-11-10", "--site", "guizhou/zunyi",
                         "--format", "json", NULL),
                     0);
    expect_in(f->out, "\"record\": \"daily_check\"");
    expect_in(f->out, "\"since_day\": \"2026-11-09\"");
    assert_null(strstr(f->out, "gy-codec-01"));
    char err[256];
    assert_int_equal(pd_report_verify(f->out, strlen(f->out), err, sizeof(err)), 0);
}

/* A Monday's check covers the weekend; a site nobody knows, a day not
 * begun and bad options are errors. */
static void test_daily_edges(void **state)
{
    struct fixture *f = *state;
    f->clock.wall = local("2026-11-16 10:00");
    assert_int_equal(run(f, "inspect", "daily", NULL), 0);
    expect_in(f->out, "Daily health check 2026-11-16: 2026-11-13 08:30:00 to 2026-11-16 "
                      "08:30:00 (since the check of 2026-11-13)");
    /* The next check: Tuesday's, its period so far. */
    assert_int_equal(run(f, "inspect", "daily", "--date", "next", NULL), 0);
    expect_in(f->out, "Daily health check 2026-11-17: 2026-11-16 08:30:00 to 2026-11-16 "
                      "10:00:00 (since the check of 2026-11-16)");
    expect_in(f->out, "PROVISIONAL");
    assert_int_equal(run(f, "inspect", "daily", "--site", "sichuan", NULL), 1);
    expect_in(f->err, "no target at site 'sichuan'");
    assert_int_equal(run(f, "inspect", "daily", "--date", "2026-11-18", NULL), 1);
    expect_in(f->err, "begins at a time still to come");
    assert_int_equal(run(f, "inspect", "daily", "--date", "2026-13-01", NULL), 2);
    assert_int_equal(run(f, "inspect", "daily", "--month", "2026-11", NULL), 2);
    assert_int_equal(run(f, "inspect", "monthly", NULL), 2);
    assert_int_equal(run(f, "inspect", "weekly", NULL), 2);
    assert_int_equal(run(f, "inspect", "daily", "--format", "xlsx", NULL), 2);
    expect_in(f->err, "xlsx is a binary file: write it with -o FILE");
    assert_int_equal(run(f, "inspect", "daily", "--format", "pdf", NULL), 2);
    expect_in(f->err, "--format must be table, csv, json, html or xlsx, not 'pdf'");
    assert_int_equal(run(f, "inspect", "daily", "-o", "/tmp/x.d/daily", NULL), 2);
    expect_in(f->err, "cannot tell the format from '/tmp/x.d/daily'");
    assert_int_equal(run(f, "inspect", "daily", "--format", "table", "-o", "x.csv", NULL), 2);
    expect_in(f->err, "the table is for the terminal");
    assert_int_equal(run(f, "inspect", "daily", "--help", NULL), 0);
    expect_in(f->out, "Usage: probectl [-c FILE] inspect daily");
    /* A series file that is not there is a note, not a failure. */
    char rrd[PATH_MAX + 64];
    snprintf(rrd, sizeof(rrd), "%s/data/rrd/zy-cam-03/ping.rrd", f->dir);
    assert_int_equal(unlink(rrd), 0);
    f->clock.wall = local("2026-11-10 09:00");
    assert_int_equal(run(f, "inspect", "daily", "--format", "json", NULL), 0);
    expect_in(f->out, "\"note\": \"ping: no series file yet\"");
}

/* The month's figures and outages are the availability report's, number
 * for number. */
static void test_monthly_agrees_with_report(void **state)
{
    struct fixture *f = *state;
    pd_ns start, end;
    char err[1024];
    assert_int_equal(pd_time_month("2026-11", &start, &end, err, sizeof(err)), 0);
    struct pd_inspection *in = inspect(f, PD_INSPECT_MONTHLY, "2026-11", start, end);

    struct pd_db *db;
    struct pd_report_data d;
    struct pd_report *r = NULL;
    assert_int_equal(pd_db_open(f->cfg->data_dir, 1, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_report_data_from_store(db, f->cfg, NULL, 0, &d, err, sizeof(err)), 0);
    d.in.month = "2026-11";
    pd_report_period_so_far(&d.in, start, end, f->clock.wall);
    d.in.timezone = "Asia/Shanghai";
    if (pd_report_build(&d.in, &r, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(r->n_targets, in->n_devices);
    assert_int_equal(in->report->period.end, r->period.end);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_avail *a = &r->targets[i].avail, *b = &in->devices[i].t->avail;
        assert_string_equal(r->targets[i].id, in->devices[i].t->id);
        assert_true(a->total_s == b->total_s && a->downtime_s == b->downtime_s &&
                    a->unknown_s == b->unknown_s && a->failures == b->failures &&
                    a->n_outages == b->n_outages);
        assert_true((isnan(a->mttr_min) && isnan(b->mttr_min)) || a->mttr_min == b->mttr_min);
        assert_true(a->availability_pct == b->availability_pct);
        for (size_t k = 0; k < a->n_outages; k++)
            assert_memory_equal(&a->outages[k], &b->outages[k], sizeof(a->outages[k]));
        assert_int_equal(r->targets[i].sla.overall, in->devices[i].t->sla.overall);
    }
    const struct pd_inspect_device *g = device(in, "gy-codec-01");
    assert_int_equal(g->t->avail.failures, 2);
    assert_int_equal(g->reboots, 2);
    pd_report_free(r);
    pd_report_data_free(&d);
    pd_db_close(db);
    pd_inspection_free(in);

    assert_int_equal(run(f, "inspect", "monthly", "--month", "2026-11", NULL), 0);
    expect_in(f->out, "Monthly inspection report 2026-11: 2026-11-01 00:00:00 to");
    assert_int_equal(run(f, "inspect", "monthly", "--month", "2026-12", NULL), 1);
    expect_in(f->err, "2026-12 has not begun yet");
}

/* Every format of the daily check written as the daemon writes it. */
static void test_daily_files(void **state)
{
    struct fixture *f = *state;
    int32_t day;
    char err[1024], path[PATH_MAX];
    assert_int_equal(pd_day_parse("2026-11-10", &day), 0);
    assert_false(pd_inspect_daily_done(f->cfg->data_dir, f->cfg->inspection.daily_formats, day));
    if (pd_inspect_daily_files(f->cfg, day, f->clock.wall, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_true(pd_inspect_daily_done(f->cfg->data_dir, f->cfg->inspection.daily_formats, day));
    static const char *const ext[] = {"json", "csv", "html"};
    for (size_t i = 0; i < 3; i++) {
        char *doc = NULL;
        size_t len;
        assert_int_equal(pd_inspect_daily_path(f->cfg->data_dir, day, ext[i], path, sizeof(path)),
                         0);
        assert_int_equal(pd_read_file_max(path, 1 << 24, &doc, &len, err, sizeof(err)), 0);
        if (pd_report_verify(doc, len, err, sizeof(err)) < 0)
            fail_msg("%s: %s", path, err);
        expect_in(doc, "zy-cam-03");
        free(doc);
    }
    assert_int_equal(pd_inspect_daily_path(f->cfg->data_dir, day, "xlsx", path, sizeof(path)), 0);
    assert_int_equal(access(path, R_OK), 0);
    assert_int_equal(pd_inspect_daily_path(f->cfg->data_dir, day, "csv.tmp", path, sizeof(path)),
                     0);
    assert_int_equal(access(path, F_OK), -1);
}

/* The sample from the store: never more sites than exist, the same list
 * twice, errors for a quarter not begun and bad counts. */
static void test_sample(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2026Q4", "--sites", "30", NULL), 0);
    expect_in(f->out, "Quarterly inspection sample 2026Q4: 2 of 2 sites, uniform");
    expect_in(f->err, "2 of 2 sites (all there are)");
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2026Q4", "--sites", "1", "--format",
                         "json", NULL),
                     0);
    char *first = strdup(f->out);
    assert_non_null(first);
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2026Q4", "--sites", "1", "--format",
                         "json", NULL),
                     0);
    /* The same draw; only the time it was made differs. */
    const char *a = strstr(first, "\"sites\""), *b = strstr(f->out, "\"sites\"");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(strncmp(a, b, strstr(a, "\"sha256\"") - a), 0);
    free(first);
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2027Q1", "--sites", "3", NULL), 1);
    expect_in(f->err, "2027Q1 has not begun yet");
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2026Q5", "--sites", "3", NULL), 2);
    assert_int_equal(run(f, "inspect", "sample", "--quarter", "2026Q4", "--sites", "0", NULL), 2);
    assert_int_equal(run(f, "inspect", "sample", "--sites", "3", NULL), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daily, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monthly_agrees_with_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sample, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
