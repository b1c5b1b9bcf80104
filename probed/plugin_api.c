/* The services plugin.h promises plugins: watches, timers, submit, clock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"

static void watch_unlink_free(struct pd_watch *w)
{
    struct pd_check *check = w->check;
    if (w->prev)
        w->prev->next = w->next;
    else
        check->watches = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pd_io_free(w->io);
    free(w);
}

static void watch_fired(void *arg, unsigned revents)
{
    struct pd_watch *w = arg;
    w->dispatching = 1;
    w->cb(w->check, w->fd, revents, w->arg);
    w->dispatching = 0;
    if (w->cancelled)
        watch_unlink_free(w);
}

pd_watch *pd_watch_fd(pd_check *check, int fd, unsigned events, pd_io_cb cb, void *arg)
{
    struct pd_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->check = check;
    w->cb = cb;
    w->arg = arg;
    w->fd = fd;
    w->io = pd_io_new(check->core->loop, fd, events, watch_fired, w);
    if (!w->io) {
        free(w);
        return NULL;
    }
    w->next = check->watches;
    if (w->next)
        w->next->prev = w;
    check->watches = w;
    return w;
}

void pd_watch_cancel(pd_watch *w)
{
    if (!w || w->cancelled)
        return;
    w->cancelled = 1;
    if (w->dispatching) {
        /* Stop it now, free it when the callback returns. */
        pd_io_free(w->io);
        w->io = NULL;
        return;
    }
    watch_unlink_free(w);
}

static void timer_unlink_free(struct pd_timer *t)
{
    struct pd_check *check = t->check;
    if (t->prev)
        t->prev->next = t->next;
    else
        check->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    pd_tmr_free(t->tmr);
    free(t);
}

static void timer_fired(void *arg)
{
    struct pd_timer *t = arg;
    t->dispatching = 1;
    t->cb(t->check, t->arg);
    /* One-shot: gone after its callback, cancelled inside or not. */
    timer_unlink_free(t);
}

pd_timer *pd_timer_after(pd_check *check, pd_ns delay, pd_timer_cb cb, void *arg)
{
    struct pd_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->check = check;
    t->cb = cb;
    t->arg = arg;
    t->tmr = pd_tmr_new(check->core->loop, timer_fired, t);
    if (!t->tmr) {
        free(t);
        return NULL;
    }
    t->next = check->timers;
    if (t->next)
        t->next->prev = t;
    check->timers = t;
    pd_tmr_start(t->tmr, delay);
    return t;
}

void pd_timer_cancel(pd_timer *t)
{
    if (!t || t->cancelled)
        return;
    t->cancelled = 1;
    if (t->dispatching)
        return;
    timer_unlink_free(t);
}

void pd_check_cancel_all(struct pd_check *check)
{
    while (check->watches) {
        struct pd_watch *w = check->watches;
        check->watches = w->next;
        pd_io_free(w->io);
        free(w);
    }
    while (check->timers) {
        struct pd_timer *t = check->timers;
        check->timers = t->next;
        pd_tmr_free(t->tmr);
        free(t);
    }
}

void pd_submit(pd_check *check, const struct pd_result *result)
{
    pd_core_result(check, result);
}

pd_ns pd_now(const pd_check *check)
{
    (void)check;
    return pd_clock_mono();
}

pd_ns pd_wall(const pd_check *check)
{
    (void)check;
    return pd_clock_wall();
}

const char *pd_check_target_id(const pd_check *check)
{
    return check->target->conf->id;
}

const char *pd_check_id(const pd_check *check)
{
    return check->conf->id;
}

const char *pd_check_address(const pd_check *check)
{
    return check->target->conf->address;
}

pd_ns pd_check_timeout(const pd_check *check)
{
    return check->conf->timeout;
}

pd_ns pd_check_interval(const pd_check *check)
{
    return check->conf->interval;
}

void pd_log(const pd_check *check, int level, const char *fmt, ...)
{
    char text[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (!check) {
        pd_logf(level, "plugin", fmt, "%s", text);
        return;
    }
    /* Rate limited per check, so a dead device logs a few lines a minute,
     * not one per round. */
    pd_logf(level, check->plugin->name, check, "%s: %s", check->key, text);
}
