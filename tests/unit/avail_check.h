/* What the availability tests share: exact comparisons that name the
 * figure and line on failure, and a one-call compute. Include after
 * <cmocka.h>. */
#ifndef PROBED_TEST_AVAIL_CHECK_H
#define PROBED_TEST_AVAIL_CHECK_H

#include <math.h>
#include <stdbool.h>

#include "availability.h"

#define OCT  ((pd_ns)1790812800 * PD_SEC) /* 2026-10-01T00:00:00Z */
#define UP   PD_STATE_UP
#define DOWN PD_STATE_DOWN
#define UNK  PD_STATE_UNKNOWN
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define EQ_S(got, want) check_num((got), (double)(want), 0, #got, __LINE__)
#define NEAR(got, want) check_num((got), (want), 1e-12, #got, __LINE__)
#define IS_NAN(got)     check_num((got), NAN, 0, #got, __LINE__)

static inline void check_num(double got, double want, double rel, const char *what, int line)
{
    if (isnan(want) ? isnan(got) : fabs(got - want) <= rel * fabs(want))
        return;
    fail_msg("line %d: %s = %.17g, expected %.17g", line, what, got, want);
}

static inline void compute(struct pd_span period, pd_ns added, pd_ns retired,
                           const struct pd_avail_point *tl, size_t n, const struct pd_span *m,
                           size_t nm, struct pd_avail *out)
{
    struct pd_avail_input in = {period, added, retired, tl, n, m, nm};

    assert_int_equal(pd_avail_compute(&in, out), 0);
}

static inline void outage_is(const struct pd_outage *o, pd_ns start, pd_ns end, pd_ns counted,
                             pd_ns unobserved, bool begins, bool ends, bool maint_only)
{
    assert_int_equal(o->start, start);
    assert_int_equal(o->end, end);
    assert_int_equal(o->counted, counted);
    assert_int_equal(o->unobserved, unobserved);
    assert_int_equal(o->begins_in_period, begins);
    assert_int_equal(o->ends_in_period, ends);
    assert_int_equal(o->maintenance_only, maint_only);
}

#endif
