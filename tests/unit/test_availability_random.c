/* The availability figures against a second, deliberately naive reading:
 * random second-aligned timelines (and systems) sampled second by second.
 * The hand-worked cases are in test_availability.c. */
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

/* The property tests: random second-aligned timelines against a naive
 * reading that samples every second. Times below are in seconds from OCT. */
#define SPAN_LO (-3 * 3600L)
#define SPAN_HI (8 * 3600L)

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static long rnd_in(uint64_t *s, long lo, long hi)
{
    return lo + (long)(rnd(s) % (uint64_t)(hi - lo + 1));
}

static pd_ns ns(long sec)
{
    return OCT + sec * PD_SEC;
}

/* Mostly on a 10 min grid, so that points, maintenance edges and the
 * period's bounds often meet; else any second. */
static long rnd_time(uint64_t *s, long lo, long hi)
{
    return rnd_in(s, 0, 4) ? rnd_in(s, lo / 600, hi / 600) * 600 : rnd_in(s, lo, hi);
}

static int point_cmp(const void *a, const void *b)
{
    const struct pd_avail_point *x = a, *y = b;

    return (x->at > y->at) - (x->at < y->at);
}

/* Up to max points in [-2 h, 6 h]. */
static size_t random_timeline(uint64_t *seed, struct pd_avail_point *tl, size_t max)
{
    static const enum pd_state st[] = {UP, UP, DOWN, DOWN, UNK};
    size_t n = (size_t)rnd_in(seed, 0, (long)max);

    for (size_t i = 0; i < n; i++) {
        tl[i] = (struct pd_avail_point){ns(rnd_time(seed, -7200, 21600)), st[rnd(seed) % N(st)]};
    }
    qsort(tl, n, sizeof(*tl), point_cmp);
    return n;
}

static size_t random_windows(uint64_t *seed, struct pd_span *m, size_t max)
{
    size_t n = (size_t)rnd_in(seed, 0, (long)max);

    for (size_t i = 0; i < n; i++) {
        long start = rnd_time(seed, -7200, 21600);

        m[i] = (struct pd_span){ns(start), ns(start + rnd_time(seed, 0, 5400))};
    }
    return n;
}

static enum pd_state naive_state(const struct pd_avail_point *tl, size_t n, long s)
{
    enum pd_state st = UNK;

    for (size_t i = 0; i < n && tl[i].at <= ns(s); i++)
        st = tl[i].state;
    return st;
}

static bool naive_in(const struct pd_span *m, size_t n, long s)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].start <= ns(s) && ns(s) < m[i].end)
            return true;
    return false;
}

struct naive_outage {
    long start, end, counted, unobserved;
    bool ongoing, begins, ends, maint_only;
};

static void naive_close(struct naive_outage *o, size_t *n, long is, long ie, bool ongoing,
                        long start, long end, long counted, long unobserved)
{
    if (is >= ie || start >= ie || (!ongoing && end <= is))
        return;
    assert_true(*n < 64);
    o[*n] = (struct naive_outage){
        .start = start,
        .end = end,
        .counted = counted,
        .unobserved = unobserved,
        .ongoing = ongoing,
        .begins = start >= is,
        .ends = !ongoing && end > is && end <= ie,
        .maint_only = counted == 0,
    };
    (*n)++;
}

static void check_one_random_case(uint64_t *seed)
{
    struct pd_avail_point tl[30];
    struct pd_span m[4];
    size_t n = random_timeline(seed, tl, N(tl)), nm = random_windows(seed, m, N(m));
    long p0 = rnd_time(seed, -3600, 7200), p1 = p0 + 1 + rnd_time(seed, 0, 4 * 3600);
    long added = rnd_in(seed, 0, 1) ? rnd_time(seed, -7200, 21600) : 0;
    long retired = rnd_in(seed, 0, 1) ? rnd_time(seed, -7200, 21600) : 0;
    long is = added && added > p0 ? added : p0, ie = retired && retired < p1 ? retired : p1;
    long total = 0, maint = 0, unknown = 0, down = 0, ended_sum = 0, limit;
    long start = 0, last = 0, counted = 0, counted_clip = 0, unobs = 0, unobs_clip = 0;
    long gap = 0, gap_clip = 0;
    unsigned failures = 0, ended = 0, within = 0;
    struct naive_outage o[64];
    size_t no = 0;
    bool open = false;
    enum pd_state st = UNK;
    struct pd_avail a;

    ie = ie < is ? is : ie;
    for (long s = SPAN_LO; s < SPAN_HI; s++) {
        bool mt = naive_in(m, nm, s);

        st = naive_state(tl, n, s);
        if (s >= is && s < ie) {
            total++;
            maint += mt;
            unknown += !mt && st == UNK;
            down += !mt && st == DOWN;
        }
        if (st == DOWN) {
            if (!open) {
                open = true;
                start = s;
                counted = counted_clip = unobs = unobs_clip = 0;
            }
            unobs += gap;
            unobs_clip += gap_clip;
            gap = gap_clip = 0;
            counted += !mt;
            counted_clip += !mt && s < ie;
            last = s;
        } else if (st == UNK && open) {
            gap++;
            gap_clip += s < ie;
        } else if (st == UP && open) {
            naive_close(o, &no, is, ie, false, start, last + 1, counted, unobs);
            open = false;
            gap = gap_clip = 0;
        }
    }
    if (open && st == DOWN)
        naive_close(o, &no, is, ie, true, start, 0, counted_clip, unobs_clip);
    else if (open)
        naive_close(o, &no, is, ie, false, start, last + 1, counted, unobs);

    compute((struct pd_span){ns(p0), ns(p1)}, added ? ns(added) : 0, retired ? ns(retired) : 0, tl,
            n, m, nm, &a);
    EQ_S(a.total_s, total);
    EQ_S(a.maintenance_s, maint);
    EQ_S(a.unknown_s, unknown);
    EQ_S(a.downtime_s, down);
    EQ_S(a.up_s, total - maint - unknown - down);
    assert_int_equal(a.n_outages, no);
    limit = rnd_in(seed, 0, 3600);
    for (size_t i = 0; i < no; i++) {
        const struct pd_outage *f = &a.outages[i];

        outage_is(f, ns(o[i].start), o[i].ongoing ? 0 : ns(o[i].end), o[i].counted * PD_SEC,
                  o[i].unobserved * PD_SEC, o[i].begins, o[i].ends, o[i].maint_only);
        failures += o[i].begins && !o[i].maint_only;
        if (o[i].ends && !o[i].maint_only) {
            ended++;
            ended_sum += o[i].counted;
            within += o[i].counted <= limit;
        }
    }
    assert_int_equal(a.failures, failures);
    assert_int_equal(a.ended, ended);
    NEAR(a.mtbf_h, failures ? (double)(total - maint - unknown - down) / failures / 3600 : NAN);
    NEAR(a.mttr_min, ended ? (double)ended_sum / ended / 60 : NAN);
    NEAR(pd_avail_resolved_within(&a, limit * PD_SEC), ended ? 100.0 * within / ended : NAN);
    pd_avail_free(&a);
}

static void test_random_against_sampling(void **state)
{
    uint64_t seed = 20261001;

    (void)state;
    for (int i = 0; i < 500; i++)
        check_one_random_case(&seed);
}

static void test_random_systems_against_sampling(void **state)
{
    uint64_t seed = 4;

    (void)state;
    for (int c = 0; c < 200; c++) {
        struct pd_avail_point tl[5][20], *sys;
        struct pd_span m[5][3];
        struct pd_system_member mem[5];
        size_t n = (size_t)rnd_in(&seed, 1, 5), n_sys, j = 0;
        pd_ns first = INT64_MAX;
        enum pd_system_rule rule = (enum pd_system_rule)rnd_in(&seed, 0, 2);
        unsigned k = (unsigned)rnd_in(&seed, 1, (long)n);
        unsigned need = rule == PD_SYSTEM_ALL ? (unsigned)n : rule == PD_SYSTEM_ANY ? 1 : k;

        for (size_t i = 0; i < n; i++) {
            mem[i].timeline = tl[i];
            mem[i].n_timeline = random_timeline(&seed, tl[i], N(tl[i]));
            mem[i].maintenance = m[i];
            mem[i].n_maintenance = random_windows(&seed, m[i], N(m[i]));
            if (mem[i].n_timeline && tl[i][0].at < first)
                first = tl[i][0].at;
            for (size_t w = 0; w < mem[i].n_maintenance; w++)
                if (m[i][w].start < m[i][w].end && m[i][w].start < first)
                    first = m[i][w].start;
        }
        assert_int_equal(pd_system_timeline(mem, n, rule, k, &sys, &n_sys), 0);
        /* The first point is at the first change of any member. */
        assert_int_equal(n_sys ? sys[0].at : INT64_MAX, first);
        for (size_t i = 1; i < n_sys; i++) {
            assert_true(sys[i].at > sys[i - 1].at);
            assert_int_not_equal(sys[i].state, sys[i - 1].state);
        }
        for (long s = SPAN_LO; s < SPAN_HI; s++) {
            unsigned u = 0, x = 0;
            enum pd_state want;

            for (size_t i = 0; i < n; i++) {
                enum pd_state st = naive_in(m[i], mem[i].n_maintenance, s)
                                       ? UP
                                       : naive_state(tl[i], mem[i].n_timeline, s);

                u += st == UP;
                x += st == UNK;
            }
            want = u >= need ? UP : u + x < need ? DOWN : UNK;
            while (j < n_sys && sys[j].at <= ns(s))
                j++;
            if (want != (j ? sys[j - 1].state : UNK))
                fail_msg("case %d, second %ld: system %d, sampled %d", c, s,
                         j ? (int)sys[j - 1].state : 0, (int)want);
        }
        free(sys);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_sampling),
        cmocka_unit_test(test_random_systems_against_sampling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
