#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "timefmt.h"

#define T_2026_10_31_16Z ((pd_ns)1793462400 * PD_SEC) /* 2026-11-01 00:00 +08:00 */
#define T_2026_11_01_00Z ((pd_ns)1793491200 * PD_SEC)
#define HOUR             (3600 * PD_SEC)

static void use_zone(const char *name)
{
    char err[256];

    if (pd_time_set_zone(name, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static pd_ns parse_ok(const char *text, pd_ns now)
{
    char err[256] = "";
    pd_ns t = 0;
    int rc = pd_time_parse(text, now, &t, err, sizeof(err));

    if (rc != 0)
        fail_msg("pd_time_parse(\"%s\") = %d: %s", text, rc, err);
    return t;
}

static void parse_bad(const char *text, const char *want_in_err)
{
    char err[256] = "";
    pd_ns t = 42;

    assert_int_equal(pd_time_parse(text, 0, &t, err, sizeof(err)), -EINVAL);
    assert_int_equal(t, 42);
    if (!strstr(err, want_in_err))
        fail_msg("error for \"%s\" is \"%s\", expected it to mention \"%s\"", text, err,
                 want_in_err);
}

static void test_format_shanghai_month_boundary(void **state)
{
    char buf[PD_TIME_BUFLEN];

    (void)state;
    use_zone("Asia/Shanghai");
    assert_string_equal(pd_time_zone(), "Asia/Shanghai");
    assert_string_equal(pd_time_format(T_2026_10_31_16Z, buf, sizeof(buf)),
                        "2026-11-01 00:00:00 +08:00");
    assert_string_equal(pd_time_format_iso(T_2026_10_31_16Z, buf, sizeof(buf)),
                        "2026-11-01T00:00:00+08:00");
    assert_string_equal(pd_time_format(T_2026_10_31_16Z - 1, buf, sizeof(buf)),
                        "2026-10-31 23:59:59 +08:00");
    assert_string_equal(pd_time_format_local(T_2026_10_31_16Z, buf, sizeof(buf)),
                        "2026-11-01 00:00:00");
    assert_true(pd_time_same_day(T_2026_10_31_16Z, T_2026_10_31_16Z + 24 * HOUR - 1));
    assert_false(pd_time_same_day(T_2026_10_31_16Z, T_2026_10_31_16Z - 1));
}

static void test_format_utc(void **state)
{
    char buf[PD_TIME_BUFLEN];

    (void)state;
    use_zone("UTC");
    assert_string_equal(pd_time_format_iso(T_2026_10_31_16Z, buf, sizeof(buf)),
                        "2026-10-31T16:00:00+00:00");
    /* Before the epoch the second is floored, not rounded towards 1970. */
    assert_string_equal(pd_time_format(-1, buf, sizeof(buf)), "1969-12-31 23:59:59 +00:00");
}

static void test_parse_shanghai(void **state)
{
    (void)state;
    use_zone("Asia/Shanghai");
    assert_int_equal(parse_ok("2026-11-01", 0), T_2026_10_31_16Z);
    assert_int_equal(parse_ok("2026-11-01 00:00", 0), T_2026_10_31_16Z);
    assert_int_equal(parse_ok("2026-11-01 08:00", 0), T_2026_11_01_00Z);
    assert_int_equal(parse_ok("2026-11-01T08:00:00", 0), T_2026_11_01_00Z);
    assert_int_equal(parse_ok("2026-11-01T08:00:00.5", 0), T_2026_11_01_00Z + PD_SEC / 2);
}

static void test_parse_explicit_offsets(void **state)
{
    (void)state;
    /* An explicit offset wins over the zone. */
    use_zone("Asia/Shanghai");
    assert_int_equal(parse_ok("2026-11-01T00:00:00Z", 0), T_2026_11_01_00Z);
    assert_int_equal(parse_ok("2026-11-01 00:00Z", 0), T_2026_11_01_00Z);
    assert_int_equal(parse_ok("2026-11-01T00:00:00+08:00", 0), T_2026_10_31_16Z);
    assert_int_equal(parse_ok("2026-11-01 00:00 +0800", 0), T_2026_10_31_16Z);
    assert_int_equal(parse_ok("2026-11-01+08", 0), T_2026_10_31_16Z);
    assert_int_equal(parse_ok("2026-10-31T19:00:00-05:00", 0), T_2026_11_01_00Z);
    use_zone("UTC");
    assert_int_equal(parse_ok("2026-11-01", 0), T_2026_11_01_00Z);
    assert_int_equal(parse_ok("2026-11-01 00:00:00 +08:00", 0), T_2026_10_31_16Z);
}

static void test_parse_reads_own_output(void **state)
{
    char buf[PD_TIME_BUFLEN];
    pd_ns t = T_2026_10_31_16Z + 12345 * PD_SEC;

    (void)state;
    use_zone("Asia/Shanghai");
    assert_int_equal(parse_ok(pd_time_format(t, buf, sizeof(buf)), 0), t);
    assert_int_equal(parse_ok(pd_time_format_iso(t, buf, sizeof(buf)), 0), t);
}

/* Records exported for re-computation read back to the nanosecond. */
static void test_format_exact(void **state)
{
    static const struct {
        pd_ns frac;
        const char *text;
    } cases[] = {
        {0, "2026-11-01T03:25:45+08:00"},
        {250000000, "2026-11-01T03:25:45.250+08:00"},
        {1000, "2026-11-01T03:25:45.000001+08:00"},
        {999999999, "2026-11-01T03:25:45.999999999+08:00"},
    };
    char buf[PD_TIME_BUFLEN];

    (void)state;
    use_zone("Asia/Shanghai");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_ns t = T_2026_10_31_16Z + 12345 * PD_SEC + cases[i].frac;
        assert_string_equal(pd_time_format_exact(t, buf, sizeof(buf)), cases[i].text);
        assert_int_equal(parse_ok(buf, 0), t);
    }
    /* Before 1970 the fraction still counts forward from the second. */
    assert_string_equal(pd_time_format_exact(-PD_SEC / 4, buf, sizeof(buf)),
                        "1970-01-01T07:59:59.750+08:00");
    assert_int_equal(parse_ok(buf, 0), -PD_SEC / 4);
}

static void test_parse_relative(void **state)
{
    pd_ns now = T_2026_11_01_00Z + 123;

    (void)state;
    assert_int_equal(parse_ok("now", now), now);
    assert_int_equal(parse_ok("-2h", now), now - 2 * HOUR);
    assert_int_equal(parse_ok("-7d", now), now - 7 * 24 * HOUR);
    assert_int_equal(parse_ok("-1h30m", now), now - 90 * 60 * PD_SEC);
    assert_int_equal(parse_ok("-1w2d", now), now - 9 * 24 * HOUR);
    assert_int_equal(parse_ok("+15s", now), now + 15 * PD_SEC);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    use_zone("Asia/Shanghai");
    parse_bad("", "empty");
    parse_bad("yesterday", "expected YYYY-MM-DD");
    parse_bad("2026-11-1", "expected YYYY-MM-DD");
    parse_bad("2026-11-01 8:00", "expected YYYY-MM-DD");
    parse_bad("2026-11-01T", "expected YYYY-MM-DD");
    parse_bad("2026-11-01 08:00 +8", "expected YYYY-MM-DD");
    parse_bad("2026-11-01 08:00 +08:", "expected YYYY-MM-DD");
    parse_bad("2026-11-01 08:00 CST", "expected YYYY-MM-DD");
    parse_bad("2026-02-29", "no such date");
    parse_bad("2026-13-01", "no such date");
    parse_bad("2026-11-01 24:00", "no such date");
    parse_bad("2026-11-01 08:60", "no such date");
    parse_bad("1969-12-31", "year out of range");
    parse_bad("-", "relative");
    parse_bad("-2", "relative");
    parse_bad("-2x", "relative");
    parse_bad("-h", "relative");
    parse_bad("-99999999999999999999d", "too far");
    parse_bad("-40000w", "too far");
    assert_int_equal(parse_ok("2028-02-29", 0) > 0, 1);
}

static void test_parse_dst_edges(void **state)
{
    (void)state;
    use_zone("America/New_York");
    /* 02:30 on the spring-forward night never happened there. */
    parse_bad("2026-03-08 02:30", "does not exist");
    /* 01:30 on the fall-back night happened twice: the first is EDT. */
    assert_int_equal(parse_ok("2026-11-01 01:30", 0), (pd_ns)1793511000 * PD_SEC);
    assert_int_equal(parse_ok("2026-11-01 01:30 -05:00", 0), (pd_ns)1793514600 * PD_SEC);
}

static void test_set_zone_rejects_unknown(void **state)
{
    char err[256] = "";
    char buf[PD_TIME_BUFLEN];

    (void)state;
    use_zone("Asia/Shanghai");
    assert_int_equal(pd_time_set_zone("Mars/Olympus_Mons", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "Mars/Olympus_Mons"));
    assert_int_equal(pd_time_set_zone("../etc/passwd", err, sizeof(err)), -EINVAL);
    assert_int_equal(pd_time_set_zone("", err, sizeof(err)), -EINVAL);
    assert_int_equal(pd_time_set_zone("Asia", err, sizeof(err)), -EINVAL); /* a directory */
    /* The zone in force is unchanged. */
    assert_string_equal(pd_time_zone(), "Asia/Shanghai");
    assert_string_equal(pd_time_format_iso(T_2026_10_31_16Z, buf, sizeof(buf)),
                        "2026-11-01T00:00:00+08:00");
}

static void test_duration_format(void **state)
{
    char buf[PD_TIME_BUFLEN];

    (void)state;
    assert_string_equal(pd_duration_short(0, buf, sizeof(buf)), "0ms");
    assert_string_equal(pd_duration_short(350 * PD_MSEC, buf, sizeof(buf)), "350ms");
    assert_string_equal(pd_duration_short(45 * PD_SEC + 999 * PD_MSEC, buf, sizeof(buf)), "45s");
    assert_string_equal(pd_duration_short(192 * PD_SEC, buf, sizeof(buf)), "3m12s");
    assert_string_equal(pd_duration_short(2 * HOUR + 5 * 60 * PD_SEC, buf, sizeof(buf)), "2h05m");
    assert_string_equal(pd_duration_short(76 * HOUR + 59 * 60 * PD_SEC, buf, sizeof(buf)), "3d04h");
    assert_string_equal(pd_duration_short(-45 * PD_SEC, buf, sizeof(buf)), "-45s");
    assert_string_equal(pd_duration_short(INT64_MIN, buf, sizeof(buf)), "-106751d23h");
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_shanghai_month_boundary),
        cmocka_unit_test(test_format_utc),
        cmocka_unit_test(test_parse_shanghai),
        cmocka_unit_test(test_parse_explicit_offsets),
        cmocka_unit_test(test_parse_reads_own_output),
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_parse_relative),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_dst_edges),
        cmocka_unit_test(test_set_zone_rejects_unknown),
        cmocka_unit_test(test_duration_format),
    };

    /* Zones other than UTC need the tz database (Debian package tzdata). */
    if (pd_time_set_zone("America/New_York", err, sizeof(err)) != 0 ||
        pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
