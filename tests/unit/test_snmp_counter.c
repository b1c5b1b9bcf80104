/* SNMP counters to rates, and restarts from sysUpTime. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "snmp_counter.h"

#define S(x) ((pd_ns)(x)*PD_SEC)

static double step(struct snmp_counter *c, enum snmp_counter_kind k, uint64_t v, pd_ns at)
{
    return snmp_counter_update(c, k, v, at, SNMP_SAME);
}

static void test_first_sample_and_gauge(void **state)
{
    (void)state;
    struct snmp_counter c = {0};
    assert_true(isnan(step(&c, SNMP_COUNTER64, 1000, S(10))));
    assert_true(c.valid);
    assert_true(step(&c, SNMP_COUNTER64, 2000, S(20)) == 100.0);
    struct snmp_counter g = {0};
    assert_true(step(&g, SNMP_GAUGE, 37, S(10)) == 37.0);
    assert_true(step(&g, SNMP_GAUGE, 12, S(20)) == 12.0);
    /* No time passed: no rate, never a division by zero. */
    assert_true(isnan(step(&c, SNMP_COUNTER64, 3000, S(20))));
}

static void test_counter32_wrap_and_reset(void **state)
{
    (void)state;
    struct snmp_counter c = {0};
    step(&c, SNMP_COUNTER32, 4294967000u, S(0));
    /* Wrapped: 296 to the top, then 704. */
    assert_true(step(&c, SNMP_COUNTER32, 704, S(10)) == 100.0);
    /* Back by a little: as a wrap it would be 4 GB in 10 s; the counters
     * were cleared. */
    step(&c, SNMP_COUNTER32, 1000, S(20));
    assert_true(isnan(step(&c, SNMP_COUNTER32, 5, S(30))));
    assert_true(step(&c, SNMP_COUNTER32, 1005, S(40)) == 100.0);
}

static void test_counter64_and_derive(void **state)
{
    (void)state;
    struct snmp_counter c = {0};
    step(&c, SNMP_COUNTER64, UINT64_C(90000000000000), S(0));
    assert_true(step(&c, SNMP_COUNTER64, UINT64_C(90000125000000), S(1)) == 125000000.0);
    /* 64-bit counters do not wrap in a poll interval: back is a reset. */
    assert_true(isnan(step(&c, SNMP_COUNTER64, 42, S(2))));
    struct snmp_counter d = {0};
    step(&d, SNMP_DERIVE, (uint64_t)(int64_t)50, S(0));
    assert_true(step(&d, SNMP_DERIVE, (uint64_t)(int64_t)-50, S(10)) == -10.0);
}

static void test_counter_after_reboot(void **state)
{
    (void)state;
    struct snmp_counter c = {0};
    step(&c, SNMP_COUNTER64, UINT64_C(5000000000), S(0));
    /* The device restarted: its counter began again at 0. No spike. */
    assert_true(isnan(snmp_counter_update(&c, SNMP_COUNTER64, 800, S(10), SNMP_REBOOT)));
    assert_true(step(&c, SNMP_COUNTER64, 1800, S(20)) == 100.0);
    /* Not even for a 32-bit counter whose new value "fits" a wrap. */
    struct snmp_counter w = {0};
    step(&w, SNMP_COUNTER32, 4000000000u, S(0));
    assert_true(isnan(snmp_counter_update(&w, SNMP_COUNTER32, 10, S(10), SNMP_REBOOT)));
}

static struct snmp_uptime poll_at(pd_ns at, uint32_t ticks)
{
    return (struct snmp_uptime){.at = at, .wall = at + S(1800000000), .ticks = ticks};
}

static void test_uptime_same_and_reboot(void **state)
{
    (void)state;
    pd_ns boot;
    struct snmp_uptime a = poll_at(S(100), 360000); /* up 1 h */
    assert_int_equal(snmp_uptime_compare(NULL, &a, &boot), SNMP_FIRST);
    assert_true(boot == a.wall - S(3600));
    struct snmp_uptime b = poll_at(S(110), 361000);
    assert_int_equal(snmp_uptime_compare(&a, &b, &boot), SNMP_SAME);
    /* Went back to 12 s: restarted 12 s before the answer. */
    struct snmp_uptime c = poll_at(S(120), 1200);
    assert_int_equal(snmp_uptime_compare(&b, &c, &boot), SNMP_REBOOT);
    assert_true(boot == c.wall - S(12));
    /* Polled rarely: up 10 s, then 5 min later up only 4 min. */
    struct snmp_uptime d = poll_at(S(1000), 1000);
    struct snmp_uptime e = poll_at(S(1300), 24000);
    assert_int_equal(snmp_uptime_compare(&d, &e, &boot), SNMP_REBOOT);
    /* A slow answer: the uptime advanced 2 s less than the 10 s that
     * passed, within tolerance. */
    struct snmp_uptime f = poll_at(S(1310), 24800);
    assert_int_equal(snmp_uptime_compare(&e, &f, &boot), SNMP_SAME);
}

static void test_uptime_wrap_is_not_a_reboot(void **state)
{
    (void)state;
    pd_ns boot;
    /* 497 days up: 10 s before the wrap, then 10 s after it. */
    struct snmp_uptime a = poll_at(S(100), (uint32_t)(SNMP_TICKS_WRAP - 1000));
    struct snmp_uptime b = poll_at(S(120), 1000);
    assert_int_equal(snmp_uptime_compare(&a, &b, &boot), SNMP_WRAPPED);
    /* The host's uptime went on: confirmed. */
    a.has_host = b.has_host = true;
    a.host_ticks = 90000000;
    b.host_ticks = 90002000;
    assert_int_equal(snmp_uptime_compare(&a, &b, &boot), SNMP_WRAPPED);
    /* The host's uptime went back too: a real restart that happened to
     * fit. */
    b.host_ticks = 500;
    assert_int_equal(snmp_uptime_compare(&a, &b, &boot), SNMP_REBOOT);
    /* The engine counted a boot: a restart, whatever the uptime says. */
    struct snmp_uptime c = poll_at(S(130), 2000), d = poll_at(S(140), 3000);
    c.has_boots = d.has_boots = true;
    c.boots = 7;
    d.boots = 8;
    assert_int_equal(snmp_uptime_compare(&c, &d, &boot), SNMP_REBOOT);
    /* Back, but not where a wrap would land: a restart. */
    struct snmp_uptime e = poll_at(S(100), (uint32_t)(SNMP_TICKS_WRAP - 1000));
    struct snmp_uptime f = poll_at(S(120), 300000);
    assert_int_equal(snmp_uptime_compare(&e, &f, &boot), SNMP_REBOOT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_sample_and_gauge),
        cmocka_unit_test(test_counter32_wrap_and_reset),
        cmocka_unit_test(test_counter64_and_derive),
        cmocka_unit_test(test_counter_after_reboot),
        cmocka_unit_test(test_uptime_same_and_reboot),
        cmocka_unit_test(test_uptime_wrap_is_not_a_reboot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
