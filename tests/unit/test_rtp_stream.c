/*
 * RFC 3550 reception statistics of one stream (rtp_stream.c): sequence
 * space, loss, duplicates, late packets, probation, re-synchronisation,
 * and the interarrival jitter against values worked out by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rtp_stream.h"

#define MS 1000000LL

/* Audio at 8 kHz, 20 ms packets: 160 timestamp units each. */
struct feed {
    struct rtp_stream_stats s;
    int started;
};

static void packet(struct feed *f, uint16_t seq, uint32_t ts, int64_t at)
{
    if (!f->started) {
        rtp_stream_init(&f->s, seq, ts, at, 8000);
        f->started = 1;
    } else {
        rtp_stream_update(&f->s, seq, ts, at);
    }
}

/* Packet i of a regular stream starting at seq0: sequence, timestamp and
 * arrival all in step. */
static void regular(struct feed *f, uint16_t seq0, int i)
{
    packet(f, (uint16_t)(seq0 + i), 1000u + 160u * (uint32_t)i, 1000 * MS + 20 * MS * i);
}

static void test_in_order(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 1000; i++)
        regular(&f, 100, i);
    assert_true(f.s.valid);
    assert_int_equal(f.s.packets, 1000);
    /* Counting starts at the second packet (probation). */
    assert_int_equal(rtp_stream_expected(&f.s), 999);
    assert_int_equal(rtp_stream_lost(&f.s), 0);
    assert_int_equal(rtp_stream_lost_rfc(&f.s), 0);
    assert_int_equal(f.s.duplicates, 0);
    assert_int_equal(f.s.out_of_order, 0);
    assert_true(f.s.jitter < 1e-9);
    assert_int_equal(f.s.max_gap_ns, 20 * MS);
}

static void test_sequence_wrap(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 200; i++)
        regular(&f, 65500, i);
    assert_int_equal(rtp_stream_expected(&f.s), 199);
    assert_int_equal(rtp_stream_lost(&f.s), 0);
    assert_int_equal(f.s.cycles, 65536);
}

static void test_loss_burst(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 500; i++)
        if (i < 100 || i >= 107)
            regular(&f, 65450, i); /* the loss just after the wrap */
    assert_int_equal(rtp_stream_expected(&f.s), 499);
    assert_int_equal(rtp_stream_lost(&f.s), 7);
    assert_int_equal(rtp_stream_lost_rfc(&f.s), 7);
    assert_int_equal(f.s.max_gap_ns, 8 * 20 * MS);
}

static void test_duplicates(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 100; i++) {
        regular(&f, 7, i);
        if (i == 50 || i == 60)
            regular(&f, 7, i); /* the same packet twice */
    }
    regular(&f, 7, 50); /* and once more, much later */
    assert_int_equal(f.s.duplicates, 3);
    assert_int_equal(rtp_stream_lost(&f.s), 0);
    /* RFC 3550's figure counts duplicates as received: -3. */
    assert_int_equal(rtp_stream_lost_rfc(&f.s), -3);
    assert_int_equal(rtp_stream_unique(&f.s), 99);
}

/* A duplicate hides a loss in RFC 3550's figure, not in probed's. */
static void test_duplicate_hides_no_loss(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 100; i++) {
        if (i == 40)
            continue;
        regular(&f, 0, i);
        if (i == 70)
            regular(&f, 0, i);
    }
    assert_int_equal(rtp_stream_lost(&f.s), 1);
    assert_int_equal(rtp_stream_lost_rfc(&f.s), 0);
}

static void test_reordering(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 100; i++) {
        if (i == 30)
            continue;
        regular(&f, 65530, i);
        if (i == 33)
            regular(&f, 65530, 30); /* three places late, across the wrap */
    }
    assert_int_equal(f.s.out_of_order, 1);
    assert_int_equal(f.s.duplicates, 0);
    assert_int_equal(rtp_stream_lost(&f.s), 0);
    assert_int_equal(rtp_stream_expected(&f.s), 99);
}

/* Late by more than the window (100 packets): A.1 takes it for a jump. */
static void test_very_late_is_a_jump(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 300; i++)
        if (i != 10)
            regular(&f, 0, i);
    regular(&f, 0, 10);
    assert_int_equal(f.s.jumps, 1);
    assert_int_equal(rtp_stream_lost(&f.s), 1);
}

static void test_probation(void **unused)
{
    (void)unused;
    struct feed f = {0};
    packet(&f, 100, 0, 0);
    assert_false(f.s.valid);
    packet(&f, 200, 160, 20 * MS); /* not in sequence: probation again */
    assert_false(f.s.valid);
    assert_int_equal(rtp_stream_expected(&f.s), 0);
    packet(&f, 201, 320, 40 * MS);
    assert_true(f.s.valid);
    packet(&f, 203, 640, 80 * MS);
    assert_int_equal(rtp_stream_expected(&f.s), 3); /* 201..203 */
    assert_int_equal(rtp_stream_lost(&f.s), 1);
    assert_int_equal(f.s.packets, 4);
}

/* The sender restarts its numbering: two in sequence after the jump start
 * the count again, and what was counted before stays. */
static void test_resync_keeps_counts(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 100; i++)
        if (i != 50)
            regular(&f, 1000, i);
    assert_int_equal(rtp_stream_lost(&f.s), 1);
    for (int i = 0; i < 50; i++)
        packet(&f, (uint16_t)(30000 + i), 200000u + 160u * (uint32_t)i, 3000 * MS + 20 * MS * i);
    assert_int_equal(f.s.resyncs, 1);
    assert_int_equal(f.s.jumps, 1); /* 30000 itself: not yet known to hold */
    /* 99 before (1001..1099), then 30001..30049. */
    assert_int_equal(rtp_stream_expected(&f.s), 99 + 49);
    assert_int_equal(rtp_stream_lost(&f.s), 1);
}

/* A stray packet far off does not restart the count. */
static void test_stray_packet(void **unused)
{
    (void)unused;
    struct feed f = {0};
    for (int i = 0; i < 100; i++) {
        regular(&f, 0, i);
        if (i == 40)
            packet(&f, 40000, 5, 1000 * MS + 20 * MS * i + MS);
    }
    assert_int_equal(f.s.resyncs, 0);
    assert_int_equal(f.s.jumps, 1);
    assert_int_equal(rtp_stream_lost(&f.s), 0);
    assert_int_equal(rtp_stream_expected(&f.s), 99);
}

/* Transit alternating +1 ms, -1 ms: |D| is 2 ms = 16 units at 8 kHz on
 * every packet after the first, so J_n = 16 (1 - (15/16)^n). */
static void test_jitter_by_hand(void **unused)
{
    (void)unused;
    struct feed f = {0};
    int n = 40;
    for (int i = 0; i <= n; i++)
        packet(&f, (uint16_t)i, 160u * (uint32_t)i, 20 * MS * i + (i % 2 ? MS : -MS));
    double want = 16.0 * (1.0 - pow(15.0 / 16.0, n));
    assert_true(fabs(f.s.jitter - want) < 1e-6);
    assert_true(fabs(rtp_stream_jitter_ms(&f.s) - want / 8.0) < 1e-9);
    assert_true(fabs(f.s.jitter_max - want) < 1e-6);
    assert_int_equal(f.s.jitter_n, n);
}

/* The timestamp wraps at 2^32: a step like any other. */
static void test_timestamp_wrap(void **unused)
{
    (void)unused;
    struct rtp_stream_stats s;
    uint32_t ts0 = 0xffffffffu - 90000u * 2;
    rtp_stream_init(&s, 1, ts0, 0, 90000);
    for (int i = 1; i < 200; i++) /* 25 frames a second at 90 kHz */
        rtp_stream_update(&s, (uint16_t)(1 + i), ts0 + 3600u * (uint32_t)i, 40 * MS * i);
    assert_true(s.jitter < 1e-6);
    assert_true(s.jitter_max < 1e-6);
}

static void test_static_types(void **unused)
{
    (void)unused;
    assert_int_equal(rtp_static_clock_rate(0), 8000);
    assert_int_equal(rtp_static_clock_rate(9), 8000); /* G.722: 8 kHz by RFC 3551's mistake */
    assert_int_equal(rtp_static_clock_rate(34), 90000);
    assert_int_equal(rtp_static_clock_rate(35), 0);
    assert_int_equal(rtp_static_clock_rate(96), 0);
    assert_string_equal(rtp_static_name(8), "PCMA");
    assert_null(rtp_static_name(2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_loss_burst),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_duplicate_hides_no_loss),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_very_late_is_a_jump),
        cmocka_unit_test(test_probation),
        cmocka_unit_test(test_resync_keeps_counts),
        cmocka_unit_test(test_stray_packet),
        cmocka_unit_test(test_jitter_by_hand),
        cmocka_unit_test(test_timestamp_wrap),
        cmocka_unit_test(test_static_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
