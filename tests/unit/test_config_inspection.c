/* The inspection section of the configuration and the calendar it
 * drives: working days, holidays, make-up days, the daily check's
 * period, quarters. */
#include "config_check.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "timefmt.h"

static int32_t day(const char *text)
{
    int32_t d = 0;
    if (pd_day_parse(text, &d) < 0)
        fail_msg("not a day: %s", text);
    return d;
}

static pd_ns local(const char *text)
{
    pd_ns t;
    char why[256];
    if (pd_time_parse(text, 0, &t, why, sizeof(why)) < 0)
        fail_msg("%s: %s", text, why);
    return t;
}

static void test_days(void **state)
{
    (void)state;
    char buf[PD_DAY_TEXT];
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("2026-10-01") - day("2026-09-30"), 1);
    assert_int_equal(day("2028-03-01") - day("2028-02-28"), 2); /* a leap year */
    assert_int_equal(day("2100-03-01") - day("2100-02-28"), 1); /* not one */
    assert_int_equal(pd_day_weekday(day("2026-10-01")), 4);     /* a Thursday */
    assert_int_equal(pd_day_weekday(day("2026-11-22")), 0);     /* a Sunday */
    assert_string_equal(pd_day_format(day("2026-02-28"), buf, sizeof(buf)), "2026-02-28");
    for (int32_t d = day("1999-12-25"); d < day("2001-01-10"); d++) {
        int y, m, dd;
        pd_day_to_ymd(d, &y, &m, &dd);
        assert_int_equal(pd_day_from_ymd(y, m, dd), d);
    }
    int32_t out;
    static const char *const bad[] = {"2026-02-30",  "2026-13-01", "2026-1-01",  "26-10-01",
                                      "2026-10-01x", "",           "1969-12-31", "2026/10/01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pd_day_parse(bad[i], &out) == 0)
            fail_msg("'%s' parsed", bad[i]);
}

static void test_defaults(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text("# nothing\n", 0);
    const struct pd_inspection_conf *c = &cfg->inspection;
    assert_int_equal(c->daily_minute, 8 * 60 + 30);
    assert_int_equal(c->write_daily, 1);
    assert_int_equal(c->daily_formats, PD_INSPECT_CSV | PD_INSPECT_JSON | PD_INSPECT_HTML);
    assert_true(pd_working_day(c, day("2026-11-20")));  /* Friday */
    assert_false(pd_working_day(c, day("2026-11-21"))); /* Saturday */
    assert_false(pd_working_day(c, day("2026-11-22")));
    assert_true(c->loss_pct == 1);
    assert_int_equal(c->cert_days, 30);
    pd_config_free(cfg);
}

/* China's National Day week of 2026 as a contract's calendar would list
 * it: 1 to 8 October off, the Sunday before and the Saturday after
 * worked instead. */
static const char national_day[] =
    "timezone: Asia/Shanghai\n"
    "inspection:\n"
    "  daily_at: \"09:15\"\n"
    "  working_days: [mon, tue, wed, thu, fri]\n"
    "  holidays: [2026-10-01..2026-10-08, 2027-01-01]\n"
    "  extra_working_days: [2026-09-27, 2026-10-10]\n"
    "  formats: [html, xlsx]\n"
    "  thresholds: { loss_pct: 0.5, latency_ms: 80, jitter_ms: 30, cert_days: 14 }\n";

static void test_national_day(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text(national_day, 0);
    char why[128];
    assert_int_equal(pd_time_set_zone(cfg->timezone, why, sizeof(why)), 0);
    const struct pd_inspection_conf *c = &cfg->inspection;
    assert_int_equal(c->daily_minute, 9 * 60 + 15);
    assert_int_equal(c->n_holidays, 9);
    assert_int_equal(c->daily_formats, PD_INSPECT_HTML | PD_INSPECT_XLSX);
    assert_true(c->latency_ms == 80 && c->jitter_ms == 30 && c->loss_pct == 0.5);
    assert_int_equal(c->cert_days, 14);
    assert_true(pd_working_day(c, day("2026-09-27"))); /* a Sunday worked */
    assert_false(pd_working_day(c, day("2026-10-05")));
    assert_true(pd_working_day(c, day("2026-10-10"))); /* a Saturday worked */
    assert_false(pd_working_day(c, day("2027-01-01")));

    static const struct {
        const char *day, *since, *start, *end;
    } want[] = {
        /* an ordinary Tuesday: the last 24 hours */
        {"2026-11-17", "2026-11-16", "2026-11-16 09:15", "2026-11-17 09:15"},
        /* a Monday: since Friday's check */
        {"2026-11-23", "2026-11-20", "2026-11-20 09:15", "2026-11-23 09:15"},
        /* after the holiday week: since the last working day before it */
        {"2026-10-09", "2026-09-30", "2026-09-30 09:15", "2026-10-09 09:15"},
        /* the Saturday worked, and the Monday after it */
        {"2026-10-10", "2026-10-09", "2026-10-09 09:15", "2026-10-10 09:15"},
        {"2026-10-12", "2026-10-10", "2026-10-10 09:15", "2026-10-12 09:15"},
        /* the Monday after the Sunday worked */
        {"2026-09-28", "2026-09-27", "2026-09-27 09:15", "2026-09-28 09:15"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        pd_ns start, end;
        int32_t since;
        assert_int_equal(pd_daily_period(c, day(want[i].day), &start, &end, &since), 0);
        if (since != day(want[i].since) || start != local(want[i].start) ||
            end != local(want[i].end)) {
            char b[PD_DAY_TEXT], s[PD_TIME_BUFLEN], e[PD_TIME_BUFLEN];
            fail_msg("%s: since %s, %s to %s", want[i].day, pd_day_format(since, b, sizeof(b)),
                     pd_time_format(start, s, sizeof(s)), pd_time_format(end, e, sizeof(e)));
        }
    }

    /* The latest check made by a time: the Saturday worked at 09:15 is,
     * the Sunday after is not a working day. */
    int32_t latest;
    assert_int_equal(pd_daily_latest(c, local("2026-10-11 12:00"), &latest), 0);
    assert_int_equal(latest, day("2026-10-10"));
    assert_int_equal(pd_daily_latest(c, local("2026-10-12 09:14"), &latest), 0);
    assert_int_equal(latest, day("2026-10-10"));
    assert_int_equal(pd_daily_latest(c, local("2026-10-12 09:15"), &latest), 0);
    assert_int_equal(latest, day("2026-10-12"));
    /* The next check: the running period's. */
    int32_t next;
    assert_int_equal(pd_daily_next(c, local("2026-10-11 12:00"), &next), 0);
    assert_int_equal(next, day("2026-10-12"));
    assert_int_equal(pd_daily_next(c, local("2026-10-12 09:14"), &next), 0);
    assert_int_equal(next, day("2026-10-12"));
    assert_int_equal(pd_daily_next(c, local("2026-10-12 09:15"), &next), 0);
    assert_int_equal(next, day("2026-10-13"));
    /* From before the holiday week to the Friday after it. */
    assert_int_equal(pd_daily_next(c, local("2026-09-30 10:00"), &next), 0);
    assert_int_equal(next, day("2026-10-09"));
    pd_config_free(cfg);
}

static void test_quarters(void **state)
{
    (void)state;
    char why[256], canon[8];
    pd_ns start, end;
    assert_int_equal(pd_time_set_zone("Asia/Shanghai", why, sizeof(why)), 0);
    assert_int_equal(pd_quarter_parse("2026Q4", &start, &end, canon, why, sizeof(why)), 0);
    assert_string_equal(canon, "2026Q4");
    assert_int_equal(start, local("2026-10-01 00:00"));
    assert_int_equal(end, local("2027-01-01 00:00"));
    assert_int_equal(pd_quarter_parse("2027-q1", &start, &end, canon, why, sizeof(why)), 0);
    assert_string_equal(canon, "2027Q1");
    assert_int_equal(end, local("2027-04-01 00:00"));
    static const char *const bad[] = {"2026Q5", "2026Q0", "2026", "Q4", "2026Q4x", "26Q4", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pd_quarter_parse(bad[i], &start, &end, canon, why, sizeof(why)) == 0)
            fail_msg("'%s' parsed", bad[i]);
    assert_int_equal(pd_time_set_zone("UTC", why, sizeof(why)), 0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail("inspection:\n  daily_at: \"8:3\"\n",
                "2:13: inspection daily_at: expected a local time as HH:MM");
    expect_fail("inspection:\n  daily_at: \"24:00\"\n", "2:13: inspection daily_at");
    expect_fail("inspection:\n  working_days: [mon, tues]\n",
                "2:23: inspection working_days: expected mon, tue");
    expect_fail("inspection:\n  working_days: []\n", "2:17: inspection working_days: name");
    expect_fail("inspection:\n  holidays: [2026-10-01, 2026-02-30]\n",
                "2:26: inspection holidays: expected a date YYYY-MM-DD");
    expect_fail("inspection:\n  holidays: [2026-10-08..2026-10-01]\n",
                "2:14: inspection holidays: the range '2026-10-08..2026-10-01' must run forwards");
    expect_fail("inspection:\n  holidays: [2026-10-01..2026-10-08, 2026-10-03]\n",
                "2:13: inspection holidays: 2026-10-03 is listed twice");
    expect_fail("inspection:\n  holidays: [2026-10-01]\n  extra_working_days: [2026-10-01]\n",
                "3:23: inspection: 2026-10-01 is both a holiday and an extra working day");
    expect_fail("inspection:\n  formats: [pdf]\n",
                "2:13: inspection formats: expected csv, json, html or xlsx");
    expect_fail("inspection:\n  thresholds: { loss_pct: 101 }\n",
                "2:27: inspection thresholds loss_pct: expected a number from 0");
    expect_fail("inspection:\n  thresholds: { loss: 1 }\n", "2:17: unknown key 'loss'");
    expect_fail("inspection:\n  daily: yes\n", "2:3: unknown key 'daily'");
}

int main(void)
{
    (void)write_text; /* config_check.h's, for tests with more files */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_national_day, setup, teardown),
        cmocka_unit_test(test_quarters),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
