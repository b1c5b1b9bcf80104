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

#include "availability.h"
#include "avail_check.h"
#include "timefmt.h"

#define MIN  (60 * PD_SEC)
#define HOUR (3600 * PD_SEC)
#define DAY  (86400 * PD_SEC)
#define NOV  ((pd_ns)1793491200 * PD_SEC) /* 2026-11-01T00:00:00Z */
/* Day d of October 2026, UTC. */
#define AT(d, h, m) (OCT + ((d)-1) * DAY + (h)*HOUR + (m)*MIN)

/* An emergency-severity contract: 99.5 %, MTBF 360 h, MTTR 60 min, 95 %
 * resolved within 30 min and 90 % within 60. */
static const struct pd_sla_limits emergency = {
    .availability_min = 99.5,
    .mtbf_min = 360 * HOUR,
    .mttr_max = 60 * MIN,
    .resolved = {{95, 30 * MIN}, {90, 60 * MIN}},
    .n_resolved = 2,
};

static void use_zone(const char *name)
{
    char err[256];

    if (pd_time_set_zone(name, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static struct pd_span month(const char *zone, const char *yyyy_mm)
{
    char err[256] = "";
    struct pd_span p;

    use_zone(zone);
    if (pd_time_month(yyyy_mm, &p.start, &p.end, err, sizeof(err)) != 0)
        fail_msg("pd_time_month(%s): %s", yyyy_mm, err);
    return p;
}

/* A local time in the current zone, as written in docs/reports.md. */
static pd_ns local(const char *text)
{
    char err[256] = "";
    pd_ns t;

    if (pd_time_parse(text, 0, &t, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return t;
}

static void test_outage_crossing_month_end(void **state)
{
    const struct pd_avail_point tl[] = {
        {OCT - 11 * DAY, UP}, {AT(31, 23, 0), DOWN}, {NOV + 90 * MIN, UP}};
    struct pd_span oct = month("UTC", "2026-10"), nov = month("UTC", "2026-11");
    struct pd_avail a;

    (void)state;
    /* October: 31 d = 2678400 s; DOWN 23:00..24:00 = 3600 s; up 2674800 s = 743 h.
     * The outage begins here (a failure) but ends in November (no MTTR). */
    compute(oct, 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.total_s, 2678400);
    EQ_S(a.downtime_s, 3600);
    EQ_S(a.unknown_s, 0);
    EQ_S(a.up_s, 2674800);
    NEAR(a.availability_pct, 100.0 * 2674800 / 2678400);
    EQ_S(a.coverage_pct, 100);
    assert_int_equal(a.failures, 1);
    EQ_S(a.mtbf_h, 743);
    assert_int_equal(a.ended, 0);
    IS_NAN(a.mttr_min);
    assert_int_equal(a.n_outages, 1);
    /* Full duration 23:00..01:30 = 150 min, known from the timeline. */
    outage_is(&a.outages[0], AT(31, 23, 0), NOV + 90 * MIN, 150 * MIN, 0, true, false, false);
    pd_avail_free(&a);

    /* November: 30 d = 2592000 s; DOWN 00:00..01:30 = 5400 s; no failure
     * begins; the MTTR is over the whole 150 min. */
    compute(nov, 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.total_s, 2592000);
    EQ_S(a.downtime_s, 5400);
    EQ_S(a.up_s, 2586600);
    assert_int_equal(a.failures, 0);
    IS_NAN(a.mtbf_h);
    assert_int_equal(a.ended, 1);
    EQ_S(a.mttr_min, 150);
    outage_is(&a.outages[0], AT(31, 23, 0), NOV + 90 * MIN, 150 * MIN, 0, false, true, false);
    pd_avail_free(&a);

    /* Still DOWN at the last point: ongoing, counted to the period end (60 min). */
    compute(oct, 0, 0, tl, 2, NULL, 0, &a);
    outage_is(&a.outages[0], AT(31, 23, 0), 0, 60 * MIN, 0, true, false, false);
    assert_int_equal(a.failures, 1);
    pd_avail_free(&a);
}

static void test_outage_over_at_midnight(void **state)
{
    /* UP again at exactly 00:00 on the 1st: its last DOWN instant is in
     * October, so it ends there, and November does not list it. */
    const struct pd_avail_point tl[] = {{OCT - DAY, UP}, {AT(31, 23, 0), DOWN}, {NOV, UP}};
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    assert_int_equal(a.ended, 1);
    EQ_S(a.mttr_min, 60);
    outage_is(&a.outages[0], AT(31, 23, 0), NOV, HOUR, 0, true, true, false);
    pd_avail_free(&a);
    compute(month("UTC", "2026-11"), 0, 0, tl, N(tl), NULL, 0, &a);
    assert_int_equal(a.n_outages, 0);
    assert_int_equal(a.ended, 0);
    EQ_S(a.downtime_s, 0);
    pd_avail_free(&a);
}

static void test_daemon_gap(void **state)
{
    /* Nothing observed before 06:00 on the 1st (21600 s), the daemon down
     * 12:00..14:00 on the 10th (7200 s): unknown 28800 s. One outage of
     * 10 min (600 s). up = 2678400 - 28800 - 600 = 2649000. */
    const struct pd_avail_point tl[] = {{AT(1, 6, 0), UP},
                                        {AT(10, 12, 0), UNK},
                                        {AT(10, 14, 0), UP},
                                        {AT(20, 0, 0), DOWN},
                                        {AT(20, 0, 10), UP}};
    struct pd_sla_limits lim = {
        .availability_min = 99.5, .mtbf_min = 360 * HOUR, .mttr_max = 60 * MIN};
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.unknown_s, 28800);
    EQ_S(a.downtime_s, 600);
    EQ_S(a.up_s, 2649000);
    NEAR(a.availability_pct, 100.0 * 2677800 / 2678400); /* 99.978 %: the gap is not downtime */
    NEAR(a.coverage_pct, 100.0 * 2649600 / 2678400);     /* 98.925 % */
    NEAR(a.observed_availability_pct, 100.0 * 2649000 / 2649600);
    assert_int_equal(a.failures, 1);
    NEAR(a.mtbf_h, 2649000.0 / 3600);
    EQ_S(a.mttr_min, 10);

    /* Coverage 98.9 % < 99 %: nothing can be claimed. */
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.availability, PD_SLA_UNVERIFIED);
    assert_int_equal(r.mtbf, PD_SLA_UNVERIFIED);
    assert_int_equal(r.mttr, PD_SLA_UNVERIFIED);
    assert_int_equal(r.overall, PD_SLA_UNVERIFIED);
    lim.coverage_min = 98;
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.availability, PD_SLA_MET);
    assert_int_equal(r.mtbf, PD_SLA_MET);
    assert_int_equal(r.mttr, PD_SLA_MET);
    assert_int_equal(r.overall, PD_SLA_MET);
    pd_avail_free(&a);
}

static void test_maintenance_overlap(void **state)
{
    /* Outage 1: DOWN 01:30..03:00 on the 5th, maintenance 01:00..02:00 (two
     * overlapping windows, given out of order): counted 02:00..03:00 = 3600 s.
     * Outage 2: 02:10..02:40 on the 12th inside maintenance 02:00..03:00:
     * not a failure. maintenance 7200 s; up = 2678400 - 7200 - 3600 = 741 h. */
    const struct pd_avail_point tl[] = {{OCT - DAY, UP},
                                        {AT(5, 1, 30), DOWN},
                                        {AT(5, 3, 0), UP},
                                        {AT(12, 2, 10), DOWN},
                                        {AT(12, 2, 40), UP}};
    const struct pd_span m[] = {
        {AT(5, 1, 20), AT(5, 2, 0)}, {AT(12, 2, 0), AT(12, 3, 0)}, {AT(5, 1, 0), AT(5, 1, 40)}};
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), m, N(m), &a);
    EQ_S(a.maintenance_s, 7200);
    EQ_S(a.downtime_s, 3600);
    EQ_S(a.up_s, 2667600);
    NEAR(a.availability_pct, 100.0 * 2674800 / 2678400);
    assert_int_equal(a.failures, 1);
    EQ_S(a.mtbf_h, 741);
    assert_int_equal(a.ended, 1);
    EQ_S(a.mttr_min, 60);
    assert_int_equal(a.n_outages, 2);
    outage_is(&a.outages[0], AT(5, 1, 30), AT(5, 3, 0), HOUR, 0, true, true, false);
    outage_is(&a.outages[1], AT(12, 2, 10), AT(12, 2, 40), 0, 0, true, true, true);
    pd_avail_free(&a);
}

static void test_added_and_retired(void **state)
{
    const struct pd_avail_point ta[] = {
        {AT(11, 0, 0), UP}, {AT(15, 0, 0), DOWN}, {AT(15, 0, 30), UP}};
    const struct pd_avail_point tb[] = {{OCT - 30 * DAY, UP}, {AT(20, 23, 0), DOWN}};
    struct pd_span oct = month("UTC", "2026-10");
    struct pd_sla_limits lim = {.availability_min = 99};
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    /* Added on the 11th: in service 21 d = 1814400 s, 30 min down. */
    compute(oct, AT(11, 0, 0), 0, ta, N(ta), NULL, 0, &a);
    EQ_S(a.total_s, 1814400);
    EQ_S(a.unknown_s, 0);
    EQ_S(a.downtime_s, 1800);
    EQ_S(a.up_s, 1812600);
    assert_int_equal(a.failures, 1);
    EQ_S(a.mttr_min, 30);
    pd_avail_free(&a);
    /* First result 6 h after it was added: those 6 h are unknown. */
    compute(oct, AT(10, 18, 0), 0, ta, N(ta), NULL, 0, &a);
    EQ_S(a.total_s, 1836000);
    EQ_S(a.unknown_s, 21600);
    pd_avail_free(&a);

    /* Retired on the 21st while DOWN since 23:00 the day before: in service
     * 20 d = 1728000 s, down 3600 s, the outage ongoing and counted to the
     * retirement (60 min), not to the month end. */
    compute(oct, 0, AT(21, 0, 0), tb, N(tb), NULL, 0, &a);
    EQ_S(a.total_s, 1728000);
    EQ_S(a.downtime_s, 3600);
    EQ_S(a.up_s, 1724400);
    assert_int_equal(a.failures, 1);
    EQ_S(a.mtbf_h, 479);
    assert_int_equal(a.ended, 0);
    IS_NAN(a.mttr_min);
    outage_is(&a.outages[0], AT(20, 23, 0), 0, HOUR, 0, true, false, false);
    pd_avail_free(&a);

    /* Added after the month, or retired before it was added: nothing to
     * report, every share NAN, no claim. */
    compute(oct, NOV + DAY, 0, ta, N(ta), NULL, 0, &a);
    EQ_S(a.total_s, 0);
    IS_NAN(a.availability_pct);
    IS_NAN(a.coverage_pct);
    IS_NAN(a.observed_availability_pct);
    assert_int_equal(a.n_outages, 0);
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.overall, PD_SLA_UNVERIFIED);
    pd_avail_free(&a);
    compute(oct, AT(20, 0, 0), AT(10, 0, 0), tb, N(tb), NULL, 0, &a);
    EQ_S(a.total_s, 0);
    assert_int_equal(a.failures, 0);
    pd_avail_free(&a);
}

static void test_no_failures(void **state)
{
    const struct pd_avail_point tl[] = {{OCT - DAY, UP}};
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.up_s, 2678400);
    EQ_S(a.availability_pct, 100);
    EQ_S(a.coverage_pct, 100);
    EQ_S(a.observed_availability_pct, 100);
    assert_int_equal(a.failures, 0);
    IS_NAN(a.mtbf_h);
    IS_NAN(a.mttr_min);
    IS_NAN(pd_avail_resolved_within(&a, 30 * MIN));
    pd_sla_judge(&a, &emergency, &r);
    assert_int_equal(r.availability, PD_SLA_MET);
    assert_int_equal(r.mtbf, PD_SLA_MET);
    assert_int_equal(r.mttr, PD_SLA_MET);
    assert_int_equal(r.resolved[0], PD_SLA_MET);
    assert_int_equal(r.resolved[1], PD_SLA_MET);
    IS_NAN(r.resolved_pct[0]);
    assert_int_equal(r.resolved[2], PD_SLA_NO_LIMIT);
    assert_int_equal(r.overall, PD_SLA_MET);
    pd_avail_free(&a);
}

static void test_down_unknown_down(void **state)
{
    /* 3rd: DOWN 10:00, gap 10:20..10:50, DOWN again, UP 11:00: one outage,
     * counted 30 min, unobserved 30 min. 4th: DOWN 10:00 (the UP at the same
     * instant is overridden), gap from 10:20, UP 10:50: the gap is not
     * followed by DOWN, so the outage ended at 10:20 (20 min). */
    const struct pd_avail_point tl[] = {
        {OCT - DAY, UP},       {AT(3, 10, 0), DOWN}, {AT(3, 10, 20), UNK},
        {AT(3, 10, 50), DOWN}, {AT(3, 11, 0), UP},   {AT(4, 10, 0), UP},
        {AT(4, 10, 0), DOWN},  {AT(4, 10, 20), UNK}, {AT(4, 10, 50), UP}};
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    assert_int_equal(a.n_outages, 2);
    outage_is(&a.outages[0], AT(3, 10, 0), AT(3, 11, 0), 30 * MIN, 30 * MIN, true, true, false);
    outage_is(&a.outages[1], AT(4, 10, 0), AT(4, 10, 20), 20 * MIN, 0, true, true, false);
    EQ_S(a.downtime_s, 3000);
    EQ_S(a.unknown_s, 3600);
    assert_int_equal(a.failures, 2);
    assert_int_equal(a.ended, 2);
    EQ_S(a.mttr_min, 25);
    pd_avail_free(&a);
}

static void test_months(void **state)
{
    const struct pd_avail_point tl[] = {{0, UP}};
    struct pd_span p;
    struct pd_avail a;

    (void)state;
    p = month("UTC", "2028-02"); /* leap year: 29 d */
    assert_int_equal(p.start, (pd_ns)1832976000 * PD_SEC);
    assert_int_equal(p.end, (pd_ns)1835481600 * PD_SEC);
    compute(p, 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.total_s, 29 * 86400);
    pd_avail_free(&a);
    p = month("UTC", "2026-02");
    assert_int_equal(p.end - p.start, 28 * DAY);
    p = month("UTC", "2100-02"); /* divisible by 100: not a leap year */
    assert_int_equal(p.end - p.start, 28 * DAY);
    p = month("UTC", "2000-02"); /* divisible by 400: leap */
    assert_int_equal(p.end - p.start, 29 * DAY);
    p = month("UTC", "2026-12");
    assert_int_equal(p.end, (pd_ns)1798761600 * PD_SEC); /* 2027-01-01T00:00Z */

    /* Europe/Berlin: clocks forward on 29 March (743 h), back on 25 October (745 h). */
    p = month("Europe/Berlin", "2026-03");
    assert_int_equal(p.start, (pd_ns)1772319600 * PD_SEC); /* 2026-02-28T23:00Z */
    assert_int_equal(p.end - p.start, 743 * HOUR);
    compute(p, 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.total_s, 743 * 3600);
    pd_avail_free(&a);
    p = month("Europe/Berlin", "2026-10");
    assert_int_equal(p.start, OCT - 2 * HOUR);
    assert_int_equal(p.end - p.start, 745 * HOUR);

    /* Asia/Shanghai: the month starts at 16:00 UTC the day before. */
    p = month("Asia/Shanghai", "2026-10");
    assert_int_equal(p.start, (pd_ns)1790784000 * PD_SEC); /* 2026-09-30T16:00Z */
    assert_int_equal(p.end, (pd_ns)1793462400 * PD_SEC);   /* 2026-10-31T16:00Z */

    /* Havana moved its clocks from 00:00 to 01:00 on 1 April 2012: the month
     * began at 01:00 local (05:00Z) and had 719 h. */
    p = month("America/Havana", "2012-04");
    assert_int_equal(p.start, (pd_ns)1333256400 * PD_SEC);
    assert_int_equal(p.end, (pd_ns)1335844800 * PD_SEC);
}

static void test_shanghai_outage_belongs_to_local_month(void **state)
{
    /* 2026-09-30 17:00..17:30 UTC is 1 October 01:00..01:30 in Shanghai. */
    const struct pd_avail_point tl[] = {
        {OCT - DAY, UP}, {OCT - 7 * HOUR, DOWN}, {OCT - 7 * HOUR + 30 * MIN, UP}};
    struct pd_avail a;

    (void)state;
    compute(month("Asia/Shanghai", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.total_s, 744 * 3600);
    EQ_S(a.downtime_s, 1800);
    assert_int_equal(a.failures, 1);
    pd_avail_free(&a);
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.downtime_s, 0);
    assert_int_equal(a.n_outages, 0);
    pd_avail_free(&a);
}

static void test_month_rejects(void **state)
{
    const char *bad[] = {"2026-13",  "2026-00", "26-10", "2026-1",  "2026-10x",
                         "2026-10 ", "2026/10", "",      "1969-12", "2201-01"};
    char err[256];
    pd_ns s = 1, e = 2;

    (void)state;
    use_zone("UTC");
    for (size_t i = 0; i < N(bad); i++) {
        err[0] = 0;
        assert_int_equal(pd_time_month(bad[i], &s, &e, err, sizeof(err)), -EINVAL);
        if (!strstr(err, bad[i]))
            fail_msg("error for \"%s\" does not quote it: %s", bad[i], err);
    }
    assert_int_equal(pd_time_month(NULL, &s, &e, err, sizeof(err)), -EINVAL);
    assert_int_equal(s, 1);
    assert_int_equal(e, 2);
}

#define M(x) (OCT + (x)*MIN)

static void system_is(const struct pd_system_member *mem, size_t n, enum pd_system_rule rule,
                      unsigned k, const struct pd_avail_point *want, size_t n_want)
{
    struct pd_avail_point *got;
    size_t n_got;

    assert_int_equal(pd_system_timeline(mem, n, rule, k, &got, &n_got), 0);
    assert_int_equal(n_got, n_want);
    for (size_t i = 0; i < n_want; i++) {
        assert_int_equal((got[i].at - OCT) / MIN, (want[i].at - OCT) / MIN);
        assert_int_equal(got[i].state, want[i].state);
    }
    free(got);
}

static void test_systems(void **state)
{
    /* A: DOWN 10..20. B: UNKNOWN 15..30. C: nothing before 5, DOWN from 40
     * but in maintenance 35..50, so UP until 50. */
    const struct pd_avail_point ta[] = {{M(0), UP}, {M(10), DOWN}, {M(20), UP}};
    const struct pd_avail_point tb[] = {{M(0), UP}, {M(15), UNK}, {M(30), UP}};
    const struct pd_avail_point tc[] = {{M(5), UP}, {M(40), DOWN}};
    const struct pd_span mc[] = {{M(35), M(50)}};
    const struct pd_system_member abc[] = {
        {ta, N(ta), NULL, 0}, {tb, N(tb), NULL, 0}, {tc, N(tc), mc, N(mc)}};
    /* u/x per minute: 0 2/1, 5 3/0, 10 2/0, 15 1/1, 20 2/1, 30.. 3/0, 50 2/0. */
    const struct pd_avail_point all[] = {{M(0), UNK},  {M(5), UP},  {M(10), DOWN},
                                         {M(20), UNK}, {M(30), UP}, {M(50), DOWN}};
    const struct pd_avail_point two[] = {{M(0), UP}, {M(15), UNK}, {M(20), UP}};
    /* X: DOWN 10..30 and from 50; Y: DOWN 20..40, then UNKNOWN. */
    const struct pd_avail_point tx[] = {{M(0), UP}, {M(10), DOWN}, {M(30), UP}, {M(50), DOWN}};
    const struct pd_avail_point ty[] = {{M(0), UP}, {M(20), DOWN}, {M(40), UNK}};
    const struct pd_system_member xy[] = {{tx, N(tx), NULL, 0}, {ty, N(ty), NULL, 0}};
    const struct pd_avail_point any[] = {{M(0), UP}, {M(20), DOWN}, {M(30), UP}, {M(50), UNK}};
    struct pd_avail_point *sys;
    size_t n_sys;
    struct pd_avail a;

    (void)state;
    system_is(abc, 3, PD_SYSTEM_ALL, 0, all, N(all));
    system_is(abc, 3, PD_SYSTEM_K_OF_N, 2, two, N(two));
    system_is(xy, 2, PD_SYSTEM_ANY, 0, any, N(any));
    system_is(abc, 3, PD_SYSTEM_K_OF_N, 3, all, N(all)); /* 3 of 3 is all */
    assert_int_equal(pd_system_timeline(abc, 3, PD_SYSTEM_K_OF_N, 0, &sys, &n_sys), -EINVAL);
    assert_int_equal(pd_system_timeline(abc, 3, PD_SYSTEM_K_OF_N, 4, &sys, &n_sys), -EINVAL);
    assert_int_equal(pd_system_timeline(abc, 0, PD_SYSTEM_ALL, 0, &sys, &n_sys), -EINVAL);

    /* The system gets the same figures: over [0, 60) min, all-rule,
     * unknown 0..5 and 20..30 (900 s), down 10..20 and 50..60 (1200 s). */
    assert_int_equal(pd_system_timeline(abc, 3, PD_SYSTEM_ALL, 0, &sys, &n_sys), 0);
    compute((struct pd_span){M(0), M(60)}, 0, 0, sys, n_sys, NULL, 0, &a);
    EQ_S(a.total_s, 3600);
    EQ_S(a.unknown_s, 900);
    EQ_S(a.downtime_s, 1200);
    EQ_S(a.up_s, 1500);
    assert_int_equal(a.failures, 2);
    assert_int_equal(a.ended, 1);
    outage_is(&a.outages[1], M(50), 0, 10 * MIN, 0, true, false, false);
    pd_avail_free(&a);
    free(sys);
}

static void test_resolved_within(void **state)
{
    /* Outages of 10, 20, 40 and 70 min end in October; one of 5 min inside
     * maintenance and one crossing into November do not count. */
    const struct pd_avail_point tl[] = {
        {OCT - DAY, UP},    {AT(2, 0, 0), DOWN}, {AT(2, 0, 10), UP}, {AT(3, 0, 0), DOWN},
        {AT(3, 0, 20), UP}, {AT(4, 0, 0), DOWN}, {AT(4, 0, 40), UP}, {AT(5, 0, 0), DOWN},
        {AT(5, 1, 10), UP}, {AT(6, 0, 0), DOWN}, {AT(6, 0, 5), UP},  {AT(31, 23, 55), DOWN},
        {NOV + 5 * MIN, UP}};
    const struct pd_span m[] = {{AT(6, 0, 0), AT(6, 1, 0)}};
    struct pd_sla_limits lim = {.resolved = {{95, 30 * MIN}, {50, 20 * MIN}, {0, HOUR}},
                                .n_resolved = 3};
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-10"), 0, 0, tl, N(tl), m, N(m), &a);
    assert_int_equal(a.ended, 4);
    EQ_S(a.mttr_min, 35);
    EQ_S(pd_avail_resolved_within(&a, 30 * MIN), 50);
    EQ_S(pd_avail_resolved_within(&a, 20 * MIN), 50); /* at most: 20 min counts */
    EQ_S(pd_avail_resolved_within(&a, 20 * MIN - 1), 25);
    EQ_S(pd_avail_resolved_within(&a, 60 * MIN), 75);
    EQ_S(pd_avail_resolved_within(&a, 70 * MIN), 100);
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.resolved[0], PD_SLA_NOT_MET);
    EQ_S(r.resolved_pct[0], 50);
    assert_int_equal(r.resolved[1], PD_SLA_MET);
    assert_int_equal(r.resolved[2], PD_SLA_NO_LIMIT); /* a share of 0: no rule */
    IS_NAN(r.resolved_pct[2]);
    assert_int_equal(r.overall, PD_SLA_NOT_MET);
    pd_avail_free(&a);
}

static void test_sla_boundaries(void **state)
{
    /* November, 30 d: down 36 h makes exactly 95 %; up 684 h over one
     * failure is an MTBF of exactly 684 h; the MTTR is exactly 2160 min. */
    const struct pd_avail_point tl[] = {
        {NOV - DAY, UP}, {NOV + 10 * DAY, DOWN}, {NOV + 10 * DAY + 36 * HOUR, UP}};
    struct pd_sla_limits lim = {
        .availability_min = 95, .mtbf_min = 684 * HOUR, .mttr_max = 36 * HOUR};
    struct pd_sla_limits none = {0};
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    compute(month("UTC", "2026-11"), 0, 0, tl, N(tl), NULL, 0, &a);
    EQ_S(a.availability_pct, 95);
    EQ_S(a.mtbf_h, 684);
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.availability, PD_SLA_MET);
    assert_int_equal(r.mtbf, PD_SLA_MET);
    assert_int_equal(r.mttr, PD_SLA_MET);
    assert_int_equal(r.overall, PD_SLA_MET);
    lim.availability_min = 95.0001;
    lim.mtbf_min += 1;
    lim.mttr_max -= 1;
    pd_sla_judge(&a, &lim, &r);
    assert_int_equal(r.availability, PD_SLA_NOT_MET);
    assert_int_equal(r.mtbf, PD_SLA_NOT_MET);
    assert_int_equal(r.mttr, PD_SLA_NOT_MET);
    assert_int_equal(r.overall, PD_SLA_NOT_MET);
    none.availability_min = NAN;
    pd_sla_judge(&a, &none, &r);
    assert_int_equal(r.availability, PD_SLA_NO_LIMIT);
    assert_int_equal(r.overall, PD_SLA_NO_LIMIT);
    assert_string_equal(pd_sla_verdict_name(PD_SLA_MET), "met");
    assert_string_equal(pd_sla_verdict_name(PD_SLA_NOT_MET), "not_met");
    assert_string_equal(pd_sla_verdict_name(PD_SLA_UNVERIFIED), "unverified");
    assert_string_equal(pd_sla_verdict_name(PD_SLA_NO_LIMIT), "no_limit");
    pd_avail_free(&a);
}

static void test_rejects(void **state)
{
    const struct pd_avail_point sorted[] = {{AT(2, 0, 0), UP}, {AT(3, 0, 0), DOWN}};
    const struct pd_avail_point unsorted[] = {{AT(3, 0, 0), UP}, {AT(2, 0, 0), DOWN}};
    const struct pd_avail_point bad_state[] = {{AT(3, 0, 0), (enum pd_state)7}};
    const struct pd_span inverted[] = {{AT(5, 0, 0), AT(4, 0, 0)}};
    struct pd_avail_input in = {{OCT, NOV}, 0, 0, unsorted, 2, NULL, 0};
    struct pd_system_member mem = {unsorted, 2, NULL, 0};
    struct pd_avail_point *sys;
    size_t n_sys;
    struct pd_avail a;

    (void)state;
    assert_int_equal(pd_avail_compute(&in, &a), -EINVAL);
    in.timeline = bad_state;
    in.n_timeline = 1;
    assert_int_equal(pd_avail_compute(&in, &a), -EINVAL);
    in.timeline = sorted;
    in.n_timeline = 2;
    in.maintenance = inverted;
    in.n_maintenance = 1;
    assert_int_equal(pd_avail_compute(&in, &a), -EINVAL);
    in.n_maintenance = 0;
    in.period.end = OCT;
    assert_int_equal(pd_avail_compute(&in, &a), -EINVAL);
    assert_int_equal(pd_system_timeline(&mem, 1, PD_SYSTEM_ALL, 0, &sys, &n_sys), -EINVAL);
}

/* docs/reports.md, "Worked example": keep the two in step. */
static void test_worked_example(void **state)
{
    struct pd_avail_point tl[9];
    struct pd_span m[2], nov = month("Asia/Shanghai", "2026-11");
    struct pd_sla_result r;
    struct pd_avail a;

    (void)state;
    tl[0] = (struct pd_avail_point){local("2026-10-20 09:00"), UP};
    tl[1] = (struct pd_avail_point){local("2026-11-05 14:00"), DOWN};
    tl[2] = (struct pd_avail_point){local("2026-11-05 15:30"), UP};
    tl[3] = (struct pd_avail_point){local("2026-11-12 02:00"), UNK};
    tl[4] = (struct pd_avail_point){local("2026-11-12 06:00"), UP};
    tl[5] = (struct pd_avail_point){local("2026-11-20 10:00"), DOWN};
    tl[6] = (struct pd_avail_point){local("2026-11-20 10:12"), UP};
    tl[7] = (struct pd_avail_point){local("2026-11-30 23:20"), DOWN};
    tl[8] = (struct pd_avail_point){local("2026-12-01 00:25"), UP};
    m[0] = (struct pd_span){local("2026-11-05 14:30"), local("2026-11-05 15:00")};
    m[1] = (struct pd_span){local("2026-11-25 01:00"), local("2026-11-25 03:00")};

    compute(nov, 0, 0, tl, N(tl), m, N(m), &a);
    EQ_S(a.total_s, 2592000);
    EQ_S(a.maintenance_s, 9000);
    EQ_S(a.unknown_s, 14400);
    EQ_S(a.downtime_s, 6720);
    EQ_S(a.up_s, 2561880);
    NEAR(a.availability_pct, 2585280.0 / 25920);          /* 99.7407 */
    NEAR(a.coverage_pct, 2577600.0 / 25920);              /* 99.4444 */
    NEAR(a.observed_availability_pct, 2561880.0 / 25686); /* 99.7384 */
    assert_int_equal(a.failures, 3);
    NEAR(a.mtbf_h, 2561880.0 / 3 / 3600); /* 237.2111 */
    assert_int_equal(a.ended, 2);
    EQ_S(a.mttr_min, 36);
    assert_int_equal(a.n_outages, 3);
    outage_is(&a.outages[0], tl[1].at, tl[2].at, 60 * MIN, 0, true, true, false);
    outage_is(&a.outages[1], tl[5].at, tl[6].at, 12 * MIN, 0, true, true, false);
    outage_is(&a.outages[2], tl[7].at, tl[8].at, 65 * MIN, 0, true, false, false);
    EQ_S(pd_avail_resolved_within(&a, 30 * MIN), 50);
    EQ_S(pd_avail_resolved_within(&a, 60 * MIN), 100);
    pd_sla_judge(&a, &emergency, &r);
    assert_int_equal(r.availability, PD_SLA_MET);
    assert_int_equal(r.mtbf, PD_SLA_NOT_MET);
    assert_int_equal(r.mttr, PD_SLA_MET);
    assert_int_equal(r.resolved[0], PD_SLA_NOT_MET);
    assert_int_equal(r.resolved[1], PD_SLA_MET);
    assert_int_equal(r.overall, PD_SLA_NOT_MET);
    pd_avail_free(&a);

    /* Made at 2026-12-01 00:10, before C ended: C ongoing, 40 min counted,
     * the figures unchanged. */
    compute(nov, 0, 0, tl, 8, m, N(m), &a);
    outage_is(&a.outages[2], tl[7].at, 0, 40 * MIN, 0, true, false, false);
    EQ_S(a.downtime_s, 6720);
    assert_int_equal(a.failures, 3);
    EQ_S(a.mttr_min, 36);
    pd_avail_free(&a);

    /* A gap of 7 h 12 min is 1 % of the month: coverage exactly 99 %, still
     * judged; one second more and every verdict is unverified. */
    tl[4].at = local("2026-11-12 09:12");
    compute(nov, 0, 0, tl, N(tl), m, N(m), &a);
    EQ_S(a.coverage_pct, 99);
    pd_sla_judge(&a, &emergency, &r);
    assert_int_equal(r.overall, PD_SLA_NOT_MET);
    pd_avail_free(&a);
    tl[4].at += PD_SEC;
    compute(nov, 0, 0, tl, N(tl), m, N(m), &a);
    pd_sla_judge(&a, &emergency, &r);
    assert_int_equal(r.availability, PD_SLA_UNVERIFIED);
    assert_int_equal(r.overall, PD_SLA_UNVERIFIED);
    pd_avail_free(&a);
    tl[4].at = local("2026-11-12 06:00");

    /* December: the third outage ends there and its MTTR is 65 min. */
    compute(month("Asia/Shanghai", "2026-12"), 0, 0, tl, N(tl), m, N(m), &a);
    EQ_S(a.downtime_s, 1500);
    assert_int_equal(a.failures, 0);
    EQ_S(a.mttr_min, 65);
    pd_avail_free(&a);
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outage_crossing_month_end),
        cmocka_unit_test(test_outage_over_at_midnight),
        cmocka_unit_test(test_daemon_gap),
        cmocka_unit_test(test_maintenance_overlap),
        cmocka_unit_test(test_added_and_retired),
        cmocka_unit_test(test_no_failures),
        cmocka_unit_test(test_down_unknown_down),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_shanghai_outage_belongs_to_local_month),
        cmocka_unit_test(test_month_rejects),
        cmocka_unit_test(test_systems),
        cmocka_unit_test(test_resolved_within),
        cmocka_unit_test(test_sla_boundaries),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_worked_example),
    };

    /* The month tests need the tz database (Debian package tzdata). */
    if (pd_time_set_zone("Europe/Berlin", err, sizeof(err)) != 0 ||
        pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0 ||
        pd_time_set_zone("America/Havana", err, sizeof(err)) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
