/*
 * The dashboard's HTTP server (libmicrohttpd), in threads of its own: the
 * pages, the JSON API under /api/v1/ and /metrics. It reads the event
 * store through one read-only SQLite connection per request thread, so a
 * request never waits on the probing loop nor the loop on a request.
 * docs/api.md describes the API; docs/architecture.md the threads.
 */
#ifndef PROBED_WEB_H
#define PROBED_WEB_H

#include <stddef.h>

#include "config.h"

struct pd_web;

struct pd_health;

/* Bind cfg->web.listen and start the threads; data_dir and the config's
 * maintenance windows are copied. health (borrowed, may be NULL) is the
 * daemon's own figures for /metrics and must outlive the server. 0, or
 * -errno with err filled (a port in use, a TLS file that cannot be read). */
int pd_web_start(const struct pd_config *cfg, const struct pd_health *health, struct pd_web **out,
                 char *err, size_t errlen);
/* After a reload: the windows of the new config. 0 or -ENOMEM (the old
 * ones stay). */
int pd_web_set_config(struct pd_web *w, const struct pd_config *cfg);
/* Finish the requests under way, close the connections, free. NULL ok. */
void pd_web_stop(struct pd_web *w);
/* The port bound (for "listen 127.0.0.1:0" in tests and for the log). */
unsigned pd_web_port(const struct pd_web *w);

#endif
