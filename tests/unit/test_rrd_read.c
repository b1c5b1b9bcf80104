/* Reading series files back (rrd_read.c): files written by the storage's
 * own writer (rrd_store.c), read for a period; rows, their times and the
 * parts of the edge rows inside the period. */
#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "inspect.h"
#include "rrd_read.h"
#include "rrd_store.h"

#define T0   ((pd_ns)1795134600 * PD_SEC) /* 2026-11-20 00:30 UTC: a whole minute */
#define STEP (60 * PD_SEC)

static void test_read_back(void **state)
{
    (void)state;
    char dir[PATH_MAX], err[512] = "";
    struct pd_rrd_store *st = NULL;
    assert_int_equal(test_dir_make(dir), 0);
    if (pd_rrd_open(dir, pd_rra_defaults, pd_n_rra_defaults, &st, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    /* One round a minute for an hour: loss 0 but 10 % in minutes 20 to
     * 29, RTT 1 ms plus a tenth of the minute's number. */
    struct pd_metric m[60][2];
    struct pd_rrd_sample s[60];
    for (int i = 0; i < 60; i++) {
        m[i][0] = (struct pd_metric){"loss_pct", i >= 20 && i < 30 ? 10.0 : 0.0};
        m[i][1] = (struct pd_metric){"rtt_median", 1.0 + i / 10.0};
        s[i] = (struct pd_rrd_sample){T0 + (pd_ns)(i + 1) * STEP, m[i], 2};
    }
    uint64_t errors = 0;
    assert_int_equal(pd_rrd_write(st, "gy-codec-01", "ping", NULL, STEP, s, 60, &errors), 60);
    assert_int_equal(errors, 0);
    pd_rrd_close(st);

    static const char *const ds[] = {"loss_pct", "rtt_median", "jitter"};
    struct pd_rrd_values v;
    if (pd_rrd_fetch(dir, "gy-codec-01", "ping", NULL, "AVERAGE", T0, T0 + 60 * STEP, ds, 3, &v,
                     err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(v.step, STEP);
    assert_int_equal(v.found, 3); /* no jitter in this file */
    assert_true(v.start <= T0);
    /* Row i ends at start + (i + 1) x step and holds the sample of that time. */
    size_t seen = 0;
    for (size_t i = 0; i < v.n_rows; i++) {
        pd_ns at = v.start + (pd_ns)(i + 1) * v.step;
        double rtt = v.v[i * 3 + 1];
        assert_true(isnan(v.v[i * 3 + 2]));
        if (at <= T0 || at > T0 + 60 * STEP) {
            assert_true(pd_rrd_row_overlap(&v, i, T0, T0 + 60 * STEP) == 0 || isnan(rtt));
            continue;
        }
        int k = (int)((at - T0) / STEP) - 1;
        if (fabs(rtt - (1.0 + k / 10.0)) > 1e-9)
            fail_msg("row %zu (minute %d): rtt %g", i, k, rtt);
        seen++;
    }
    assert_int_equal(seen, 60);

    /* The statistics of the period's rows: 10 of 60 minutes at 10 %. */
    double x[200], w[200];
    assert_true(v.n_rows <= 200);
    for (size_t i = 0; i < v.n_rows; i++) {
        x[i] = v.v[i * 3];
        w[i] = pd_rrd_row_overlap(&v, i, T0, T0 + 60 * STEP);
    }
    struct pd_stat loss;
    assert_int_equal(pd_stat_compute(x, w, v.n_rows, &loss), 0);
    assert_int_equal(loss.n, 60);
    assert_true(loss.covered_s == 3600);
    assert_true(fabs(loss.mean - 10.0 / 6) < 1e-9);
    assert_true(loss.p50 == 0 && loss.p95 == 10 && loss.max == 10);
    pd_rrd_values_free(&v);

    /* Half a row at each edge counts half. */
    if (pd_rrd_fetch(dir, "gy-codec-01", "ping", NULL, "AVERAGE", T0 + STEP / 2,
                     T0 + 10 * STEP + STEP / 2, ds, 1, &v, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    double covered = 0;
    for (size_t i = 0; i < v.n_rows; i++)
        covered += pd_rrd_row_overlap(&v, i, T0 + STEP / 2, T0 + 10 * STEP + STEP / 2);
    assert_true(covered == 600);
    pd_rrd_values_free(&v);

    /* No file, no id: said apart. */
    assert_int_equal(pd_rrd_fetch(dir, "gy-codec-02", "ping", NULL, "AVERAGE", T0, T0 + STEP, ds, 1,
                                  &v, err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(pd_rrd_fetch(dir, "../etc", "ping", NULL, "AVERAGE", T0, T0 + STEP, ds, 1, &v,
                                  err, sizeof(err)),
                     -EINVAL);
    test_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
