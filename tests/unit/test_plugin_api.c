/* Plugin-wide services on a real loop: ctx timers fire once, are kept when
 * armed again inside their callback, can be cancelled inside it; ctx
 * watches see their fd; pd_ctx_cancel_all drops what is left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "loop.h"
#include "plugin_ctx.h"

static const struct pd_plugin test_plugin = {.abi = PD_PLUGIN_ABI, .name = "test"};

struct counter {
    int fired;
    int again_until; /* arm again while fired < this */
    int cancel_at;   /* cancel itself (after arming again) at this count */
    pd_timer *self;
};

static void on_timer(pd_plugin_ctx *ctx, void *arg)
{
    (void)ctx;
    struct counter *c = arg;
    c->fired++;
    if (c->fired < c->again_until)
        pd_timer_again(c->self, PD_MSEC);
    if (c->fired == c->cancel_at)
        pd_timer_cancel(c->self);
}

static void stop_loop(void *loop)
{
    pd_loop_break(loop);
}

static void run_for(struct pd_loop *loop, pd_ns span)
{
    pd_ns end = pd_clock_mono() + span;
    struct pd_tmr *t = pd_tmr_new(loop, stop_loop, loop);
    pd_tmr_start(t, span);
    while (pd_clock_mono() < end)
        pd_loop_run(loop);
    pd_tmr_free(t);
}

static void test_ctx_timers(void **state)
{
    (void)state;
    struct pd_loop *loop = pd_loop_default();
    struct pd_plugin_ctx ctx = {.plugin = &test_plugin, .loop = loop};

    struct counter once = {0}, five = {.again_until = 5},
                   cancelled = {.again_until = 100, .cancel_at = 3};
    once.self = pd_ctx_timer_after(&ctx, PD_MSEC, on_timer, &once);
    five.self = pd_ctx_timer_after(&ctx, PD_MSEC, on_timer, &five);
    cancelled.self = pd_ctx_timer_after(&ctx, PD_MSEC, on_timer, &cancelled);
    run_for(loop, 100 * PD_MSEC);
    assert_int_equal(once.fired, 1);
    assert_int_equal(five.fired, 5);
    assert_int_equal(cancelled.fired, 3);
    assert_null(ctx.timers); /* all gone: none leaks (ASan would say) */

    /* Armed again from outside: fires once, after the new delay. */
    struct counter later = {0};
    later.self = pd_ctx_timer_after(&ctx, 10 * PD_SEC, on_timer, &later);
    pd_timer_again(later.self, PD_MSEC);
    run_for(loop, 50 * PD_MSEC);
    assert_int_equal(later.fired, 1);

    /* Pending at the end: dropped by cancel_all. */
    struct counter pending = {0};
    pending.self = pd_ctx_timer_after(&ctx, 10 * PD_SEC, on_timer, &pending);
    assert_non_null(ctx.timers);
    pd_ctx_cancel_all(&ctx);
    assert_null(ctx.timers);
}

static void on_readable(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx;
    char c;
    int *got = arg;
    if ((revents & PD_READ) && read(fd, &c, 1) == 1)
        (*got)++;
}

static void on_any(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx;
    (void)fd;
    *(unsigned *)arg |= revents;
}

static void test_ctx_watch(void **state)
{
    (void)state;
    struct pd_loop *loop = pd_loop_default();
    struct pd_plugin_ctx ctx = {.plugin = &test_plugin, .loop = loop};
    int fds[2], got = 0;
    assert_int_equal(pipe(fds), 0);
    pd_watch *w = pd_ctx_watch_fd(&ctx, fds[0], PD_READ, on_readable, &got);
    assert_non_null(w);
    assert_int_equal(write(fds[1], "ab", 2), 2);
    run_for(loop, 20 * PD_MSEC);
    assert_int_equal(got, 2);
    pd_watch_cancel(w);
    assert_null(ctx.watches);
    assert_int_equal(write(fds[1], "c", 1), 1);
    run_for(loop, 20 * PD_MSEC);
    assert_int_equal(got, 2); /* cancelled: not called again */
    pd_ctx_watch_fd(&ctx, fds[0], PD_READ, on_readable, &got);
    pd_ctx_cancel_all(&ctx);
    assert_null(ctx.watches);
    close(fds[0]);
    close(fds[1]);
}

/* Events changed in place: paused, the data waits; watched again, it is
 * read; a write watch on a pipe's write end fires at once. */
static void test_watch_events(void **state)
{
    (void)state;
    struct pd_loop *loop = pd_loop_default();
    struct pd_plugin_ctx ctx = {.plugin = &test_plugin, .loop = loop};
    int fds[2], got = 0;
    assert_int_equal(pipe(fds), 0);
    pd_watch *w = pd_ctx_watch_fd(&ctx, fds[0], PD_READ, on_readable, &got);
    assert_non_null(w);
    pd_watch_events(w, 0);
    assert_int_equal(write(fds[1], "ab", 2), 2);
    run_for(loop, 20 * PD_MSEC);
    assert_int_equal(got, 0);
    pd_watch_events(w, PD_READ);
    pd_watch_events(w, PD_READ); /* the same again: no change */
    run_for(loop, 20 * PD_MSEC);
    assert_int_equal(got, 2);
    pd_watch_cancel(w);
    pd_watch_events(NULL, PD_READ); /* as curl may after a cancel */

    unsigned seen = 0;
    pd_watch *wr = pd_ctx_watch_fd(&ctx, fds[1], 0, on_any, &seen);
    run_for(loop, 20 * PD_MSEC);
    assert_int_equal(seen, 0);
    pd_watch_events(wr, PD_READ | PD_WRITE);
    run_for(loop, 20 * PD_MSEC);
    assert_true(seen & PD_WRITE);
    pd_ctx_cancel_all(&ctx);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctx_timers),
        cmocka_unit_test(test_ctx_watch),
        cmocka_unit_test(test_watch_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
