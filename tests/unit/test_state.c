#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "state.h"

#define S(x) ((pd_ns)(x)*PD_SEC)

static void feed_expect_none(struct pd_state_machine *sm, pd_ns when, enum pd_verdict v)
{
    struct pd_transition t;
    assert_false(pd_state_feed(sm, when, v, &t));
}

static void test_down_starts_at_first_bad_round(void **unused)
{
    (void)unused;
    struct pd_state_machine sm;
    struct pd_transition t;
    pd_state_init(&sm, 3, 2);
    assert_int_equal(sm.state, PD_STATE_UNKNOWN);

    feed_expect_none(&sm, S(0), PD_OK);
    assert_true(pd_state_feed(&sm, S(10), PD_OK, &t));
    assert_int_equal(t.from, PD_STATE_UNKNOWN);
    assert_int_equal(t.to, PD_STATE_UP);
    assert_int_equal(t.at, S(0));

    feed_expect_none(&sm, S(20), PD_BAD);
    feed_expect_none(&sm, S(30), PD_BAD);
    assert_true(pd_state_feed(&sm, S(40), PD_BAD, &t));
    assert_int_equal(t.from, PD_STATE_UP);
    assert_int_equal(t.to, PD_STATE_DOWN);
    assert_int_equal(t.at, S(20));
    assert_int_equal(sm.since, S(20));
}

static void test_single_lost_round_is_no_outage(void **unused)
{
    (void)unused;
    struct pd_state_machine sm;
    struct pd_transition t;
    pd_state_init(&sm, 3, 2);
    feed_expect_none(&sm, S(0), PD_OK);
    assert_true(pd_state_feed(&sm, S(10), PD_OK, &t));
    /* Bad, bad, good: the run of bad rounds is broken before fail_after. */
    feed_expect_none(&sm, S(20), PD_BAD);
    feed_expect_none(&sm, S(30), PD_BAD);
    feed_expect_none(&sm, S(40), PD_OK);
    feed_expect_none(&sm, S(50), PD_BAD);
    feed_expect_none(&sm, S(60), PD_BAD);
    assert_int_equal(sm.state, PD_STATE_UP);
    assert_true(pd_state_feed(&sm, S(70), PD_BAD, &t));
    assert_int_equal(t.at, S(50));
}

static void test_recovery_needs_recover_after(void **unused)
{
    (void)unused;
    struct pd_state_machine sm;
    struct pd_transition t;
    pd_state_init(&sm, 1, 3);
    assert_true(pd_state_feed(&sm, S(0), PD_BAD, &t));
    assert_int_equal(t.to, PD_STATE_DOWN);
    feed_expect_none(&sm, S(10), PD_OK);
    feed_expect_none(&sm, S(20), PD_OK);
    feed_expect_none(&sm, S(30), PD_BAD); /* flap: recovery starts over */
    feed_expect_none(&sm, S(40), PD_OK);
    feed_expect_none(&sm, S(50), PD_OK);
    assert_true(pd_state_feed(&sm, S(60), PD_OK, &t));
    assert_int_equal(t.from, PD_STATE_DOWN);
    assert_int_equal(t.to, PD_STATE_UP);
    assert_int_equal(t.at, S(40)); /* the outage ends at the first good round */
}

static void test_no_verdict_goes_unknown_not_up(void **unused)
{
    (void)unused;
    struct pd_state_machine sm;
    struct pd_transition t;
    pd_state_init(&sm, 2, 1);
    assert_true(pd_state_feed(&sm, S(0), PD_OK, &t));
    feed_expect_none(&sm, S(10), PD_NO_VERDICT);
    assert_true(pd_state_feed(&sm, S(20), PD_NO_VERDICT, &t));
    assert_int_equal(t.to, PD_STATE_UNKNOWN);
    assert_int_equal(t.at, S(10));
}

static void test_old_rounds_and_force(void **unused)
{
    (void)unused;
    struct pd_state_machine sm;
    struct pd_transition t;
    pd_state_init(&sm, 1, 1);
    assert_true(pd_state_feed(&sm, S(100), PD_OK, &t));
    /* A round older than the current state cannot change it. */
    feed_expect_none(&sm, S(50), PD_BAD);
    assert_int_equal(sm.state, PD_STATE_UP);
    /* Forcing never starts a state before the current one began. */
    assert_true(pd_state_force(&sm, PD_STATE_UNKNOWN, S(90), &t));
    assert_int_equal(t.at, S(100));
    assert_false(pd_state_force(&sm, PD_STATE_UNKNOWN, S(200), &t));
}

static void test_target_state(void **unused)
{
    (void)unused;
    enum pd_state up_up[] = {PD_STATE_UP, PD_STATE_UP};
    enum pd_state up_unknown[] = {PD_STATE_UP, PD_STATE_UNKNOWN};
    enum pd_state unknown_down[] = {PD_STATE_UNKNOWN, PD_STATE_DOWN};
    assert_int_equal(pd_state_of_target(up_up, 2), PD_STATE_UP);
    assert_int_equal(pd_state_of_target(up_unknown, 2), PD_STATE_UNKNOWN);
    assert_int_equal(pd_state_of_target(unknown_down, 2), PD_STATE_DOWN);
    assert_int_equal(pd_state_of_target(NULL, 0), PD_STATE_UNKNOWN);
}

static void test_names(void **unused)
{
    (void)unused;
    enum pd_state s;
    assert_string_equal(pd_state_name(PD_STATE_DOWN), "DOWN");
    assert_int_equal(pd_state_parse("UP", &s), 0);
    assert_int_equal(s, PD_STATE_UP);
    assert_int_equal(pd_state_parse("up", &s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_down_starts_at_first_bad_round),
        cmocka_unit_test(test_single_lost_round_is_no_outage),
        cmocka_unit_test(test_recovery_needs_recover_after),
        cmocka_unit_test(test_no_verdict_goes_unknown_not_up),
        cmocka_unit_test(test_old_rounds_and_force),
        cmocka_unit_test(test_target_state),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
