/*
 * The event loop: a thin layer over libev, so that only loop.c includes
 * <ev.h> and the loop can change without touching anything else.
 * Everything here runs on the loop thread except pd_async_send().
 */
#ifndef PROBED_LOOP_H
#define PROBED_LOOP_H

#include "plugin.h"

struct pd_loop;
struct pd_io;
struct pd_tmr;
struct pd_async;
struct pd_sig;

/* The process's default loop (the only one that can watch signals). */
struct pd_loop *pd_loop_default(void);
void pd_loop_run(struct pd_loop *loop); /* until pd_loop_break */
void pd_loop_break(struct pd_loop *loop);
void pd_loop_run_once(struct pd_loop *loop); /* one iteration, for tests */

/* Started at once; revents is a mask of PD_READ and PD_WRITE. */
struct pd_io *pd_io_new(struct pd_loop *loop, int fd, unsigned events,
                        void (*cb)(void *arg, unsigned revents), void *arg);
/* Watch for other events; 0 stops the watch until set again. */
void pd_io_set(struct pd_io *io, unsigned events);
void pd_io_free(struct pd_io *io);

/* A timer that is armed with pd_tmr_start and fires once per arming. */
struct pd_tmr *pd_tmr_new(struct pd_loop *loop, void (*cb)(void *arg), void *arg);
void pd_tmr_start(struct pd_tmr *t, pd_ns delay); /* re-arms if running */
void pd_tmr_stop(struct pd_tmr *t);
void pd_tmr_free(struct pd_tmr *t);

/* Wakes the loop from any thread; cb runs on the loop thread. */
struct pd_async *pd_async_new(struct pd_loop *loop, void (*cb)(void *arg), void *arg);
void pd_async_send(struct pd_async *a);
void pd_async_free(struct pd_async *a);

struct pd_sig *pd_sig_new(struct pd_loop *loop, int signo, void (*cb)(void *arg, int signo),
                          void *arg);
void pd_sig_free(struct pd_sig *s);

#endif
