/* The services plugin.h promises plugins: watches, timers, submit, clock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "health.h"
#include "log.h"
#include "plugin_ctx.h"
#include "resolver.h"

static struct pd_watch **watch_head(struct pd_watch *w)
{
    return w->check ? &w->check->watches : &w->ctx->watches;
}

static struct pd_timer **timer_head(struct pd_timer *t)
{
    return t->check ? &t->check->timers : &t->ctx->timers;
}

static void watch_unlink_free(struct pd_watch *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        *watch_head(w) = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pd_io_free(w->io);
    free(w);
}

static void watch_fired(void *arg, unsigned revents)
{
    struct pd_watch *w = arg;
    w->dispatching = 1;
    if (w->check)
        w->cb(w->check, w->fd, revents, w->arg);
    else
        w->ctx_cb(w->ctx, w->fd, revents, w->arg);
    w->dispatching = 0;
    if (w->cancelled)
        watch_unlink_free(w);
}

static struct pd_watch *watch_new(struct pd_check *check, struct pd_plugin_ctx *ctx,
                                  struct pd_loop *loop, int fd, unsigned events)
{
    struct pd_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->check = check;
    w->ctx = ctx;
    w->fd = fd;
    w->io = pd_io_new(loop, fd, events, watch_fired, w);
    if (!w->io) {
        free(w);
        return NULL;
    }
    struct pd_watch **head = watch_head(w);
    w->next = *head;
    if (w->next)
        w->next->prev = w;
    *head = w;
    return w;
}

pd_watch *pd_watch_fd(pd_check *check, int fd, unsigned events, pd_io_cb cb, void *arg)
{
    struct pd_watch *w = watch_new(check, NULL, check->core->loop, fd, events);
    if (w) {
        w->cb = cb;
        w->arg = arg;
    }
    return w;
}

pd_watch *pd_ctx_watch_fd(pd_plugin_ctx *ctx, int fd, unsigned events, pd_ctx_io_cb cb, void *arg)
{
    struct pd_watch *w = watch_new(NULL, ctx, ctx->loop, fd, events);
    if (w) {
        w->ctx_cb = cb;
        w->arg = arg;
    }
    return w;
}

void pd_watch_events(pd_watch *w, unsigned events)
{
    if (w && !w->cancelled)
        pd_io_set(w->io, events);
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
    if (t->prev)
        t->prev->next = t->next;
    else
        *timer_head(t) = t->next;
    if (t->next)
        t->next->prev = t->prev;
    pd_tmr_free(t->tmr);
    free(t);
}

static void timer_fired(void *arg)
{
    struct pd_timer *t = arg;
    t->dispatching = 1;
    t->again = 0;
    if (t->check)
        t->cb(t->check, t->arg);
    else
        t->ctx_cb(t->ctx, t->arg);
    t->dispatching = 0;
    /* One-shot: gone after its callback unless armed again inside it. */
    if (t->cancelled || !t->again)
        timer_unlink_free(t);
}

void pd_timer_again(pd_timer *t, pd_ns delay)
{
    if (!t || t->cancelled)
        return;
    t->again = 1;
    pd_tmr_start(t->tmr, delay);
}

static struct pd_timer *timer_new(struct pd_check *check, struct pd_plugin_ctx *ctx,
                                  struct pd_loop *loop, pd_ns delay)
{
    struct pd_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->check = check;
    t->ctx = ctx;
    t->tmr = pd_tmr_new(loop, timer_fired, t);
    if (!t->tmr) {
        free(t);
        return NULL;
    }
    struct pd_timer **head = timer_head(t);
    t->next = *head;
    if (t->next)
        t->next->prev = t;
    *head = t;
    pd_tmr_start(t->tmr, delay);
    return t;
}

pd_timer *pd_timer_after(pd_check *check, pd_ns delay, pd_timer_cb cb, void *arg)
{
    struct pd_timer *t = timer_new(check, NULL, check->core->loop, delay);
    if (t) {
        t->cb = cb;
        t->arg = arg;
    }
    return t;
}

pd_timer *pd_ctx_timer_after(pd_plugin_ctx *ctx, pd_ns delay, pd_ctx_timer_cb cb, void *arg)
{
    struct pd_timer *t = timer_new(NULL, ctx, ctx->loop, delay);
    if (t) {
        t->ctx_cb = cb;
        t->arg = arg;
    }
    return t;
}

void pd_timer_cancel(pd_timer *t)
{
    if (!t || t->cancelled)
        return;
    t->cancelled = 1;
    if (t->dispatching) {
        pd_tmr_stop(t->tmr); /* in case it was armed again first */
        return;
    }
    timer_unlink_free(t);
}

static void free_lists(struct pd_watch **watches, struct pd_timer **timers)
{
    while (*watches) {
        struct pd_watch *w = *watches;
        *watches = w->next;
        pd_io_free(w->io);
        free(w);
    }
    while (*timers) {
        struct pd_timer *t = *timers;
        *timers = t->next;
        pd_tmr_free(t->tmr);
        free(t);
    }
}

void pd_check_cancel_all(struct pd_check *check)
{
    free_lists(&check->watches, &check->timers);
}

void pd_ctx_cancel_all(struct pd_plugin_ctx *ctx)
{
    free_lists(&ctx->watches, &ctx->timers);
}

/* One plugin line: "<prefix>: <message>" (or the message alone), rate
 * limited under key. */
__attribute__((format(printf, 5, 0))) static void log_plugin_line(int level, const char *module,
                                                                  const void *key,
                                                                  const char *prefix,
                                                                  const char *fmt, va_list ap)
{
    char text[900];
    vsnprintf(text, sizeof(text), fmt, ap);
    if (prefix)
        pd_logf(level, module, key, "%s: %s", prefix, text);
    else
        pd_logf(level, module, key, "%s", text);
}

const void *pd_plugin_settings(const pd_plugin_ctx *ctx)
{
    return ctx->settings;
}

const void *pd_plugin_profile(const pd_plugin_ctx *ctx, const char *name)
{
    for (size_t i = 0; ctx && name && i < ctx->n_profiles; i++)
        if (strcmp(ctx->profiles[i].name, name) == 0)
            return ctx->profiles[i].values;
    return NULL;
}

const void *pd_check_profile(const pd_check *check, const char *name)
{
    return pd_plugin_profile(pd_registry_ctx(check->core->reg, check->plugin), name);
}

void pd_ctx_log(const pd_plugin_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Rate limited per message format, like a check's lines per check. */
    log_plugin_line(level, ctx->plugin->name, fmt, NULL, fmt, ap);
    va_end(ap);
}

pd_counter *pd_ctx_counter(pd_plugin_ctx *ctx, const char *name, const char *help)
{
    if (!ctx->health)
        return NULL;
    size_t n = strlen(name);
    struct pd_counter *c = NULL;
    if (n < 6 || strcmp(name + n - 6, "_total") != 0)
        c = pd_health_counter(ctx->health, ctx->plugin->name, name, help);
    if (!c)
        pd_ctx_log(ctx, PD_LOG_WARNING,
                   "counter '%s' not kept: [a-z0-9_]{1,47} without _total "
                   "expected (plugin bug), or out of memory",
                   name);
    return c;
}

void pd_counter_add(pd_counter *counter, uint64_t n)
{
    if (counter)
        pd_health_add(&counter->value, n);
}

void pd_submit(pd_check *check, const struct pd_result *result)
{
    pd_core_result(check, result);
}

void pd_event(pd_check *check, pd_ns when, const char *kind, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    pd_core_event(check, NULL, when ? when : pd_clock_wall(), kind, message);
}

void pd_series_event(pd_check *check, const char *series, pd_ns when, const char *kind,
                     const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    pd_core_event(check, series, when ? when : pd_clock_wall(), kind, message);
}

void pd_describe(pd_check *check, const char *series, const char *label, const char *description)
{
    pd_core_describe(check, series, label, description);
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

pd_ns pd_round_due(const pd_check *check)
{
    return check->round_due;
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

int pd_check_sockaddr(const pd_check *check, int family, struct sockaddr_storage *out,
                      socklen_t *len, char *err, size_t errlen)
{
    return pd_resolver_lookup(check->core->resolver, check->target->conf->address, family, out, len,
                              err, errlen);
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
    va_list ap;
    va_start(ap, fmt);
    /* Rate limited per check, so a dead device logs a few lines a minute,
     * not one per round. */
    if (check)
        log_plugin_line(level, check->plugin->name, check, check->key, fmt, ap);
    else
        log_plugin_line(level, "plugin", fmt, NULL, fmt, ap);
    va_end(ap);
}
