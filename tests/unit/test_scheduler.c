#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "scheduler.h"

#define N_CHECKS 10000
#define INTERVAL (10 * PD_SEC)

static void test_phase_is_stable_and_in_range(void **unused)
{
    (void)unused;
    pd_ns a = pd_sched_phase("gy-sw-01/ping", INTERVAL);
    assert_int_equal(a, pd_sched_phase("gy-sw-01/ping", INTERVAL));
    assert_true(a >= 0 && a < INTERVAL);
    assert_int_not_equal(a, pd_sched_phase("gy-sw-02/ping", INTERVAL));
}

/* Phases fall on shared slots: interval / 100, between 10 ms and 100 ms. */
static void test_phase_slots(void **unused)
{
    (void)unused;
    static const struct {
        pd_ns interval, step;
    } cases[] = {{10 * PD_SEC, 200 * PD_MSEC},  {300 * PD_SEC, 200 * PD_MSEC},
                 {2 * PD_SEC, 40 * PD_MSEC},    {PD_SEC, 20 * PD_MSEC},
                 {250 * PD_MSEC, 10 * PD_MSEC}, {7 * PD_MSEC, 1}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        pd_ns seen_min = INT64_MAX, seen_max = -1;
        for (int i = 0; i < 2000; i++) {
            char key[32];
            snprintf(key, sizeof(key), "t-%04d/snmp", i);
            pd_ns p = pd_sched_phase(key, cases[c].interval);
            assert_true(p >= 0 && p < cases[c].interval);
            assert_int_equal(p % cases[c].step, 0);
            seen_min = p < seen_min ? p : seen_min;
            seen_max = p > seen_max ? p : seen_max;
        }
        /* Still spread over the whole interval. */
        assert_true(seen_min < cases[c].interval / 10);
        assert_true(seen_max >= cases[c].interval - cases[c].interval / 10);
    }
}

/* 10,000 checks with one interval: no 200 ms bucket of the interval gets
 * more than twice its fair share, and every check fires once per interval. */
static void test_spreading(void **unused)
{
    (void)unused;
    struct pd_sched s;
    pd_sched_init(&s);
    struct pd_sched_item *items = calloc(N_CHECKS, sizeof(*items));
    assert_non_null(items);
    pd_ns start = 1000 * PD_SEC + 123;
    for (int i = 0; i < N_CHECKS; i++) {
        char key[64];
        snprintf(key, sizeof(key), "target-%05d/tcp", i);
        assert_int_equal(
            pd_sched_add(&s, &items[i], start, INTERVAL, pd_sched_phase(key, INTERVAL)), 0);
    }
    enum { BUCKETS = 50 };
    int buckets[BUCKETS] = {0};
    int fired = 0;
    for (pd_ns now = start; now <= start + INTERVAL; now += PD_MSEC) {
        struct pd_sched_item *it;
        uint64_t missed;
        while ((it = pd_sched_pop_due(&s, now, &missed))) {
            assert_int_equal(missed, 0);
            assert_true(it->due > now);
            buckets[(now - start) * BUCKETS / (INTERVAL + PD_MSEC)]++;
            fired++;
        }
    }
    assert_int_equal(fired, N_CHECKS);
    for (int b = 0; b < BUCKETS; b++)
        assert_true(buckets[b] <= 2 * N_CHECKS / BUCKETS);
    pd_sched_free(&s);
    free(items);
}

/* A late loop does not stack rounds: the item moves to its next slot after
 * now and reports the slots it lost. */
static void test_late_loop_skips_not_stacks(void **unused)
{
    (void)unused;
    struct pd_sched s;
    struct pd_sched_item item;
    uint64_t missed;
    pd_sched_init(&s);
    assert_int_equal(pd_sched_add(&s, &item, 0, INTERVAL, 3 * PD_SEC), 0);
    assert_int_equal(item.due, 3 * PD_SEC);
    assert_null(pd_sched_pop_due(&s, 2 * PD_SEC, &missed));
    /* Woken 35 s late: slots 3, 13, 23, 33 passed; one runs, three lost. */
    assert_ptr_equal(pd_sched_pop_due(&s, 36 * PD_SEC, &missed), &item);
    assert_int_equal(missed, 3);
    assert_int_equal(item.due, 43 * PD_SEC);
    assert_null(pd_sched_pop_due(&s, 36 * PD_SEC, &missed));
    pd_sched_free(&s);
}

static void test_remove_keeps_heap_order(void **unused)
{
    (void)unused;
    struct pd_sched s;
    struct pd_sched_item items[50];
    uint64_t missed;
    pd_sched_init(&s);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pd_sched_add(&s, &items[i], 0, 100, (i * 37) % 100), 0);
    for (int i = 0; i < 50; i += 3)
        pd_sched_remove(&s, &items[i]);
    assert_int_equal(s.n, 33);
    pd_ns last = 0;
    struct pd_sched_item *it;
    int n = 0;
    while (n < 33 && (it = pd_sched_pop_due(&s, pd_sched_next(&s), &missed))) {
        assert_true((it - items) % 3 != 0);
        assert_true(it->due - it->interval >= last);
        last = it->due - it->interval;
        n++;
    }
    assert_int_equal(n, 33);
    pd_sched_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_is_stable_and_in_range),
        cmocka_unit_test(test_phase_slots),
        cmocka_unit_test(test_spreading),
        cmocka_unit_test(test_late_loop_skips_not_stacks),
        cmocka_unit_test(test_remove_keeps_heap_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
