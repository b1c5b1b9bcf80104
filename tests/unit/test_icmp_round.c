/* The icmp plugin's echo bookkeeping: matching, duplicates, late replies,
 * sequence wrap, and the round's figures. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "icmp_round.h"

#define MS(x) ((pd_ns)((x)*1e6))

static struct icmp_round r;
static struct icmp_seq seq;

static int setup(void **state)
{
    (void)state;
    memset(&r, 0, sizeof(r));
    memset(&seq, 0, sizeof(seq));
    return 0;
}

/* Send count echoes 1 s apart from t = 1000 s (wall = mono + 5000 s). */
static void send_all(unsigned count)
{
    icmp_round_begin(&r, &seq, count, MS(500));
    for (unsigned i = 0; i < count; i++) {
        pd_ns t = 1000 * PD_SEC + i * PD_SEC;
        icmp_round_sent(&r, &seq, t, t + 5000 * PD_SEC);
    }
}

static enum icmp_match reply(unsigned i, double rtt_ms)
{
    pd_ns t = 1000 * PD_SEC + i * PD_SEC + MS(rtt_ms);
    return icmp_round_reply(&r, &seq, (uint16_t)(r.seq0 + i), t + MS(0.05), t + 5000 * PD_SEC);
}

static void test_figures(void **state)
{
    (void)state;
    send_all(5);
    assert_int_equal(reply(0, 10), ICMP_MATCH_NEW);
    assert_int_equal(reply(1, 14), ICMP_MATCH_NEW);
    assert_int_equal(reply(3, 12), ICMP_MATCH_NEW);
    assert_int_equal(reply(4, 20), ICMP_MATCH_NEW);
    assert_false(icmp_round_complete(&r)); /* echo 2 still out */
    struct icmp_stats st;
    icmp_round_stats(&r, &st);
    assert_int_equal(st.sent, 5);
    assert_int_equal(st.received, 4);
    assert_float_equal(st.loss_pct, 20, 1e-9);
    assert_float_equal(st.min, 10, 1e-9);
    assert_float_equal(st.max, 20, 1e-9);
    assert_float_equal(st.avg, 14, 1e-9);
    assert_float_equal(st.median, 13, 1e-9); /* (12 + 14) / 2 */
    assert_float_equal(st.stddev, sqrt((16 + 0 + 4 + 36) / 4.0), 1e-9);
    /* In send order 10, 14, 12, 20: |4| + |2| + |8| over 3 pairs. */
    assert_float_equal(st.jitter, 14 / 3.0, 1e-9);
    assert_float_equal(st.sorted[0], 10, 1e-9);
    assert_float_equal(st.sorted[3], 20, 1e-9);
    assert_true(isnan(st.sorted[4]));
}

static void test_nothing_answered(void **state)
{
    (void)state;
    send_all(3);
    struct icmp_stats st;
    icmp_round_stats(&r, &st);
    assert_float_equal(st.loss_pct, 100, 1e-9);
    assert_true(isnan(st.median) && isnan(st.jitter) && isnan(st.sorted[0]));
    icmp_round_begin(&r, &seq, 3, MS(500));
    icmp_round_stats(&r, &st); /* nothing sent: no loss figure at all */
    assert_int_equal(st.sent, 0);
    assert_true(isnan(st.loss_pct));
}

static void test_duplicates_and_late(void **state)
{
    (void)state;
    send_all(3);
    assert_int_equal(reply(0, 5), ICMP_MATCH_NEW);
    assert_int_equal(reply(0, 6), ICMP_MATCH_DUP);
    assert_int_equal(reply(1, 600), ICMP_MATCH_LATE); /* past the 500 ms timeout */
    assert_int_equal(reply(2, 5), ICMP_MATCH_NEW);
    assert_int_equal(r.dup, 1);
    assert_int_equal(r.late, 1);
    assert_int_equal(r.received, 2);
    /* A late reply is lost, not matched: a second, in-time one for the
     * same echo cannot exist, but must not be counted twice either. */
    struct icmp_stats st;
    icmp_round_stats(&r, &st);
    assert_int_equal(st.received, 2);

    /* Replies to the closed round, between rounds, are late; they are
     * reported with the next round. */
    icmp_round_close(&r);
    assert_int_equal(r.late, 0);
    uint16_t old = r.seq0;
    /* A second copy of an answered echo, after the round closed (the
     * first copy may have been the one that completed it): a duplicate. */
    assert_int_equal(icmp_round_reply(&r, &seq, old, 0, 0), ICMP_MATCH_DUP);
    /* The reply to echo 1, which came too late, again: late. */
    assert_int_equal(icmp_round_reply(&r, &seq, (uint16_t)(old + 1), 0, 0), ICMP_MATCH_LATE);
    icmp_round_begin(&r, &seq, 3, MS(500));
    assert_int_equal(r.late, 1);
    assert_int_equal(r.dup, 1);
    assert_int_equal(icmp_round_reply(&r, &seq, (uint16_t)(old + 2), 0, 0), ICMP_MATCH_LATE);
    assert_int_equal(r.late, 2);
}

static void test_never_sent_is_unknown(void **state)
{
    (void)state;
    send_all(2);
    /* Ahead of what was sent, and far behind it. */
    assert_int_equal(icmp_round_reply(&r, &seq, (uint16_t)(r.seq0 + 2), 0, 0), ICMP_MATCH_UNKNOWN);
    assert_int_equal(icmp_round_reply(&r, &seq, (uint16_t)(r.seq0 - 1), 0, 0), ICMP_MATCH_UNKNOWN);
    assert_int_equal(r.late + r.dup + r.received, 0);
}

static void test_sequence_wraps(void **state)
{
    (void)state;
    seq.next = 65534;
    seq.issued = 100;
    send_all(4); /* 65534, 65535, 0, 1 */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(reply(i, 1), ICMP_MATCH_NEW);
    assert_true(icmp_round_complete(&r));
    assert_int_equal(seq.next, 2);
    /* 65533 was sent in an earlier round: late, not unknown. */
    assert_int_equal(icmp_round_reply(&r, &seq, 65533, 0, 0), ICMP_MATCH_LATE);
}

static void test_unreachable(void **state)
{
    (void)state;
    send_all(2);
    assert_true(icmp_round_unreachable(&r, r.seq0));
    assert_false(icmp_round_unreachable(&r, r.seq0)); /* once */
    assert_false(icmp_round_unreachable(&r, (uint16_t)(r.seq0 + 5)));
    assert_false(icmp_round_complete(&r));
    assert_int_equal(reply(1, 3), ICMP_MATCH_NEW);
    assert_true(icmp_round_complete(&r));
    struct icmp_stats st;
    icmp_round_stats(&r, &st);
    assert_float_equal(st.loss_pct, 50, 1e-9);

    /* A send the route refused counts as sent and lost. */
    icmp_round_begin(&r, &seq, 1, MS(500));
    icmp_round_refused(&r, &seq, PD_SEC);
    assert_true(icmp_round_complete(&r));
    icmp_round_stats(&r, &st);
    assert_int_equal(st.sent, 1);
    assert_float_equal(st.loss_pct, 100, 1e-9);
}

static void test_rtt_clock_step(void **state)
{
    (void)state;
    icmp_round_begin(&r, &seq, 2, MS(500));
    icmp_round_sent(&r, &seq, 1000 * PD_SEC, 5000 * PD_SEC);
    icmp_round_sent(&r, &seq, 1001 * PD_SEC, 5001 * PD_SEC);
    /* The wall clock stepped back an hour between send and receive: the
     * monotonic RTT is used. */
    icmp_round_reply(&r, &seq, r.seq0, 1000 * PD_SEC + MS(2), 5000 * PD_SEC - 3600 * PD_SEC);
    /* Kernel stamp slightly before our read: the stamp wins. */
    icmp_round_reply(&r, &seq, (uint16_t)(r.seq0 + 1), 1001 * PD_SEC + MS(3),
                     5001 * PD_SEC + MS(1));
    struct icmp_stats st;
    icmp_round_stats(&r, &st);
    assert_float_equal(st.sorted[0], 1, 1e-9);
    assert_float_equal(st.sorted[1], 2, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_figures, setup),
        cmocka_unit_test_setup(test_nothing_answered, setup),
        cmocka_unit_test_setup(test_duplicates_and_late, setup),
        cmocka_unit_test_setup(test_never_sent_is_unknown, setup),
        cmocka_unit_test_setup(test_sequence_wraps, setup),
        cmocka_unit_test_setup(test_unreachable, setup),
        cmocka_unit_test_setup(test_rtt_clock_step, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
