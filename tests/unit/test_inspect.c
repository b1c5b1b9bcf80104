/* The pure part of the inspection records: time-weighted statistics, the
 * problem list and its order, the sites' sums; from a report built by
 * pd_report_build over synthetic timelines, no store, no clock. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inspect.h"
#include "report.h"
#include "report_fixture.h"
#include "timefmt.h"

#define MIN  (60 * PD_SEC)
#define HOUR (60 * MIN)
/* 2026-11-20 08:30 +08:00 */
#define END   ((pd_ns)1795134600 * PD_SEC)
#define START (END - 24 * HOUR)

static void test_stats(void **state)
{
    (void)state;
    struct pd_stat s;
    const double v[] = {1, 2, 3, NAN, 100}, w[] = {1, 1, 1, 1, 1};
    assert_int_equal(pd_stat_compute(v, w, 5, &s), 0);
    assert_int_equal(s.n, 4);
    assert_true(s.covered_s == 4);
    assert_true(s.mean == 26.5);
    assert_true(s.p50 == 2);
    assert_true(s.p95 == 100);
    assert_true(s.max == 100);
    assert_true(s.last == 100);
    assert_true(s.integral == 106);

    /* Weights are time: 9 s at 10, 1 s at 1000. */
    const double v2[] = {10, 1000}, w2[] = {9, 1};
    assert_int_equal(pd_stat_compute(v2, w2, 2, &s), 0);
    assert_true(s.mean == 109);
    assert_true(s.p50 == 10);
    assert_true(s.p95 == 1000);

    /* Exactly 95 % of the time at or below 10: the 95th percentile is 10. */
    const double v3[] = {10, 1000}, w3[] = {19, 1};
    assert_int_equal(pd_stat_compute(v3, w3, 2, &s), 0);
    assert_true(s.p95 == 10);

    /* Nothing known: no figure, never 0. */
    const double v4[] = {NAN, NAN}, w4[] = {1, 0};
    assert_int_equal(pd_stat_compute(v4, w4, 2, &s), 0);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.p95) && isnan(s.max) && isnan(s.last));
    assert_int_equal(pd_stat_compute(NULL, NULL, 0, &s), 0);
    assert_true(isnan(s.p50));
}

struct fixture {
    struct pd_report *r;
    struct pd_inspection in;
};

#define N_TARGETS 6

/* a: DOWN for the last hour; b: one outage of 10 min; c: two of 20 min
 * in all; d: quiet, but lossy, rebooted, its certificate near expiry;
 * e: not observed for the last 6 hours; f: fine. */
static const struct pd_avail_point tl_a[] = {{START - HOUR, PD_STATE_UP},
                                             {END - HOUR, PD_STATE_DOWN}};
static const struct pd_avail_point tl_b[] = {{START - HOUR, PD_STATE_UP},
                                             {START + HOUR, PD_STATE_DOWN},
                                             {START + HOUR + 10 * MIN, PD_STATE_UP}};
static const struct pd_avail_point tl_c[] = {{START - HOUR, PD_STATE_UP},
                                             {START + 2 * HOUR, PD_STATE_DOWN},
                                             {START + 2 * HOUR + 5 * MIN, PD_STATE_UP},
                                             {START + 3 * HOUR, PD_STATE_DOWN},
                                             {START + 3 * HOUR + 15 * MIN, PD_STATE_UP}};
static const struct pd_avail_point tl_up[] = {{START - HOUR, PD_STATE_UP}};
static const struct pd_avail_point tl_e[] = {{START - HOUR, PD_STATE_UP},
                                             {END - 6 * HOUR, PD_STATE_UNKNOWN}};

static int setup(void **state)
{
    static const struct pd_report_severity sev[] = {
        {.name = "general", .limits = PD_TEST_EMERGENCY_LIMITS}};
    static const struct pd_report_target_in targets[N_TARGETS] = {
        {"gy-a", "贵阳终端A", "guizhou/guiyang", "codec", "general", 0, 0, tl_a, 2, false, NULL, 0},
        {"gy-b", "贵阳终端B", "guizhou/guiyang", "codec", "general", 0, 0, tl_b, 3, false, NULL, 0},
        {"zy-c", "遵义终端C", "guizhou/zunyi", "codec", "general", 0, 0, tl_c, 5, false, NULL, 0},
        {"zy-d", "遵义门户D", "guizhou/zunyi", "portal", "general", 0, 0, tl_up, 1, false, NULL, 0},
        {"zy-e", "遵义摄像头E", "guizhou/zunyi", "camera", "general", 0, 0, tl_e, 2, false, NULL,
         0},
        {"zy-f", "遵义交换机F", "guizhou/zunyi", "switch", "general", 0, 0, tl_up, 1, false, NULL,
         0},
    };
    struct pd_report_input in = {
        .month = "2026-11-20",
        .period = {START, END},
        .timezone = "Asia/Shanghai",
        .version = "test",
        .config_hash = "",
        .source = "synthetic",
        .generated = END,
        .observed_until = END,
        .severities = sev,
        .n_severities = 1,
        .targets = targets,
        .n_targets = N_TARGETS,
    };
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    char why[128];
    assert_non_null(f);
    assert_int_equal(pd_time_set_zone("Asia/Shanghai", why, sizeof(why)), 0);
    if (pd_report_build(&in, &f->r, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(f->r->n_targets, N_TARGETS);
    f->in.report = f->r;
    f->in.kind = PD_INSPECT_DAILY;
    f->in.n_devices = N_TARGETS;
    f->in.devices = calloc(N_TARGETS, sizeof(*f->in.devices));
    assert_non_null(f->in.devices);
    for (size_t i = 0; i < N_TARGETS; i++) {
        struct pd_inspect_device *d = &f->in.devices[i];
        d->t = &f->r->targets[i];
        d->state = PD_STATE_UP;
        d->state_since = START - HOUR;
        pd_stat_clear(&d->rtt);
        pd_stat_clear(&d->loss);
        pd_stat_clear(&d->jitter);
        d->rtt_max = d->cert_days = NAN;
    }
    f->in.devices[0].state = PD_STATE_DOWN;
    f->in.devices[0].state_since = END - HOUR;
    f->in.devices[4].state = PD_STATE_UNKNOWN;
    f->in.devices[4].state_since = END - 6 * HOUR;
    struct pd_inspect_device *d = &f->in.devices[3];
    d->has_icmp = true;
    d->loss = (struct pd_stat){.n = 10, .mean = 3.5, .p95 = 20, .max = 40};
    d->rtt = (struct pd_stat){.n = 10, .p50 = 12, .p95 = 95};
    d->has_snmp = true;
    d->reboots = 2;
    d->has_cert = true;
    d->cert_days = 9.6;
    d->if_errors = 1204;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->in.devices);
    free(f->in.sites);
    free(f->in.problems);
    pd_report_free(f->r);
    free(f);
    char why[128];
    pd_time_set_zone("UTC", why, sizeof(why));
    return 0;
}

static const char *device_id(const struct fixture *f, size_t i)
{
    return f->in.devices[f->in.problems[i].device].t->id;
}

static void test_problems_in_order(void **state)
{
    struct fixture *f = *state;
    struct pd_inspection_conf c;
    memset(&c, 0, sizeof(c));
    c.loss_pct = 1;
    c.latency_ms = 80;
    c.cert_days = 30;
    assert_int_equal(pd_inspect_finish(&f->in, &c), 0);
    static const struct {
        enum pd_problem_kind kind;
        const char *id, *text;
    } want[] = {
        {PD_PROBLEM_DOWN, "gy-a", "DOWN since 2026-11-20 07:30:00 (1h00m)"},
        /* more downtime first */
        {PD_PROBLEM_OUTAGES, "zy-c", "2 outages, down 20m00s in the period (longest 15m00s)"},
        {PD_PROBLEM_OUTAGES, "gy-b", "1 outage, down 10m00s in the period (longest 10m00s)"},
        {PD_PROBLEM_LOSS, "zy-d",
         "ping loss 3.50 % on average (95th percentile 20.00 %, limit 1 %)"},
        {PD_PROBLEM_LATENCY, "zy-d", "latency 95.0 ms at the 95th percentile (limit 80 ms)"},
        {PD_PROBLEM_CERT, "zy-d", "certificate expires in 9 days (within 30)"},
        {PD_PROBLEM_REBOOT, "zy-d", "2 reboots (SNMP agent restarted)"},
        {PD_PROBLEM_IF_ERRORS, "zy-d", "1204 interface errors"},
        {PD_PROBLEM_UNOBSERVED, "zy-e", "observed 75.00 % of the period; not observed at its end"},
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    for (size_t i = 0; i < f->in.n_problems && i < n; i++) {
        const struct pd_inspect_problem *p = &f->in.problems[i];
        if (p->kind != want[i].kind || strcmp(device_id(f, i), want[i].id) != 0 ||
            strcmp(p->text, want[i].text) != 0)
            fail_msg("problem %zu: %s %s \"%s\", expected %s %s \"%s\"", i,
                     pd_problem_kind_name(p->kind), device_id(f, i), p->text,
                     pd_problem_kind_name(want[i].kind), want[i].id, want[i].text);
    }
    assert_int_equal(f->in.n_problems, n);

    /* The sites: guizhou holds all, guiyang a and b, zunyi c to f. */
    const struct pd_report *r = f->r;
    assert_int_equal(r->n_sites, 3);
    assert_string_equal(r->sites[0].path, "guizhou");
    assert_int_equal(f->in.sites[0].down, 1);
    assert_int_equal(f->in.sites[0].problems, 5);
    assert_int_equal(f->in.sites[0].outages, 4);
    assert_int_equal(f->in.sites[0].reboots, 2);
    assert_string_equal(r->sites[1].path, "guizhou/guiyang");
    assert_int_equal(f->in.sites[1].problems, 2);
    assert_int_equal(f->in.sites[1].outages, 2);
    assert_string_equal(r->sites[2].path, "guizhou/zunyi");
    assert_int_equal(f->in.sites[2].problems, 3);
    assert_true(f->in.sites[2].if_errors == 1204);
}

/* Thresholds at 0 judge nothing; a DOWN device's checks are not listed
 * again, an UP device's DOWN check is. */
static void test_thresholds_off_and_checks(void **state)
{
    struct fixture *f = *state;
    struct pd_inspect_check down = {.id = "sip",
                                    .type = "tcp",
                                    .state = PD_STATE_DOWN,
                                    .since = END - 30 * MIN,
                                    .reason = "connection refused"};
    f->in.devices[0].checks = &down;
    f->in.devices[0].n_checks = 1;
    f->in.devices[5].checks = &down;
    f->in.devices[5].n_checks = 1;
    struct pd_inspection_conf c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(pd_inspect_finish(&f->in, &c), 0);
    size_t downs = 0, checks = 0;
    for (size_t i = 0; i < f->in.n_problems; i++) {
        const struct pd_inspect_problem *p = &f->in.problems[i];
        assert_true(p->kind != PD_PROBLEM_LOSS && p->kind != PD_PROBLEM_LATENCY &&
                    p->kind != PD_PROBLEM_CERT);
        downs += p->kind == PD_PROBLEM_DOWN;
        if (p->kind == PD_PROBLEM_CHECK_DOWN) {
            checks++;
            assert_string_equal(device_id(f, i), "zy-f");
            assert_string_equal(p->text, "check sip (tcp) DOWN since 2026-11-20 08:00:00 (30m00s): "
                                         "connection refused");
        }
        if (p->kind == PD_PROBLEM_DOWN)
            assert_string_equal(p->text, "DOWN since 2026-11-20 07:30:00 (1h00m): sip: "
                                         "connection refused");
    }
    assert_int_equal(downs, 1);
    assert_int_equal(checks, 1);
    f->in.devices[0].checks = f->in.devices[5].checks = NULL;
    f->in.devices[0].n_checks = f->in.devices[5].n_checks = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test_setup_teardown(test_problems_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_off_and_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
