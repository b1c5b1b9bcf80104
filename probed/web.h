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

/* Bind cfg->web.listen, before privileges are dropped (a port below 1024
 * needs root): *fd for pd_web_start. 0, or -errno with err filled (an
 * address in use or not on this host). */
int pd_web_bind(const struct pd_config *cfg, int *fd, char *err, size_t errlen);
/* Start the threads on listen_fd (taken, closed on failure too) from
 * pd_web_bind; data_dir, the config's maintenance windows and a summary
 * without secrets (/config) are copied, the users file (web.users_file)
 * read. health (borrowed, may be NULL) is the daemon's own figures for
 * /metrics and must outlive the server. 0, or -errno with err filled (a
 * TLS file that cannot be read, a users file that cannot be read or is
 * not valid). */
int pd_web_start(const struct pd_config *cfg, int listen_fd, const struct pd_health *health,
                 struct pd_web **out, char *err, size_t errlen);
/* After a reload: the windows, users file (web.users_file, web.realm)
 * and /config summary of the new config. A users file that fails is
 * logged here and the users of before stay (0 is still returned). 0 or
 * -ENOMEM (the old windows and summary stay). */
int pd_web_set_config(struct pd_web *w, const struct pd_config *cfg);
/* Finish the requests under way, close the connections, free. NULL ok. */
void pd_web_stop(struct pd_web *w);
/* The port bound (for the log). */
unsigned pd_web_port(const struct pd_web *w);

#endif
