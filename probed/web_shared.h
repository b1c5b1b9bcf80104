/*
 * Pages many clients ask for at once (the overview on every NOC screen,
 * a bench's 50 clients) made once and shared for a short time: a render
 * of 5,000 targets reads the whole store and writes megabytes of HTML,
 * and N clients asking for it must not make N renders.
 *
 * Single flight: while one request thread renders a key, the others that
 * ask for it wait for that render (at most 20 s) instead of
 * starting their own; the result is kept for ttl. Only a page that
 * rendered with status 200 is kept. Thread-safe.
 */
#ifndef PROBED_WEB_SHARED_H
#define PROBED_WEB_SHARED_H

#include "plugin.h"

struct web_req;
struct web_shared;

/* 0, or -ENOMEM. */
int web_shared_new(struct web_shared **out);
void web_shared_free(struct web_shared *s); /* NULL ok; no request may be in it */

/* The page of key (borrowed), fresh within ttl, written to r->out: from
 * the cache, from a render another thread is making, or made here by
 * render(r, arg) (which writes to r->out and may set r->status). Returns
 * what render returned, or 0 for a page taken from the cache. */
int web_shared_page(struct web_shared *s, struct web_req *r, const char *key, pd_ns ttl,
                    int (*render)(struct web_req *r, void *arg), void *arg);

/* Renders made, and pages served without one (cache or joined). */
void web_shared_counts(struct web_shared *s, unsigned long long *renders,
                       unsigned long long *shared);

#endif
