/*
 * The alert engine on synthetic timelines: a problem once per outage and
 * its recovery with the outage's length, nothing for UNKNOWN alone, one
 * message for a hundred devices, routes, maintenance that mutes and then
 * lets an outage through, flapping, reminders, systems, restarts (seed)
 * and the cursor. No clock: every time is given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert_engine.h"

#define S   PD_SEC
#define MIN (60 * S)
#define T0  ((pd_ns)1795000000 * S)
#define N_T 101

static struct pd_check_conf checks[] = {{.id = "ping", .type = "icmp", .availability = 1},
                                        {.id = "media", .type = "rtp"}};
static struct pd_template tmpl = {
    .name = "codec", .severity = "emergency", .checks = checks, .n_checks = 2};
static struct pd_target_conf targets[N_T];
static char ids[N_T][16], names[N_T][32];
static char *hook_routes[] = {"hook"}, *mail_routes[] = {"mail"}, *guizhou[] = {"guizhou"};
static struct pd_channel_conf channels[] = {{.id = "hook", .type = PD_CHANNEL_WEBHOOK},
                                            {.id = "mail", .type = PD_CHANNEL_EMAIL}};
static struct pd_route_conf routes[] = {
    {.id = "all", .channels = hook_routes, .n_channels = 1, .recoveries = 1},
    {.id = "gz-mail",
     .sites = guizhou,
     .n_sites = 1,
     .channels = mail_routes,
     .n_channels = 1,
     .recoveries = 0},
};
static char *video_members[] = {"t000", "t001"};
static struct pd_system_conf systems[] = {
    {.id = "video", .name = "视频会议系统", .rule = 0, .members = video_members, .n_members = 2}};
static struct pd_config cfg;

/* What the engine emitted, as text per message: "channel routes kind n
 * item-kind:id ...". */
static char out[64][4096];
static size_t n_out;
static char first_check[64], first_reason[160]; /* the last message's first item's */

static int emit(const struct pd_alert_out *o, void *arg)
{
    (void)arg;
    assert_true(n_out < 64);
    char *p = out[n_out++];
    size_t left = sizeof(out[0]);
    int n = snprintf(p, left, "%s %s %s %zu", o->channel->id, o->routes, o->kind, o->msg.n_items);
    snprintf(first_check, sizeof(first_check), "%s", o->msg.items[0].check);
    snprintf(first_reason, sizeof(first_reason), "%s", o->msg.items[0].reason);
    for (size_t i = 0; i < o->msg.n_items && (size_t)n < left; i++) {
        const struct pd_alert_item *it = &o->msg.items[i];
        n += snprintf(p + n, left - (size_t)n, " %s:%s", pd_alert_kind_name(it->kind), it->id);
        if (it->kind == PD_ALERT_RECOVERY || it->kind == PD_ALERT_REMINDER)
            n += snprintf(p + n, left - (size_t)n, "/%llds", (long long)(it->duration / S));
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N_T; i++) {
        snprintf(ids[i], sizeof(ids[i]), i < 100 ? "t%03d" : "x%03d", i);
        snprintf(names[i], sizeof(names[i]), "会议终端%03d", i);
        targets[i] = (struct pd_target_conf){.id = ids[i],
                                             .name = names[i],
                                             .type = "codec",
                                             .site = i < 100 ? "guizhou/guiyang" : "yunnan/km",
                                             .tmpl = &tmpl};
    }
    cfg = (struct pd_config){
        .targets = targets,
        .n_targets = N_T,
        .systems = systems,
        .n_systems = 1,
        .sla_default_severity = "general",
        .alerts = {.group_wait = 10 * S,
                   .remind_every = 60 * MIN,
                   .flap_window = 10 * MIN,
                   .flap_changes = 6,
                   .retry_min = 5 * S,
                   .retry_max = 5 * MIN,
                   .expire = 24 * 60 * MIN,
                   .channels = channels,
                   .n_channels = 2,
                   .routes = routes,
                   .n_routes = 2},
    };
    n_out = 0;
    return 0;
}

static int64_t next_id;

static void change(struct pd_alert_engine *e, const char *target, const char *check,
                   enum pd_state from, enum pd_state to, pd_ns at)
{
    struct pd_alert_change c = {++next_id, target, check, from, to, at, "100% loss"};
    assert_int_equal(pd_alert_engine_change(e, &c, at), 0);
}

static void tick(struct pd_alert_engine *e, pd_ns now)
{
    assert_true(pd_alert_engine_tick(e, now, emit, NULL) >= 0);
    pd_alert_engine_sent(e, true);
}

static struct pd_alert_engine *engine(void)
{
    struct pd_alert_engine *e;
    assert_int_equal(pd_alert_engine_new(&cfg, &e), 0);
    pd_alert_engine_seeded(e);
    n_out = 0;
    return e;
}

static void problem_then_recovery(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 9 * S);
    assert_int_equal(n_out, 0); /* the group waits 10 s */
    assert_true(pd_alert_engine_cursor(e) < next_id);
    tick(e, T0 + 10 * S);
    assert_int_equal(n_out, 1);
    assert_string_equal(out[0], "hook all problem 1 problem:x100");
    assert_int_equal(pd_alert_engine_cursor(e), next_id);
    change(e, "x100", "", PD_STATE_DOWN, PD_STATE_UP, T0 + 5 * MIN);
    tick(e, T0 + 5 * MIN + 10 * S);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], "hook all recovery 1 recovery:x100/300s");
    pd_alert_engine_free(e);
}

static void unknown_alone_says_nothing(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0);
    change(e, "x100", "", PD_STATE_UP, PD_STATE_UNKNOWN, T0 + MIN);
    change(e, "x100", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 2 * MIN);
    tick(e, T0 + 3 * MIN);
    assert_int_equal(n_out, 0);
    /* An outage across a restart (DOWN, UNKNOWN, DOWN) is one outage. */
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 4 * MIN);
    tick(e, T0 + 5 * MIN);
    change(e, "x100", "", PD_STATE_DOWN, PD_STATE_UNKNOWN, T0 + 6 * MIN);
    change(e, "x100", "", PD_STATE_UNKNOWN, PD_STATE_DOWN, T0 + 8 * MIN);
    tick(e, T0 + 9 * MIN);
    change(e, "x100", "", PD_STATE_DOWN, PD_STATE_UP, T0 + 14 * MIN);
    tick(e, T0 + 15 * MIN);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[0], "hook all problem 1 problem:x100");
    assert_string_equal(out[1], "hook all recovery 1 recovery:x100/600s");
    pd_alert_engine_free(e);
}

/* A site loses its uplink: 100 devices in 3 s, one message per channel;
 * the mail route (guizhou) takes them too but not their recoveries. The
 * system of t000 and t001 goes down with them. */
static void hundred_devices_one_message(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    for (int i = 0; i < 100; i++)
        change(e, ids[i], "", PD_STATE_UNKNOWN, PD_STATE_UP, T0);
    for (int i = 0; i < 100; i++)
        change(e, ids[i], "", PD_STATE_UP, PD_STATE_DOWN, T0 + MIN + i * 30 * 1000000LL);
    tick(e, T0 + MIN + 10 * S);
    assert_int_equal(n_out, 2);
    assert_non_null(strstr(out[0], "hook all problem 101 problem:t000 "));
    assert_non_null(strstr(out[0], " problem:video"));
    assert_non_null(strstr(out[1], "mail gz-mail problem 100 problem:t000 "));
    assert_null(strstr(out[1], "video")); /* a system has no site */
    for (int i = 0; i < 100; i++)
        change(e, ids[i], "", PD_STATE_DOWN, PD_STATE_UP, T0 + 3 * MIN);
    tick(e, T0 + 3 * MIN + 10 * S);
    assert_int_equal(n_out, 3); /* no recovery by mail */
    assert_non_null(strstr(out[2], "hook all recovery 101 recovery:t000/120s"));
    pd_alert_engine_free(e);
}

static void maintenance_mutes_then_lets_through(void **state)
{
    (void)state;
    struct pd_maint_conf window = {
        .start = T0, .end = T0 + 30 * MIN, .scope = PD_MAINT_CONF_SITE, .what = "yunnan"};
    cfg.maintenance = &window;
    cfg.n_maintenance = 1;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0 + MIN);
    tick(e, T0 + 2 * MIN);
    tick(e, T0 + 29 * MIN);
    assert_int_equal(n_out, 0);
    struct pd_alert_engine_stats st;
    pd_alert_engine_stats(e, &st);
    assert_int_equal(st.muted, 1);
    /* Still down when the window ends: said then, since its start. */
    tick(e, T0 + 30 * MIN);
    tick(e, T0 + 30 * MIN + 10 * S);
    assert_int_equal(n_out, 1);
    assert_string_equal(out[0], "hook all problem 1 problem:x100");
    change(e, "x100", "", PD_STATE_DOWN, PD_STATE_UP, T0 + 31 * MIN);
    tick(e, T0 + 32 * MIN);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], "hook all recovery 1 recovery:x100/1800s");
    /* A blip inside a window: nothing at all, not even a recovery. */
    window.start = T0 + 40 * MIN;
    window.end = T0 + 60 * MIN;
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 41 * MIN);
    change(e, "x100", "", PD_STATE_DOWN, PD_STATE_UP, T0 + 45 * MIN);
    tick(e, T0 + 61 * MIN);
    assert_int_equal(n_out, 2);
    cfg.maintenance = NULL;
    cfg.n_maintenance = 0;
    pd_alert_engine_free(e);
}

static void flapping_said_once_then_settles(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0);
    pd_ns t = T0;
    /* Down and up every minute: problem, recovery, then flapping at the
     * sixth change. */
    for (int i = 0; i < 8; i++) {
        t += MIN;
        change(e, "x100", "", i % 2 ? PD_STATE_DOWN : PD_STATE_UP,
               i % 2 ? PD_STATE_UP : PD_STATE_DOWN, t);
        tick(e, t + 10 * S);
    }
    assert_int_equal(n_out, 6);
    assert_string_equal(out[4], "hook all problem 1 problem:x100");
    assert_string_equal(out[5], "hook all flapping 1 flapping:x100");
    struct pd_alert_engine_stats st;
    pd_alert_engine_stats(e, &st);
    assert_int_equal(st.suppressed_flapping, 2);
    /* Quiet for 10 min, UP: the problem said before it flapped recovers. */
    tick(e, t + 9 * MIN);
    assert_int_equal(n_out, 6);
    tick(e, t + 10 * MIN);
    tick(e, t + 10 * MIN + 10 * S);
    assert_int_equal(n_out, 7);
    assert_string_equal(out[6], "hook all recovery 1 recovery:x100/60s");
    pd_alert_engine_free(e);
}

static void reminders(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 10 * S);
    tick(e, T0 + 59 * MIN);
    assert_int_equal(n_out, 1);
    tick(e, T0 + 60 * MIN);
    tick(e, T0 + 60 * MIN + 10 * S);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], "hook all reminder 1 reminder:x100/3600s");
    tick(e, T0 + 119 * MIN);
    assert_int_equal(n_out, 2);
    tick(e, T0 + 120 * MIN);
    tick(e, T0 + 120 * MIN + 10 * S);
    assert_int_equal(n_out, 3);
    pd_alert_engine_free(e);
}

/* After a restart the engine is seeded from the store: an outage open at
 * the cursor was said; its recovery is said now. */
static void seeded_outage_recovers(void **state)
{
    (void)state;
    struct pd_alert_engine *e;
    assert_int_equal(pd_alert_engine_new(&cfg, &e), 0);
    struct pd_alert_change c = {1, "x100", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0, ""};
    assert_int_equal(pd_alert_engine_seed(e, &c), 0);
    c = (struct pd_alert_change){2, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0 + MIN, "down"};
    assert_int_equal(pd_alert_engine_seed(e, &c), 0);
    c = (struct pd_alert_change){
        3, "x100", "", PD_STATE_DOWN, PD_STATE_UNKNOWN, T0 + 2 * MIN, "daemon stopped"};
    assert_int_equal(pd_alert_engine_seed(e, &c), 0);
    pd_alert_engine_seeded(e);
    n_out = 0;
    next_id = 3;
    change(e, "x100", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 5 * MIN);
    tick(e, T0 + 6 * MIN);
    assert_int_equal(n_out, 1);
    assert_string_equal(out[0], "hook all recovery 1 recovery:x100/240s");
    assert_non_null(strstr(first_reason, "not observed for part of the outage"));
    pd_alert_engine_free(e);
}

static void media_checks_only(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "ping", PD_STATE_UP, PD_STATE_DOWN, T0); /* speaks through its target */
    change(e, "x100", "media", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 10 * S);
    assert_int_equal(n_out, 1);
    assert_string_equal(out[0], "hook all problem 1 problem:x100");
    assert_string_equal(first_check, "media");
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 20 * S);
    tick(e, T0 + 30 * S);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], "hook all problem 1 problem:x100");
    assert_string_equal(first_check, "ping"); /* the availability check that failed */
    assert_int_equal(pd_alert_engine_cursor(e), next_id);
    pd_alert_engine_free(e);
}

/* The caller could not store the group (its commit failed): the engine
 * keeps it, the cursor stays before it, and the next tick emits the same
 * messages again. */
static void unstored_group_emitted_again(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    int64_t before = next_id - 1;
    assert_int_equal(pd_alert_engine_tick(e, T0 + 10 * S, emit, NULL), 1);
    assert_int_equal(pd_alert_engine_cursor(e), next_id); /* what the commit would store */
    pd_alert_engine_sent(e, false);
    assert_int_equal(pd_alert_engine_cursor(e), before);
    tick(e, T0 + 11 * S);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], out[0]);
    assert_int_equal(pd_alert_engine_cursor(e), next_id);
    tick(e, T0 + 20 * S);
    assert_int_equal(n_out, 2);
    struct pd_alert_engine_stats st;
    pd_alert_engine_stats(e, &st);
    assert_int_equal(st.messages, 1);
    pd_alert_engine_free(e);
}

/* A site whose devices go down one after the other (probed at different
 * moments of a 60 s interval): the first message after group_wait, the
 * rest together group_interval after it, not one message each. */
static void group_interval_gathers_followers(void **state)
{
    (void)state;
    cfg.alerts.group_interval = 30 * S;
    struct pd_alert_engine *e = engine();
    change(e, "x000", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 10 * S);
    assert_int_equal(n_out, 1);
    assert_string_equal(out[0], "hook all problem 1 problem:x000");
    change(e, "x001", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 15 * S);
    change(e, "x002", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 22 * S);
    tick(e, T0 + 25 * S); /* group_wait after x001, but within group_interval */
    assert_int_equal(n_out, 1);
    change(e, "x003", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 38 * S);
    tick(e, T0 + 39 * S);
    assert_int_equal(n_out, 1);
    tick(e, T0 + 40 * S);
    assert_int_equal(n_out, 2);
    assert_string_equal(out[1], "hook all problem 3 problem:x001 problem:x002 problem:x003");
    /* Long after the last message: group_wait alone. */
    change(e, "x001", "", PD_STATE_DOWN, PD_STATE_UP, T0 + 5 * MIN);
    tick(e, T0 + 5 * MIN + 10 * S);
    assert_int_equal(n_out, 3);
    pd_alert_engine_free(e);
}

/* A group whose items no route takes emits nothing and is dropped once
 * confirmed: the next problem waits its own group_wait. */
static void unrouted_group_dropped(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 10 * S);
    assert_int_equal(n_out, 1);
    /* Routes change: nothing takes x100 any more; its reminder is unrouted. */
    struct pd_route_conf *saved = cfg.alerts.routes;
    size_t n_saved = cfg.alerts.n_routes;
    cfg.alerts.n_routes = 0;
    tick(e, T0 + 61 * MIN); /* the reminder is held for its group */
    assert_int_equal(pd_alert_engine_tick(e, T0 + 61 * MIN + 10 * S, emit, NULL), 0);
    pd_alert_engine_sent(e, true);
    cfg.alerts.routes = saved;
    cfg.alerts.n_routes = n_saved;
    struct pd_alert_engine_stats st;
    pd_alert_engine_stats(e, &st);
    assert_int_equal(st.unrouted, 1);
    change(e, "x001", "", PD_STATE_UP, PD_STATE_DOWN, T0 + 62 * MIN);
    tick(e, T0 + 62 * MIN + 5 * S);
    assert_int_equal(n_out, 1); /* its own group_wait, not the old group's due time */
    tick(e, T0 + 62 * MIN + 10 * S);
    assert_int_equal(n_out, 2);
    pd_alert_engine_stats(e, &st);
    assert_int_equal(st.unrouted, 1);
    pd_alert_engine_free(e);
}

/* A device retired while down: no more reminders for it. */
static void retired_not_reminded(void **state)
{
    (void)state;
    struct pd_alert_engine *e = engine();
    change(e, "x100", "", PD_STATE_UP, PD_STATE_DOWN, T0);
    tick(e, T0 + 10 * S);
    assert_int_equal(n_out, 1);
    cfg.n_targets = N_T - 1; /* x100, the last, leaves the inventory */
    assert_int_equal(pd_alert_engine_set_config(e, &cfg), 0);
    tick(e, T0 + 61 * MIN);
    tick(e, T0 + 61 * MIN + 10 * S);
    assert_int_equal(n_out, 1);
    cfg.n_targets = N_T;
    assert_int_equal(pd_alert_engine_set_config(e, &cfg), 0);
    tick(e, T0 + 121 * MIN);
    tick(e, T0 + 121 * MIN + 10 * S);
    assert_int_equal(n_out, 2); /* back in the inventory, still down: reminded */
    assert_string_equal(out[1], "hook all reminder 1 reminder:x100/7260s");
    pd_alert_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(problem_then_recovery, setup),
        cmocka_unit_test_setup(unknown_alone_says_nothing, setup),
        cmocka_unit_test_setup(hundred_devices_one_message, setup),
        cmocka_unit_test_setup(maintenance_mutes_then_lets_through, setup),
        cmocka_unit_test_setup(flapping_said_once_then_settles, setup),
        cmocka_unit_test_setup(reminders, setup),
        cmocka_unit_test_setup(seeded_outage_recovers, setup),
        cmocka_unit_test_setup(media_checks_only, setup),
        cmocka_unit_test_setup(unstored_group_emitted_again, setup),
        cmocka_unit_test_setup(group_interval_gathers_followers, setup),
        cmocka_unit_test_setup(unrouted_group_dropped, setup),
        cmocka_unit_test_setup(retired_not_reminded, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
