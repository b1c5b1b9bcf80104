#include "loop.h"

#include <ev.h>
#include <stdlib.h>

struct pd_loop {
    struct ev_loop *ev;
};

struct pd_io {
    ev_io w; /* first: the watcher pointer is the struct pointer */
    struct pd_loop *loop;
    void (*cb)(void *arg, unsigned revents);
    void *arg;
};

struct pd_tmr {
    ev_timer w;
    struct pd_loop *loop;
    void (*cb)(void *arg);
    void *arg;
};

struct pd_async {
    ev_async w;
    struct pd_loop *loop;
    void (*cb)(void *arg);
    void *arg;
};

struct pd_sig {
    ev_signal w;
    struct pd_loop *loop;
    void (*cb)(void *arg, int signo);
    void *arg;
};

static struct pd_loop default_loop;

struct pd_loop *pd_loop_default(void)
{
    if (!default_loop.ev)
        default_loop.ev = ev_default_loop(EVFLAG_AUTO);
    return default_loop.ev ? &default_loop : NULL;
}

void pd_loop_run(struct pd_loop *loop)
{
    ev_run(loop->ev, 0);
}

void pd_loop_break(struct pd_loop *loop)
{
    ev_break(loop->ev, EVBREAK_ALL);
}

void pd_loop_run_once(struct pd_loop *loop)
{
    ev_run(loop->ev, EVRUN_ONCE);
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    (void)ev;
    struct pd_io *io = (struct pd_io *)w;
    unsigned mask = (revents & EV_READ ? PD_READ : 0) | (revents & EV_WRITE ? PD_WRITE : 0);
    io->cb(io->arg, mask);
}

struct pd_io *pd_io_new(struct pd_loop *loop, int fd, unsigned events,
                        void (*cb)(void *arg, unsigned revents), void *arg)
{
    struct pd_io *io = calloc(1, sizeof(*io));
    if (!io)
        return NULL;
    io->loop = loop;
    io->cb = cb;
    io->arg = arg;
    int ev_events = (events & PD_READ ? EV_READ : 0) | (events & PD_WRITE ? EV_WRITE : 0);
    ev_io_init(&io->w, io_cb, fd, ev_events);
    ev_io_start(loop->ev, &io->w);
    return io;
}

void pd_io_set(struct pd_io *io, unsigned events)
{
    int ev_events = (events & PD_READ ? EV_READ : 0) | (events & PD_WRITE ? EV_WRITE : 0);
    if (ev_events == (io->w.events & (EV_READ | EV_WRITE)) && ev_is_active(&io->w))
        return;
    ev_io_stop(io->loop->ev, &io->w);
    ev_io_set(&io->w, io->w.fd, ev_events);
    if (ev_events)
        ev_io_start(io->loop->ev, &io->w);
}

void pd_io_free(struct pd_io *io)
{
    if (!io)
        return;
    ev_io_stop(io->loop->ev, &io->w);
    free(io);
}

static void tmr_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    struct pd_tmr *t = (struct pd_tmr *)w;
    t->cb(t->arg);
}

struct pd_tmr *pd_tmr_new(struct pd_loop *loop, void (*cb)(void *arg), void *arg)
{
    struct pd_tmr *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->loop = loop;
    t->cb = cb;
    t->arg = arg;
    ev_init(&t->w, tmr_cb);
    return t;
}

void pd_tmr_start(struct pd_tmr *t, pd_ns delay)
{
    ev_timer_stop(t->loop->ev, &t->w);
    /* libev's cached "now" may be stale after a long callback; the caller's
     * delay is relative to the real now. */
    ev_now_update(t->loop->ev);
    ev_timer_set(&t->w, delay > 0 ? (double)delay / 1e9 : 0.0, 0.0);
    ev_timer_start(t->loop->ev, &t->w);
}

void pd_tmr_stop(struct pd_tmr *t)
{
    ev_timer_stop(t->loop->ev, &t->w);
}

void pd_tmr_free(struct pd_tmr *t)
{
    if (!t)
        return;
    ev_timer_stop(t->loop->ev, &t->w);
    free(t);
}

static void async_cb(struct ev_loop *ev, ev_async *w, int revents)
{
    (void)ev;
    (void)revents;
    struct pd_async *a = (struct pd_async *)w;
    a->cb(a->arg);
}

struct pd_async *pd_async_new(struct pd_loop *loop, void (*cb)(void *arg), void *arg)
{
    struct pd_async *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->loop = loop;
    a->cb = cb;
    a->arg = arg;
    ev_async_init(&a->w, async_cb);
    ev_async_start(loop->ev, &a->w);
    return a;
}

void pd_async_send(struct pd_async *a)
{
    ev_async_send(a->loop->ev, &a->w);
}

void pd_async_free(struct pd_async *a)
{
    if (!a)
        return;
    ev_async_stop(a->loop->ev, &a->w);
    free(a);
}

static void sig_cb(struct ev_loop *ev, ev_signal *w, int revents)
{
    (void)ev;
    (void)revents;
    struct pd_sig *s = (struct pd_sig *)w;
    s->cb(s->arg, w->signum);
}

struct pd_sig *pd_sig_new(struct pd_loop *loop, int signo, void (*cb)(void *arg, int signo),
                          void *arg)
{
    struct pd_sig *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->loop = loop;
    s->cb = cb;
    s->arg = arg;
    ev_signal_init(&s->w, sig_cb, signo);
    ev_signal_start(loop->ev, &s->w);
    return s;
}

void pd_sig_free(struct pd_sig *s)
{
    if (!s)
        return;
    ev_signal_stop(s->loop->ev, &s->w);
    free(s);
}
