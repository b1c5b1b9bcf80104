#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "health.h"

/* This cmocka has no assert_double_equal. */
#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static struct pd_health h;

static int setup(void **unused)
{
    (void)unused;
    pd_health_init(&h, 1000 * PD_SEC);
    return 0;
}

static int teardown(void **unused)
{
    (void)unused;
    pd_health_free(&h);
    return 0;
}

/* A value equal to a bound falls in that bound's bucket (le: <=). */
static void test_bucket_edges(void **unused)
{
    (void)unused;
    const struct pd_hist *l = &h.round_lateness;
    assert_true(l->n_bounds > 2 && l->n_bounds <= PD_HIST_MAX_BOUNDS);
    assert_int_equal(pd_hist_bucket(l, 0), 0);
    assert_int_equal(pd_hist_bucket(l, l->bounds[0]), 0);
    assert_int_equal(pd_hist_bucket(l, l->bounds[0] + 1), 1);
    assert_int_equal(pd_hist_bucket(l, l->bounds[1]), 1);
    assert_int_equal(pd_hist_bucket(l, l->bounds[l->n_bounds - 1]), l->n_bounds - 1);
    assert_int_equal(pd_hist_bucket(l, l->bounds[l->n_bounds - 1] + 1), l->n_bounds);
    assert_int_equal(pd_hist_bucket(l, INT64_MAX), l->n_bounds);
    for (size_t i = 1; i < l->n_bounds; i++)
        assert_true(l->bounds[i] > l->bounds[i - 1]);
}

static void test_observe_sum_max(void **unused)
{
    (void)unused;
    struct pd_hist *w = &h.write_time;
    pd_hist_observe(w, 3 * PD_MSEC);
    pd_hist_observe(w, -5); /* counted as 0 */
    pd_hist_observe(w, 2 * PD_SEC);
    uint64_t total = 0;
    for (size_t i = 0; i <= w->n_bounds; i++)
        total += atomic_load(&w->counts[i]);
    assert_int_equal(total, 3);
    assert_int_equal(atomic_load(&w->counts[0]), 1);
    assert_int_equal(atomic_load(&w->sum_ns), 3 * PD_MSEC + 2 * PD_SEC);
    assert_int_equal(atomic_load(&w->max_ns), 2 * PD_SEC);
}

static void test_counters(void **unused)
{
    (void)unused;
    struct pd_counter *a = pd_health_counter(&h, "icmp", "echoes_sent", "Sent.");
    assert_non_null(a);
    assert_ptr_equal(a, pd_health_counter(&h, "icmp", "echoes_sent", "again"));
    assert_ptr_not_equal(a, pd_health_counter(&h, "snmp", "echoes_sent", NULL));
    assert_null(pd_health_counter(&h, "icmp", "Echoes", NULL));
    assert_null(pd_health_counter(&h, "icmp", "", NULL));
    assert_null(pd_health_counter(&h, "ic-mp", "x", NULL));
    pd_health_add(&a->value, 41);
    pd_health_add(&a->value, 1);
    assert_int_equal(atomic_load(&a->value), 42);
}

/* Count lines "name value" of the text; the value of the last one. */
static double sample(const char *text, const char *name)
{
    double v = -1;
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            v = strtod(p + n + 1, NULL);
    return v;
}

static void test_prometheus_text(void **unused)
{
    (void)unused;
    pd_health_add(&h.rounds_started, 7);
    pd_health_set(&h.queue_capacity, 4096);
    pd_hist_observe(&h.round_lateness, 0);
    pd_hist_observe(&h.round_lateness, 3 * PD_MSEC);
    pd_hist_observe(&h.round_lateness, 60 * PD_SEC); /* past every bound */
    struct pd_counter *c = pd_health_counter(&h, "icmp", "echoes_sent", "Sent.");
    pd_health_add(&c->value, 5);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pd_health_write_prometheus(&h, f, 1010 * PD_SEC);
    fclose(f);
    assert_near(sample(buf, "probed_rounds_started_total"), 7);
    assert_near(sample(buf, "probed_storage_queue_capacity_samples"), 4096);
    assert_near(sample(buf, "probed_uptime_seconds"), 10);
    assert_near(sample(buf, "probed_icmp_echoes_sent_total"), 5);
    assert_near(sample(buf, "probed_round_start_lateness_seconds_count"), 3);
    assert_near(sample(buf, "probed_round_start_lateness_seconds_bucket{le=\"0.0001\"}"), 1);
    assert_near(sample(buf, "probed_round_start_lateness_seconds_bucket{le=\"0.005\"}"), 2);
    assert_near(sample(buf, "probed_round_start_lateness_seconds_bucket{le=\"+Inf\"}"), 3);
    assert_near(sample(buf, "probed_round_start_lateness_max_seconds"), 60);
    assert_non_null(strstr(buf, "# TYPE probed_rounds_started_total counter\n"));
    assert_non_null(strstr(buf, "# TYPE probed_round_start_lateness_seconds histogram\n"));
    assert_non_null(strstr(buf, "probed_build_info{version=\"" PROBED_VERSION "\""));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bucket_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observe_sum_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus_text, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
