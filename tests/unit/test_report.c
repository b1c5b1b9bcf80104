/*
 * The report builder on hand-made inputs (scope, in service, site tree,
 * maintenance, provisional), and its two sources: a report from the event
 * store and one recomputed from the exported files must be the same
 * document. Month: November 2026 in Asia/Shanghai.
 */
#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "report.h"
#include "report_fixture.h"
#include "report_source.h"
#include "report_write.h"
#include "timefmt.h"

#define MIN  (60 * PD_SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define NOV  ((pd_ns)1793462400 * PD_SEC) /* 2026-11-01T00:00:00+08:00 */
/* Local time on day d of November (0: 31 October, 31: 1 December). */
#define D(d, h, m) (NOV + ((pd_ns)(d)-1) * DAY + (h)*HOUR + (m)*MIN)
#define N(a)       (sizeof(a) / sizeof((a)[0]))
#define UP         PD_STATE_UP
#define DOWN       PD_STATE_DOWN
#define UNKNOWN    PD_STATE_UNKNOWN

static struct pd_span month;
static char dir[PATH_MAX];

static int setup(void **state)
{
    char err[256] = "";
    (void)state;
    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) < 0 ||
        pd_time_month("2026-11", &month.start, &month.end, err, sizeof(err)) < 0)
        return -1;
    return month.start == NOV && month.end == D(31, 0, 0) ? test_dir_make(dir) : -1;
}

static int teardown(void **state)
{
    (void)state;
    return test_dir_remove(dir);
}

static double pct(double total, double down)
{
    return 100.0 * (total - down) / total;
}

#define MONTH_S 2592000.0 /* 30 days */

static const struct pd_report_severity severities[] = {
    {"emergency", PD_TEST_EMERGENCY_LIMITS},
    {"general", {.availability_min = 95, .coverage_min = 99}},
};

static const struct pd_avail_point tl1[] = {
    {D(-11, 9, 0), UP}, {D(5, 14, 0), DOWN}, {D(5, 15, 30), UP}};
static const struct pd_avail_point tl2[] = {
    {D(-11, 9, 0), UP}, {D(20, 10, 0), DOWN}, {D(20, 10, 12), UP}};
/* Down inside the system window of sys-x: its own figures still count it. */
static const struct pd_avail_point tl3[] = {
    {D(-11, 9, 0), UP}, {D(25, 1, 30), DOWN}, {D(25, 2, 0), UP}};
/* Down inside the window of site "a/b", which does not cover "a/bc". */
static const struct pd_avail_point tl4[] = {
    {D(-11, 9, 0), UP}, {D(10, 0, 30), DOWN}, {D(10, 1, 0), UP}};
static const struct pd_avail_point tl5[] = {
    {D(-11, 9, 0), UP}, {D(2, 0, 0), DOWN}, {D(2, 1, 0), UP}};
static const struct pd_avail_point tl_up[] = {{D(-40, 0, 0), UP}};

static const struct pd_report_target_in targets[] = {
    {"t1", "贵阳会议终端", "a/b/c", "codec", "emergency", 0, 0, tl1, N(tl1), false, NULL, 0},
    {"t2", "遵义摄像头", "a/b", "camera", "general", 0, 0, tl2, N(tl2), false, NULL, 0},
    {"t3", "t3", "a.c", "switch", "general", 0, 0, tl3, N(tl3), false, NULL, 0},
    {"t4", "t4", "a/bc", "switch", "general", 0, 0, tl4, N(tl4), false, NULL, 0},
    {"t5", "t5", "a", "switch", "general", 0, D(16, 0, 0), tl5, N(tl5), false, NULL, 0},
    {"t6", "retired before", "a", "switch", "general", 0, D(-11, 0, 0), tl_up, N(tl_up), false,
     NULL, 0},
    {"t7", "added after", "a", "switch", "general", D(33, 0, 0), 0, tl_up, N(tl_up), false, NULL,
     0},
    /* In service for no time at all: a device without a figure. */
    {"t9", "t9", "a/b", "switch", "general", D(8, 0, 0), D(8, 0, 0), tl_up, N(tl_up), false, NULL,
     0},
};

static const char *const members_b[] = {"t1", "t2"};
static const char *const members_x[] = {"t1", "t3"};
static const struct pd_report_system_in systems[] = {
    {"sys-x", "跨站点", "general", PD_SYSTEM_ALL, 0, members_x, 2},
    {"sys-b", "b 系统", "emergency", PD_SYSTEM_K_OF_N, 1, members_b, 2},
};

static const struct pd_maint_window windows[] = {
    {0, {D(10, 0, 0), D(10, 2, 0)}, PD_MAINT_SITE, "a/b", "机房"},
    {0, {D(25, 1, 0), D(25, 3, 0)}, PD_MAINT_SYSTEM, "sys-x", "升级"},
    {0, {D(40, 0, 0), D(41, 0, 0)}, PD_MAINT_ALL, NULL, "next month"},
};

static void progress(size_t done, size_t total, void *arg)
{
    size_t *p = arg;
    assert_true(done <= total);
    p[0] = done;
    p[1] = total;
}

static struct pd_report_input input(enum pd_report_scope scope, const char *what)
{
    /* month, period, timezone, version, config_hash, source, generated,
     * observed_until, scope, scope_what, severities, targets, systems,
     * maintenance */
    return (struct pd_report_input){
        "2026-11",   month,         "Asia/Shanghai", "test",     "0123",
        "hand-made", D(31, 2, 0),   D(31, 1, 0),     scope,      what,
        severities,  N(severities), targets,         N(targets), systems,
        N(systems),  windows,       N(windows),      NULL,       NULL,
        false};
}

static struct pd_report *build(const struct pd_report_input *in)
{
    char err[256] = "";
    struct pd_report *r = NULL;
    int rc = pd_report_build(in, &r, err, sizeof(err));
    if (rc < 0)
        fail_msg("pd_report_build: %d %s", rc, err);
    return r;
}

/* The ids of the report's targets and systems, "t5 t2 | sys-b". */
static void ids(const struct pd_report *r, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n_targets && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", r->targets[i].id);
    if (n < len)
        n += (size_t)snprintf(buf + n, len - n, " |");
    for (size_t i = 0; i < r->n_systems && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %s", r->systems[i].id);
}

static void expect_scope(enum pd_report_scope scope, const char *what, const char *want)
{
    struct pd_report_input in = input(scope, what);
    struct pd_report *r = build(&in);
    char got[256];
    ids(r, got, sizeof(got));
    assert_string_equal(got, want);
    assert_int_equal(r->scope, scope);
    if (what)
        assert_string_equal(r->scope_what, what);
    else
        assert_null(r->scope_what);
    pd_report_free(r);
}

static void expect_unknown(enum pd_report_scope scope, const char *what)
{
    struct pd_report_input in = input(scope, what);
    struct pd_report *r = (struct pd_report *)1;
    char err[256] = "";
    assert_int_equal(pd_report_build(&in, &r, err, sizeof(err)), -ENOENT);
    assert_null(r);
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "'%s'", what);
    if (!strstr(err, quoted))
        fail_msg("'%s' does not name %s", err, quoted);
}

static void test_scope(void **state)
{
    (void)state;
    /* By site (tree order: '/' first), then id; t6, t7 not in service. */
    expect_scope(PD_SCOPE_ALL, NULL, "t5 t2 t9 t1 t4 t3 | sys-b sys-x");
    expect_scope(PD_SCOPE_TARGET, "t2", "t2 |");
    /* sys-x has t3 at "a.c": not wholly inside "a". */
    expect_scope(PD_SCOPE_SITE, "a", "t5 t2 t9 t1 t4 | sys-b");
    expect_scope(PD_SCOPE_SITE, "a/b", "t2 t9 t1 | sys-b");
    expect_scope(PD_SCOPE_SITE, "a/b/", "t2 t9 t1 | sys-b");
    expect_scope(PD_SCOPE_SITE, "a.c", "t3 |");
    expect_scope(PD_SCOPE_SYSTEM, "sys-x", "t1 t3 | sys-x");
    expect_unknown(PD_SCOPE_TARGET, "nope");
    expect_unknown(PD_SCOPE_SITE, "a/x");
    expect_unknown(PD_SCOPE_SITE, "a/bc/d");
    expect_unknown(PD_SCOPE_SYSTEM, "sys-nope");
}

static const struct pd_report_target *target_of(const struct pd_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_targets; i++)
        if (strcmp(r->targets[i].id, id) == 0)
            return &r->targets[i];
    fail_msg("no target %s in the report", id);
    return NULL;
}

static const struct pd_report_system *system_of(const struct pd_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_systems; i++)
        if (strcmp(r->systems[i].id, id) == 0)
            return &r->systems[i];
    fail_msg("no system %s in the report", id);
    return NULL;
}

static void test_targets_and_maintenance(void **state)
{
    (void)state;
    size_t seen[2] = {0, 0};
    struct pd_report_input in = input(PD_SCOPE_ALL, NULL);
    in.progress = progress;
    in.progress_arg = seen;
    struct pd_report *r = build(&in);
    assert_int_equal(seen[0], 6);
    assert_int_equal(seen[1], 6);

    const struct pd_report_target *t1 = target_of(r, "t1"), *t2 = target_of(r, "t2"),
                                  *t3 = target_of(r, "t3"), *t4 = target_of(r, "t4"),
                                  *t5 = target_of(r, "t5"), *t9 = target_of(r, "t9");
    assert_string_equal(t1->name, "贵阳会议终端");
    assert_string_equal(t1->severity->name, "emergency");
    /* The window of site a/b covers a/b and a/b/c, not a/bc. */
    assert_float_equal(t1->avail.maintenance_s, 7200, 0);
    assert_float_equal(t2->avail.maintenance_s, 7200, 0);
    assert_float_equal(t4->avail.maintenance_s, 0, 0);
    assert_float_equal(t4->avail.downtime_s, 1800, 0);
    /* The window of system sys-x is the system's, not its members'. */
    assert_float_equal(t3->avail.maintenance_s, 0, 0);
    assert_float_equal(t3->avail.downtime_s, 1800, 0);
    const struct pd_report_system *sx = system_of(r, "sys-x"), *sb = system_of(r, "sys-b");
    assert_float_equal(sx->avail.maintenance_s, 7200, 0);
    assert_float_equal(sx->avail.downtime_s, 5400, 0); /* t1's outage; t3's in maintenance */
    assert_int_equal(sx->avail.failures, 1);
    assert_int_equal(sx->k, 2);
    assert_float_equal(sb->avail.downtime_s, 0, 0); /* 1 of 2: never both down */
    assert_float_equal(sb->avail.maintenance_s, 0, 0);
    assert_int_equal(sb->k, 1);

    /* Retired on the 16th: 15 days in service. */
    assert_float_equal(t5->avail.total_s, 15 * 86400.0, 0);
    assert_float_equal(t5->avail.availability_pct, pct(15 * 86400.0, 3600), 1e-9);
    assert_true(isnan(t9->avail.availability_pct));

    assert_int_equal(t1->sla.overall, PD_SLA_NOT_MET); /* MTTR 90 min > 60 */
    assert_int_equal(t1->sla.availability, PD_SLA_MET);
    assert_int_equal(t2->sla.overall, PD_SLA_MET);
    assert_int_equal(t9->sla.overall, PD_SLA_UNVERIFIED);
    assert_int_equal(r->met, 4);
    assert_int_equal(r->not_met, 1);
    assert_int_equal(r->unverified, 1);
    assert_int_equal(r->failures, 5);
    assert_int_equal(r->outages, 5);

    /* Windows that touch the month; the one in December is left out. */
    assert_int_equal(r->n_maintenance, 2);
    assert_int_equal(r->maintenance[0].scope, PD_MAINT_SITE);
    assert_string_equal(r->maintenance[0].what, "a/b");
    assert_string_equal(r->maintenance[0].reason, "机房");
    assert_int_equal(r->maintenance[1].scope, PD_MAINT_SYSTEM);
    pd_report_free(r);

    /* A report of site a.c: neither window covers anything in it. */
    in = input(PD_SCOPE_SITE, "a.c");
    r = build(&in);
    assert_int_equal(r->n_maintenance, 0);
    pd_report_free(r);
}

struct site_want {
    const char *path;
    unsigned level, devices, met, not_met, unverified, measured, failures;
    double mean, downtime;
};

static void test_sites(void **state)
{
    (void)state;
    const double a1 = pct(MONTH_S, 5400), a2 = pct(MONTH_S, 720), a3 = pct(MONTH_S, 1800),
                 a4 = pct(MONTH_S, 1800), a5 = pct(15 * 86400.0, 3600);
    const struct site_want want[] = {
        {"a", 1, 5, 3, 1, 1, 4, 4, (a5 + a2 + a1 + a4) / 4, 3600 + 720 + 5400 + 1800},
        {"a/b", 2, 3, 1, 1, 1, 2, 2, (a2 + a1) / 2, 720 + 5400},
        {"a/b/c", 3, 1, 0, 1, 0, 1, 1, a1, 5400},
        {"a/bc", 2, 1, 1, 0, 0, 1, 1, a4, 1800},
        {"a.c", 1, 1, 1, 0, 0, 1, 1, a3, 1800},
    };
    struct pd_report_input in = input(PD_SCOPE_ALL, NULL);
    struct pd_report *r = build(&in);
    assert_int_equal(r->n_sites, N(want));
    for (size_t i = 0; i < N(want); i++) {
        const struct pd_report_site *s = &r->sites[i];
        const struct site_want *w = &want[i];
        assert_string_equal(s->path, w->path);
        assert_int_equal(s->level, w->level);
        assert_int_equal(s->devices, w->devices);
        assert_int_equal(s->met, w->met);
        assert_int_equal(s->not_met, w->not_met);
        assert_int_equal(s->unverified, w->unverified);
        assert_int_equal(s->no_limit, 0);
        assert_int_equal(s->measured, w->measured);
        assert_int_equal(s->failures, w->failures);
        assert_float_equal(s->availability_mean, w->mean, 1e-9);
        assert_float_equal(s->downtime_s, w->downtime, 0);
        assert_float_equal(s->unknown_s, 0, 0);
    }
    pd_report_free(r);
}

/* One target with this timeline, observed up to observed_until. */
static struct pd_report *build_one(const struct pd_avail_point *tl, size_t n, pd_ns observed_until)
{
    struct pd_report_target_in t = {"g1", "g1", "a", "switch", "general", 0,
                                    0,    tl,   n,   false,    NULL,      0};
    struct pd_report_input in = input(PD_SCOPE_ALL, NULL);
    in.targets = &t;
    in.n_targets = 1;
    in.systems = NULL;
    in.n_systems = 0;
    in.observed_until = observed_until;
    return build(&in);
}

/* Media quality: degraded time outside maintenance, periods that begin
 * in the month outside maintenance, not joined across time without media. */
static void test_media(void **state)
{
    (void)state;
    static const struct pd_avail_point media[] = {
        {D(0, 23, 0), DOWN},     {D(1, 1, 0), UP},    {D(1, 2, 0), UNKNOWN},
        {D(4, 10, 0), UP},       {D(4, 10, 5), DOWN}, {D(4, 10, 5), DOWN},
        {D(4, 10, 20), UNKNOWN}, {D(4, 11, 0), DOWN}, {D(4, 11, 0), UP},
        {D(4, 11, 30), UNKNOWN}, {D(11, 1, 0), DOWN}, {D(11, 3, 0), UNKNOWN},
        {D(30, 23, 0), DOWN},
    };
    static const struct pd_maint_window w[] = {
        {0, {D(11, 0, 0), D(11, 2, 0)}, PD_MAINT_TARGET, "g1", "固件"}};
    struct pd_report_target_in t[] = {
        {"g1", "终端", "a", "codec", "general", 0, 0, tl_up, N(tl_up), true, media, N(media)},
        {"g2", "g2", "a", "switch", "general", 0, 0, tl_up, N(tl_up), false, NULL, 0},
    };
    struct pd_report_input in = input(PD_SCOPE_ALL, NULL);
    in.targets = t;
    in.n_targets = N(t);
    in.systems = NULL;
    in.n_systems = 0;
    in.maintenance = w;
    in.n_maintenance = N(w);
    struct pd_report *r = build(&in);
    const struct pd_report_media *m = &r->targets[0].media;
    assert_true(m->has);
    assert_float_equal(m->degraded_s, 3600 + 900 + 3600 + 3600, 0);
    assert_float_equal(m->observed_s, 3600 + 300 + 1800 + 11700, 0);
    assert_float_equal(m->maintenance_s, 7200, 0);
    assert_float_equal(m->no_media_s, MONTH_S - 7200 - 17400, 0);
    assert_float_equal(m->degraded_pct, 11700.0 / 17400 * 100, 1e-9);
    assert_int_equal(m->periods, 2);
    assert_float_equal(m->longest_s, 3600, 0);
    assert_false(r->targets[1].media.has);
    assert_true(isnan(r->targets[1].media.degraded_pct));
    assert_int_equal(r->media_targets, 1);
    assert_int_equal(r->media_periods, 2);
    assert_float_equal(r->media_degraded_s, 11700, 0);
    pd_report_free(r);
}

static void expect_final(const struct pd_avail_point *tl, size_t n, pd_ns observed, bool final)
{
    struct pd_report *r = build_one(tl, n, observed);
    assert_int_equal(r->n_targets, 1);
    assert_int_equal(r->targets[0].final, final);
    assert_int_equal(r->provisional, !final);
    pd_report_free(r);
}

static void test_provisional(void **state)
{
    (void)state;
    struct pd_report_input in = input(PD_SCOPE_ALL, NULL);
    struct pd_report *r = build(&in);
    assert_false(r->provisional);
    for (size_t i = 0; i < r->n_targets; i++)
        assert_true(r->targets[i].final);
    pd_report_free(r);

    /* The records end before the month does. */
    in.observed_until = D(30, 23, 0);
    r = build(&in);
    assert_true(r->provisional);
    assert_false(target_of(r, "t1")->final);
    assert_true(target_of(r, "t5")->final); /* retired on the 16th, observed after */
    pd_report_free(r);
    in.scope = PD_SCOPE_TARGET;
    in.scope_what = "t5";
    r = build(&in);
    assert_true(r->targets[0].final);
    assert_true(r->provisional); /* every target final, but the month not over */
    pd_report_free(r);

    /* A gap across midnight, never seen again: its figures may change. */
    const struct pd_avail_point gap[] = {{D(-1, 0, 0), UP}, {D(30, 23, 0), UNKNOWN}};
    expect_final(gap, N(gap), D(32, 0, 0), false);
    const struct pd_avail_point gap_unknown[] = {
        {D(-1, 0, 0), UP}, {D(30, 23, 0), DOWN}, {D(30, 23, 30), UNKNOWN}, {D(31, 0, 5), UNKNOWN}};
    expect_final(gap_unknown, N(gap_unknown), D(32, 0, 0), false);
    const struct pd_avail_point gap_up[] = {
        {D(-1, 0, 0), UP}, {D(30, 23, 0), UNKNOWN}, {D(31, 0, 10), UP}};
    expect_final(gap_up, N(gap_up), D(32, 0, 0), true);
    const struct pd_avail_point gap_down[] = {
        {D(-1, 0, 0), UP}, {D(30, 23, 0), UNKNOWN}, {D(31, 0, 10), DOWN}};
    expect_final(gap_down, N(gap_down), D(32, 0, 0), true);
    /* Up at the end and observed after it. */
    expect_final(gap, 1, D(31, 0, 1), true);
}

static void expect_slice(const struct pd_avail_point *p, size_t n, size_t lo, size_t hi)
{
    struct pd_source_target t = {.id = "s", .points = (struct pd_avail_point *)p, .n_points = n};
    size_t got_lo = 99, got_hi = 99;
    pd_report_slice(&t, month, &got_lo, &got_hi);
    assert_int_equal(got_lo, lo);
    assert_int_equal(got_hi, hi);
}

static void test_slice(void **state)
{
    (void)state;
    const pd_ns s = month.start, e = month.end;
    /* The last settled UP at or before the start is [2]: [4] is overridden
     * by [5] at the same time. The first at or after the end is [10]: [8]
     * is overridden by [9]. */
    const struct pd_avail_point p[] = {
        {s - 10 * DAY, UP}, {s - 5 * DAY, DOWN}, {s - 2 * DAY, UP}, {s - HOUR, DOWN}, {s, UP},
        {s, DOWN},          {s + DAY, UP},       {e - HOUR, DOWN},  {e, UP},          {e, DOWN},
        {e + HOUR, UP},     {e + 2 * DAY, DOWN}};
    expect_slice(p, N(p), 2, 11);
    /* An UP at exactly the start, or the end, is the bound itself. */
    const struct pd_avail_point q[] = {{s - DAY, UP},    {s - HOUR, DOWN}, {s, UP},
                                       {e - HOUR, DOWN}, {e, UP},          {e + HOUR, DOWN}};
    expect_slice(q, N(q), 2, 5);
    /* Equal times ending in UP settle on that UP. */
    const struct pd_avail_point r[] = {
        {s - DAY, DOWN}, {s - DAY, UP}, {s + DAY, DOWN}, {e + DAY, DOWN}, {e + DAY, UP}};
    expect_slice(r, N(r), 1, 5);
    /* No UP on either side: the whole timeline. */
    const struct pd_avail_point none[] = {{s - DAY, DOWN}, {s + DAY, UNKNOWN}, {e + DAY, DOWN}};
    expect_slice(none, N(none), 0, 3);
    const struct pd_avail_point late[] = {{s + DAY, UP}, {s + 2 * DAY, DOWN}};
    expect_slice(late, N(late), 0, 2);
    expect_slice(NULL, 0, 0, 0);
}

static const char config_yaml[] =
    "data_dir: .\n"
    "timezone: Asia/Shanghai\n"
    "sla:\n"
    "  default_severity: general\n"
    "  severities:\n"
    "    emergency: { availability_min: 99.5, mtbf_min: 360h, mttr_max: 1h,\n"
    "                 resolved: [{ share: 95, within: 30m }, { share: 90, within: 1h }] }\n"
    "    general: { availability_min: 95, resolved: [{ share: 80, within: 15m }] }\n"
    "templates:\n"
    "  codec: { severity: emergency, checks: [{ id: ping, type: icmp },\n"
    "           { id: media, type: rtp }, { id: media-b, type: rtp }] }\n"
    "  switch: { checks: [{ id: ping, type: icmp }] }\n"
    "targets:\n"
    "  - { id: gy-mcu-01, name: 贵阳市局会议终端, address: 10.0.0.1, type: codec,"
    " site: guizhou/guiyang }\n"
    "  - { id: gy-mcu-02, address: 10.0.0.2, type: codec, site: guizhou/guiyang }\n"
    "  - { id: zy-mcu-03, address: 10.0.0.3, type: codec, site: guizhou/zunyi }\n"
    "  - { id: zy-sw-04, address: 10.0.0.4, type: switch, site: guizhou/zunyi }\n"
    "  - { id: qn-cam-06, address: 10.0.0.6, type: switch, site: guizhou/qiannan }\n"
    "  - { id: zz-new-07, address: 10.0.0.7, type: switch, site: guizhou/new }\n"
    "systems:\n"
    "  pair: { rule: all, members: [gy-mcu-01, zz-new-07] }\n"
    "  video: { name: 视频会议系统, rule: k_of_n, k: 2, severity: emergency,\n"
    "           members: [gy-mcu-01, gy-mcu-02, zy-mcu-03] }\n"
    "maintenance:\n"
    "  - { start: 2026-11-25T01:00:00+08:00, end: 2026-11-25T03:00:00+08:00,"
    " site: guizhou/zunyi, reason: 割接 }\n";

static void write_file(const char *name, const char *text, char *path)
{
    assert_int_equal(test_write(dir, name, text, strlen(text), path), 0);
}

static struct pd_config *load_config(void)
{
    char path[PATH_MAX], err[4096] = "";
    struct pd_config *cfg = NULL;
    write_file("probed.yaml", config_yaml, path);
    if (pd_config_load(path, &cfg, err, sizeof(err)) < 0)
        fail_msg("pd_config_load:\n%s", err);
    return cfg;
}

/* The config and the data of a test, freed even when it fails: d (from
 * the store or a file) and df (from the exported files). */
struct cfg_fixture {
    struct pd_config *cfg;
    struct pd_db *db;
    struct pd_report_data d, df;
    struct pd_report *rs, *rf;
    char *js, *jf;
    size_t ls, lf;
    char events[PATH_MAX + 16];
};

static int setup_cfg(void **state)
{
    struct cfg_fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    f->cfg = load_config();
    return 0;
}

static int teardown_cfg(void **state)
{
    struct cfg_fixture *f = *state;
    free(f->js);
    free(f->jf);
    pd_report_free(f->rs);
    pd_report_free(f->rf);
    pd_report_data_free(&f->d);
    pd_report_data_free(&f->df);
    pd_db_close(f->db);
    pd_config_free(f->cfg);
    free(f);
    return 0;
}

static void sql(sqlite3 *conn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = sqlite3_vmprintf(fmt, ap), *msg = NULL;
    va_end(ap);
    if (sqlite3_exec(conn, q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_free(q);
}

static void store_target(sqlite3 *c, const char *id, const char *name, const char *type,
                         const char *site, pd_ns added, pd_ns retired)
{
    sql(c, "INSERT INTO targets VALUES (%Q, %Q, '10.0.0.1', %Q, %Q, %lld, NULLIF(%lld, 0))", id,
        name, type, site, (long long)added, (long long)retired);
}

static void point(sqlite3 *c, const char *id, const char *check, pd_ns at, const char *state,
                  const char *reason)
{
    sql(c,
        "INSERT INTO transitions (run_id, target_id, check_id, at_ns, detected_ns, from_state,"
        " to_state, reason) VALUES (1, %Q, %Q, %lld, %lld, 'UNKNOWN', %Q, %Q)",
        id, check, (long long)at, (long long)(at + 2 * PD_SEC), state, reason);
}

static void run(sqlite3 *c, pd_ns last_heartbeat)
{
    sql(c,
        "INSERT INTO runs (id, started_ns, last_heartbeat_ns, pid, host, version)"
        " VALUES (1, %lld, %lld, 42, 'h', 'test')",
        (long long)D(-30, 0, 0), (long long)last_heartbeat);
}

/* The records of the equivalence test, through SQL as the daemon leaves them. */
static void fill_store(sqlite3 *c)
{
    const pd_ns oct1 = D(-30, 0, 0);
    sql(c, "BEGIN");
    run(c, D(32, 6, 0) + 250 * PD_MSEC);
    store_target(c, "gy-mcu-01", "会议室 \"A\", 2楼", "codec", "guizhou/guiyang", D(-60, 0, 0), 0);
    store_target(c, "gy-mcu-02", "", "codec", "guizhou/guiyang", D(-60, 0, 0), 0);
    store_target(c, "zy-mcu-03", "遵义终端", "codec", "guizhou/zunyi", D(11, 12, 0), 0);
    store_target(c, "zy-sw-04", "=SUM(A1)", "switch", "guizhou/zunyi", D(-60, 0, 0), D(16, 0, 0));
    store_target(c, "old-sw-05", "旧交换机", "switch", "guizhou/old", D(-90, 0, 0), D(-16, 0, 0));
    store_target(c, "qn-cam-06", "黔南摄像头", "switch", "guizhou/qiannan", D(-60, 0, 0), 0);

    point(c, "gy-mcu-01", "", oct1, "UP", "");
    point(c, "gy-mcu-01", "ping", D(7, 3, 0), "DOWN", "a check, not the target");
    point(c, "gy-mcu-01", "", D(12, 8, 0), "DOWN", "same time");
    point(c, "gy-mcu-01", "", D(12, 8, 0), "UP", "recorded later: holds");
    point(c, "gy-mcu-01", "", D(20, 10, 0) + 900 * PD_MSEC, "DOWN", "timeout, no reply");
    point(c, "gy-mcu-01", "", D(20, 10, 30) + 100 * PD_MSEC, "UP", "");
    point(c, "gy-mcu-01", "", D(30, 23, 20), "DOWN", "=crossing the month's end");
    point(c, "gy-mcu-01", "", D(31, 0, 25), "UP", "");
    point(c, "gy-mcu-01", "", D(33, 0, 0), "DOWN", "after the slice");
    point(c, "gy-mcu-01", "", D(33, 1, 0), "UP", "");
    /* Media (two rtp checks, merged): a call on the 5th, degraded 10:20
     * to 10:40 (media-b until 10:40); on the 6th degraded 5 min, no
     * media, degraded again 10 min: 35 min in 3 periods. */
    point(c, "gy-mcu-01", "media", D(-4, 10, 0), "UNKNOWN", "before the slice");
    point(c, "gy-mcu-01", "media", D(-3, 10, 0), "UP", "");
    point(c, "gy-mcu-01", "media", D(-3, 11, 0), "UNKNOWN", "no media");
    point(c, "gy-mcu-01", "media", D(5, 10, 0), "UP", "");
    point(c, "gy-mcu-01", "media", D(5, 10, 20), "DOWN", "loss 3.1 % (limit 1 %)");
    point(c, "gy-mcu-01", "media-b", D(5, 10, 25), "DOWN", "jitter 41 ms");
    point(c, "gy-mcu-01", "media", D(5, 10, 30), "UP", "");
    point(c, "gy-mcu-01", "media-b", D(5, 10, 40), "UP", "");
    point(c, "gy-mcu-01", "media-b", D(5, 10, 50), "UNKNOWN", "no media");
    point(c, "gy-mcu-01", "media", D(5, 11, 0), "UNKNOWN", "no media");
    point(c, "gy-mcu-01", "media", D(6, 9, 0), "DOWN", "");
    point(c, "gy-mcu-01", "media", D(6, 9, 5), "UNKNOWN", "no media");
    point(c, "gy-mcu-01", "media", D(6, 10, 0), "DOWN", "");
    point(c, "gy-mcu-01", "media", D(6, 10, 10), "UP", "");
    point(c, "gy-mcu-01", "media", D(6, 11, 0), "UNKNOWN", "no media");

    /* DOWN, a gap of the daemon, DOWN again: one outage. */
    point(c, "gy-mcu-02", "", oct1, "UP", "");
    point(c, "gy-mcu-02", "", D(10, 9, 0), "DOWN", "");
    point(c, "gy-mcu-02", "", D(10, 10, 0), "UNKNOWN", "daemon stopped");
    point(c, "gy-mcu-02", "", D(10, 11, 0), "DOWN", "");
    point(c, "gy-mcu-02", "", D(10, 11, 30), "UP", "");

    point(c, "zy-mcu-03", "", D(11, 12, 0) + 5 * PD_SEC, "UP", "");
    point(c, "zy-mcu-03", "", D(25, 2, 0), "DOWN", "in the window of the config");
    point(c, "zy-mcu-03", "", D(25, 2, 40), "UP", "");

    /* An outage across the month's start, then retired on the 16th. */
    point(c, "zy-sw-04", "", oct1, "UP", "");
    point(c, "zy-sw-04", "", D(0, 23, 0), "DOWN", "");
    point(c, "zy-sw-04", "", D(1, 0, 30), "UP", "");
    point(c, "zy-sw-04", "", D(3, 8, 0), "DOWN", "");
    point(c, "zy-sw-04", "", D(3, 9, 0), "UP", "");
    point(c, "zy-sw-04", "", D(16, 0, 0), "UNKNOWN", "retired");

    point(c, "old-sw-05", "", D(-80, 0, 0), "UP", "");
    point(c, "old-sw-05", "", D(-20, 0, 0), "DOWN", "");

    /* Lost from sight before midnight, never seen again. */
    point(c, "qn-cam-06", "", oct1, "UP", "");
    point(c, "qn-cam-06", "", D(30, 22, 0), "UNKNOWN", "no verdict");
    sql(c, "COMMIT");
}

/* id, start, end, scope, what, reason, created_by, removed_by, created, removed */
static const struct pd_maint_row store_windows[] = {
    {0, D(10, 9, 30), D(10, 10, 30), "target", "gy-mcu-02", "更换电源, UPS", "ops", "", D(9, 0, 0),
     0},
    {0, D(30, 23, 0), D(30, 23, 30), "system", "video", "割接", "ops", "", D(9, 0, 0), 0},
};

/* The input's header as every report of these tests has it, scope all. */
static void input_from(struct pd_report_data *d, const char *source, pd_ns generated)
{
    d->in.month = "2026-11";
    d->in.period = month;
    d->in.timezone = "Asia/Shanghai";
    d->in.version = "test";
    d->in.config_hash = "c0ffee";
    d->in.source = source;
    d->in.generated = generated;
    d->in.scope = PD_SCOPE_ALL;
}

static struct pd_report *build_from(struct pd_report_data *d, const char *source, pd_ns generated)
{
    input_from(d, source, generated);
    return build(&d->in);
}

static int varying_line(const char *line)
{
    return strncmp(line, "  \"source\":", 11) == 0 || strncmp(line, "  \"generated\":", 14) == 0 ||
           strncmp(line, "  \"sha256\":", 11) == 0;
}

/* Line by line, but for the lines that say where and when it was made. */
static void assert_same_report(const char *a, const char *b)
{
    int line = 0, skipped = 0;
    while (*a || *b) {
        size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
        line++;
        if (varying_line(a) && varying_line(b)) {
            skipped++;
        } else if (na != nb || memcmp(a, b, na) != 0) {
            fail_msg("line %d differs:\n  store: %.*s\n  files: %.*s", line, (int)na, a, (int)nb,
                     b);
        }
        a += na + (a[na] == '\n');
        b += nb + (b[nb] == '\n');
    }
    assert_int_equal(skipped, 3);
}

static void expect_verified(char *doc, size_t len)
{
    char err[256] = "";
    assert_int_equal(pd_report_verify(doc, len, err, sizeof(err)), 0);
    char *p = strstr(doc, "\"zy-mcu-03\"");
    assert_non_null(p);
    p[1] = 'Z';
    assert_int_equal(pd_report_verify(doc, len, err, sizeof(err)), -EBADMSG);
    p[1] = 'z';
}

/* The maintenance windows of the store as a maintenance CSV. */
static void write_maintenance_csv(const struct pd_report_data *d, char *path)
{
    char text[2048], a[PD_TIME_BUFLEN], b[PD_TIME_BUFLEN];
    size_t n = (size_t)snprintf(text, sizeof(text), "start,end,target_or_site,reason\n");
    for (size_t i = 0; i < d->n_maintenance && n < sizeof(text); i++) {
        const struct pd_maint_window *w = &d->maintenance[i];
        if (!w->id)
            continue; /* the config's: they apply to both */
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s,%s,%s:%s,\"%s\"\n",
                              pd_time_format_iso(w->span.start, a, sizeof(a)),
                              pd_time_format_iso(w->span.end, b, sizeof(b)),
                              pd_maint_scope_name(w->scope), w->what, w->reason);
    }
    write_file("maintenance.csv", text, path);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* What the records say, checked on the report from the store, so that two
 * equally wrong reports cannot pass as the same. */
static void check_store_report(const struct pd_report *r)
{
    char got[256];
    ids(r, got, sizeof(got));
    assert_string_equal(got, "gy-mcu-01 gy-mcu-02 qn-cam-06 zy-mcu-03 zy-sw-04 | pair video");
    assert_true(r->provisional); /* qn-cam-06 */
    assert_false(target_of(r, "qn-cam-06")->final);
    assert_true(target_of(r, "gy-mcu-01")->final);

    const struct pd_report_target *t = target_of(r, "gy-mcu-01");
    assert_string_equal(t->name, "会议室 \"A\", 2楼");
    assert_string_equal(t->severity->name, "emergency");
    assert_int_equal(t->avail.n_outages, 2); /* the equal-time DOWN is no outage */
    assert_int_equal(t->avail.failures, 2);
    assert_int_equal(t->avail.outages[0].counted, 30 * MIN - 800 * PD_MSEC);
    assert_int_equal(t->avail.outages[1].end, D(31, 0, 25));
    assert_int_equal(t->avail.outages[1].counted, 65 * MIN);
    assert_false(t->avail.outages[1].ends_in_period);
    assert_true(t->media.has);
    assert_float_equal(t->media.observed_s, 3600 + 300 + 3600, 0);
    assert_float_equal(t->media.degraded_s, 1200 + 300 + 600, 0);
    assert_int_equal(t->media.periods, 3);
    assert_float_equal(t->media.longest_s, 1200, 0);
    assert_int_equal(r->media_targets, 3); /* the codecs; 02 and 03 never in a call */
    assert_true(isnan(target_of(r, "gy-mcu-02")->media.degraded_pct));
    assert_false(target_of(r, "zy-sw-04")->media.has);

    t = target_of(r, "gy-mcu-02");
    assert_string_equal(t->name, "gy-mcu-02");
    assert_int_equal(t->avail.n_outages, 1);
    assert_int_equal(t->avail.outages[0].unobserved, HOUR);
    /* DOWN 09:00-10:00 and 11:00-11:30, less the target's window from 09:30 */
    assert_int_equal(t->avail.outages[0].counted, 60 * MIN);

    t = target_of(r, "zy-mcu-03");
    assert_float_equal(t->avail.total_s, (double)(month.end - D(11, 12, 0)) / PD_SEC, 0);
    assert_true(t->avail.outages[0].maintenance_only);
    assert_int_equal(t->avail.failures, 0);

    t = target_of(r, "zy-sw-04");
    assert_string_equal(t->name, "=SUM(A1)");
    assert_float_equal(t->avail.total_s, 15 * 86400.0, 0);
    assert_int_equal(t->avail.n_outages, 2);
    assert_int_equal(t->avail.outages[0].counted, 90 * MIN);
    assert_false(t->avail.outages[0].begins_in_period);

    const struct pd_report_system *s = system_of(r, "video");
    assert_int_equal(s->k, 2);
    assert_int_equal(s->n_members, 3);
    assert_float_equal(s->avail.maintenance_s, 1800, 0);
    assert_int_equal(r->n_maintenance, 3);
}

/* A store in dir/name, filled through SQL as the daemon leaves it. */
static void open_store(struct cfg_fixture *f, const char *name, void (*fill)(sqlite3 *))
{
    char sub[PATH_MAX + 32], dbpath[PATH_MAX + 64], err[256] = "";
    sqlite3 *conn = NULL;
    snprintf(sub, sizeof(sub), "%s/%s", dir, name);
    assert_int_equal(mkdir(sub, 0700), 0);
    if (pd_db_open(sub, 0, &f->db, err, sizeof(err)) < 0)
        fail_msg("pd_db_open: %s", err);
    snprintf(dbpath, sizeof(dbpath), "%s/%s", sub, PD_DB_FILE);
    assert_int_equal(sqlite3_open(dbpath, &conn), SQLITE_OK);
    fill(conn);
    sqlite3_close(conn);
}

/* The report from the store, and the one from its exported files. */
static void store_and_files(struct cfg_fixture *f)
{
    char err[8192] = "", maint[PATH_MAX];
    if (pd_report_data_from_store(f->db, f->cfg, NULL, 0, &f->d, err, sizeof(err)) < 0)
        fail_msg("from the store: %s", err);
    f->rs = build_from(&f->d, "event store", D(32, 7, 0));
    snprintf(f->events, sizeof(f->events), "%s/events.csv", dir);
    FILE *out = fopen(f->events, "wb");
    assert_non_null(out);
    assert_int_equal(pd_report_events_write(&f->d, month, out), 0);
    assert_int_equal(fclose(out), 0);
    write_maintenance_csv(&f->d, maint);
    if (pd_report_data_from_files(f->events, maint, f->cfg, &f->df, err, sizeof(err)) < 0)
        fail_msg("from files:\n%s\nevents:\n%s", err, read_text(f->events));
    f->rf = build_from(&f->df, "files: events.csv", D(33, 9, 0));
    assert_int_equal(pd_report_json(f->rs, &f->js, &f->ls), 0);
    assert_int_equal(pd_report_json(f->rf, &f->jf, &f->lf), 0);
}

static void test_store_and_files_agree(void **state)
{
    struct cfg_fixture *f = *state;
    open_store(f, "store", fill_store);
    int64_t ids[2];
    assert_int_equal(pd_db_maintenance_add(f->db, store_windows, N(store_windows), ids), 0);
    store_and_files(f);
    check_store_report(f->rs);
    const char *text = read_text(f->events);
    assert_null(strstr(text, "old-sw-05"));
    assert_null(strstr(text, "after the slice"));
    assert_null(strstr(text, "a check, not the target"));
    assert_null(strstr(text, "before the slice"));
    assert_non_null(strstr(text, ",gy-mcu-01,down,media-b,jitter 41 ms,"));
    assert_same_report(f->js, f->jf);
    expect_verified(f->js, f->ls);
    expect_verified(f->jf, f->lf);
}

/* The report of one target, or of a system, read with only its targets'
 * records (as the dashboard's pages read it) is the one read from the
 * whole store: same figures, same provisional reach. */
static void expect_scoped_read(struct cfg_fixture *f, enum pd_report_scope scope, const char *what,
                               const char *const *only, size_t n_only)
{
    struct pd_report_data whole, part;
    char *jw, *jp, why[1024] = "";
    size_t lw, lp;
    if (pd_report_data_from_store(f->db, f->cfg, NULL, 0, &whole, why, sizeof(why)) < 0 ||
        pd_report_data_from_store(f->db, f->cfg, only, n_only, &part, why, sizeof(why)) < 0)
        fail_msg("from the store: %s", why);
    assert_true(part.n_targets <= n_only);
    assert_int_equal(part.observed_until, whole.observed_until);
    input_from(&whole, "event store", D(32, 7, 0));
    input_from(&part, "event store", D(32, 7, 0));
    whole.in.scope = part.in.scope = scope;
    whole.in.scope_what = part.in.scope_what = what;
    struct pd_report *rw = build(&whole.in), *rp = build(&part.in);
    assert_int_equal(pd_report_json(rw, &jw, &lw), 0);
    assert_int_equal(pd_report_json(rp, &jp, &lp), 0);
    assert_same_report(jw, jp);
    free(jw);
    free(jp);
    pd_report_free(rw);
    pd_report_free(rp);
    pd_report_data_free(&whole);
    pd_report_data_free(&part);
}

static void test_scoped_read_agrees(void **state)
{
    struct cfg_fixture *f = *state;
    open_store(f, "scoped", fill_store);
    int64_t ids[2];
    assert_int_equal(pd_db_maintenance_add(f->db, store_windows, N(store_windows), ids), 0);
    static const char *const one[][1] = {{"gy-mcu-01"}, {"gy-mcu-02"}, {"zy-mcu-03"}, {"zy-sw-04"}};
    for (size_t i = 0; i < N(one); i++)
        expect_scoped_read(f, PD_SCOPE_TARGET, one[i][0], one[i], 1);
    const struct pd_system_conf *video = NULL;
    for (size_t i = 0; i < f->cfg->n_systems; i++)
        if (strcmp(f->cfg->systems[i].id, "video") == 0)
            video = &f->cfg->systems[i];
    assert_non_null(video);
    expect_scoped_read(f, PD_SCOPE_SYSTEM, "video", (const char *const *)video->members,
                       video->n_members);
}

static void fill_later_member(sqlite3 *c)
{
    run(c, D(40, 0, 0));
    store_target(c, "gy-mcu-01", "", "codec", "guizhou/guiyang", D(-60, 0, 0), 0);
    store_target(c, "zz-new-07", "", "switch", "guizhou/new", D(35, 0, 0), 0);
    point(c, "gy-mcu-01", "", D(-30, 0, 0), "UP", "");
    point(c, "zz-new-07", "", D(35, 0, 0), "UP", "");
}

/* A member of a system that was not in service in the month (zz-new-07
 * of "pair", added in December) is not a member that month, whether the
 * report is read from the store (which knows the target) or from the
 * export (which leaves it out): "pair" (rule all) is judged on
 * gy-mcu-01 alone in both. */
static void test_member_added_after_the_month(void **state)
{
    struct cfg_fixture *f = *state;
    open_store(f, "later", fill_later_member);
    store_and_files(f);
    assert_same_report(f->js, f->jf);
}

static const char events_header[] = "time,target,state,check,message,name,site,type\n";

static char path[PATH_MAX], err[8192];

/* Read text as the events file into f->d; the return code, err filled. */
static int read_events(struct cfg_fixture *f, const char *text)
{
    pd_report_data_free(&f->d);
    write_file("events.csv", text, path);
    err[0] = '\0';
    return pd_report_data_from_files(path, NULL, f->cfg, &f->d, err, sizeof(err));
}

/* The same for a maintenance file. */
static int read_maint(struct cfg_fixture *f, const char *text)
{
    pd_report_data_free(&f->d);
    write_file("maintenance.csv", text, path);
    err[0] = '\0';
    return pd_report_data_load_maintenance(&f->d, f->cfg, path, err, sizeof(err));
}

static void expect_line(const char *rest)
{
    char line[PATH_MAX + 256];
    snprintf(line, sizeof(line), "%s:%s", path, rest);
    if (!test_has_line(err, line))
        fail_msg("no line starting with\n  %s\nin:\n%s", line, err);
}

static void test_events_errors(void **state)
{
    struct cfg_fixture *f = *state;
    char text[8192];
    snprintf(text, sizeof(text), "%s%s", events_header,
             "2026-11-01T00:00:00+08:00,a1,up,,,,,\n"
             "2026-11-0x,a1,down,,,,,\n"
             "2026-11-02T00:00:00+08:00,a1,sideways,,,,,\n"
             "2026-11-02T00:00:00+08:00,Bad Id,up,,,,,\n"
             "2026-11-03T00:00:00+08:00,a1,down,,,,,\n"
             "2026-11-02T12:00:00+08:00,a1,up,,,,,\n"
             "2026-11-04T00:00:00+08:00,a1,up,,,\n"
             "2026-11-05T00:00:00+08:00,a1,down,ping,,,,\n");
    assert_int_equal(read_events(f, text), -EINVAL);
    expect_line("3:1: time: ");
    expect_line("4:30: state: expected up, down, unknown, added, retired or observed, "
                "got 'sideways'");
    expect_line("5:27: target: expected a target id, got 'Bad Id'");
    expect_line("7:1: rows of target 'a1' out of time order");
    expect_line("8:1: expected 8 fields as in the header, got 6");
    assert_int_equal(test_count_lines(err), 5);

    /* Every bad row at once, up to 20. */
    size_t n = (size_t)snprintf(text, sizeof(text), "%s", events_header);
    for (int i = 0; i < 25; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "2026-11-01T00:00:00+08:00,a%02d,x,,,,,\n", i);
    assert_int_equal(read_events(f, text), -EINVAL);
    assert_int_equal(test_count_lines(err), 20);
    expect_line("2:31: state: ");
    expect_line("21:31: state: expected up, down, unknown, added, retired or observed, got 'x'");
}

static void test_events_bom_crlf_guard(void **state)
{
    struct cfg_fixture *f = *state;
    const char *text = "\xef\xbb\xbftime,target,state,check,message,name,site,type\r\n"
                       "2026-11-01T00:00:00+08:00,a1,added,,,'=x,贵州/贵阳,codec\r\n"
                       "2026-11-02T08:00:00+08:00,a1,up,,\"ok, \"\"fine\"\"\",,,\r\n"
                       "2026-11-03T08:00:00.5+08:00,a1,DOWN,,'-1 dBm,,,\r\n"
                       "2026-11-03T09:00:00+08:00,a1,up,ping,,,,\r\n"
                       "2026-11-10T00:00:00+08:00,,observed,,,,,\r\n";
    if (read_events(f, text) < 0)
        fail_msg("%s", err);
    assert_int_equal(f->d.n_targets, 1);
    const struct pd_source_target *t = &f->d.targets[0];
    assert_string_equal(t->id, "a1");
    assert_string_equal(t->name, "=x");
    assert_string_equal(t->site, "贵州/贵阳");
    assert_string_equal(t->type, "codec");
    assert_int_equal(t->added, D(1, 0, 0));
    assert_int_equal(t->n_points, 2); /* the check's row is not the target's */
    assert_int_equal(t->points[0].at, D(2, 8, 0));
    assert_int_equal(t->points[0].state, UP);
    assert_string_equal(t->reasons[0], "ok, \"fine\"");
    assert_int_equal(t->points[1].at, D(3, 8, 0) + 500 * PD_MSEC);
    assert_int_equal(t->points[1].state, DOWN);
    assert_string_equal(t->reasons[1], "-1 dBm");
    assert_int_equal(f->d.observed_until, D(10, 0, 0));
    assert_string_equal(f->d.in.targets[0].severity, "emergency"); /* type codec */
}

static const char maint_header[] = "start,end,target_or_site,reason\n";
#define WIN "2026-11-01T00:00:00+08:00,2026-11-01T01:00:00+08:00,"

static void test_maintenance_csv(void **state)
{
    static const struct {
        const char *text;
        enum pd_maint_scope scope;
        const char *what;
    } forms[] = {
        {"gy-mcu-01", PD_MAINT_TARGET, "gy-mcu-01"},
        {"guizhou/guiyang", PD_MAINT_SITE, "guizhou/guiyang"},
        {"guizhou", PD_MAINT_SITE, "guizhou"},
        {"target:zy-sw-04", PD_MAINT_TARGET, "zy-sw-04"},
        {"site:guizhou/zunyi", PD_MAINT_SITE, "guizhou/zunyi"},
        {"system:video", PD_MAINT_SYSTEM, "video"},
        {"video", PD_MAINT_SYSTEM, "video"},
        {"*", PD_MAINT_ALL, NULL},
    };
    struct cfg_fixture *f = *state;
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof(text), "%s", maint_header);
    for (size_t i = 0; i < N(forms); i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, WIN "%s,why %zu\n", forms[i].text, i);
    if (read_maint(f, text) < 0)
        fail_msg("%s", err);
    assert_int_equal(f->d.n_maintenance, N(forms));
    for (size_t i = 0; i < N(forms); i++) {
        const struct pd_maint_window *w = &f->d.maintenance[i];
        char why[16];
        snprintf(why, sizeof(why), "why %zu", i);
        assert_int_equal(w->scope, forms[i].scope);
        if (forms[i].what)
            assert_string_equal(w->what, forms[i].what);
        else
            assert_null(w->what);
        assert_string_equal(w->reason, why);
        assert_int_equal(w->span.start, D(1, 0, 0));
        assert_int_equal(w->span.end, D(1, 1, 0));
    }

    snprintf(text, sizeof(text), "%s%s", maint_header,
             WIN "nothing-here,x\n"
                 "2026-11-01T02:00:00+08:00,2026-11-01T01:00:00+08:00,*,y\n" WIN
                 "guizhou/gui,z\n" WIN "system:nope,w\n" WIN "site:Bad Path,v\n"
                 "2026-11-01T02:00:00+08:00,2026-11-01T02:00:00+08:00,*,empty\n");
    assert_int_equal(read_maint(f, text), -EINVAL);
    expect_line("2:53: target_or_site: 'nothing-here' names no target, site or system");
    expect_line("3:27: end: the window ends before it starts");
    expect_line("4:53: target_or_site: 'guizhou/gui' names no target");
    expect_line("5:53: target_or_site: no system: 'nope'");
    expect_line("6:53: target_or_site: no site: 'Bad Path'");
    expect_line("7:27: end: the window ends before it starts");
    assert_int_equal(test_count_lines(err), 6);
}

/* Columns may come in any order: an error names the column where the
 * field really is. */
static void test_maintenance_csv_columns_in_any_order(void **state)
{
    struct cfg_fixture *f = *state;
    const char *text = "reason,target_or_site,start,end\n"
                       "x,*,2026-11-01T02:00:00+08:00,2026-11-01T01:00:00+08:00\n"
                       "x,*,2026-11-01T02:00:00+08:00,2026-11-01T03:00:00+08:00\n";
    assert_int_equal(read_maint(f, text), -EINVAL);
    assert_int_equal(f->d.n_maintenance, 1);
    expect_line("2:31: end: the window ends before it starts");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_targets_and_maintenance),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_provisional),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_media),
        cmocka_unit_test_setup_teardown(test_store_and_files_agree, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_member_added_after_the_month, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_scoped_read_agrees, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_events_errors, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_events_bom_crlf_guard, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_maintenance_csv, setup_cfg, teardown_cfg),
        cmocka_unit_test_setup_teardown(test_maintenance_csv_columns_in_any_order, setup_cfg,
                                        teardown_cfg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
