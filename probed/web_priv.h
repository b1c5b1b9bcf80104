/*
 * What web.c shares with the page, API and metrics writers: one request,
 * its response written to a memory stream.
 */
#ifndef PROBED_WEB_PRIV_H
#define PROBED_WEB_PRIV_H

#include <stdio.h>

#include "db.h"
#include "web.h"
#include "web_model.h"

struct web_req {
    struct pd_web *w;               /* ro */
    struct MHD_Connection *mc;      /* ro */
    struct pd_db *db;               /* ro: this thread's read-only store */
    const struct pd_health *health; /* ro: the daemon's own figures; may be NULL */
    const char *rest;               /* ro: the path after the route's prefix */
    pd_ns now;                      /* ro: wall clock */
    FILE *out;                      /* rw: the body */
    const char *type;               /* rw: Content-Type, default HTML */
    int status;                     /* rw: default 200 */
};

/* A query argument, percent-decoded, or NULL. */
const char *web_arg(const struct web_req *r, const char *name);
/* The model of the store now (site, target: NULL for all). */
int web_load(struct web_req *r, const char *site, const char *target, struct web_model *m);

/* Text for HTML: & < > " ' escaped; bytes that are not UTF-8 replaced. */
void web_html(FILE *f, const char *s);
/* Text for a URL's path or query: percent-encoded. */
void web_url(FILE *f, const char *s);
/* An error page (status 4xx/5xx) with a message for people. */
int web_error(struct web_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Handlers: 0 (the response is in r), or -errno (an error page is made). */
int web_page_overview(struct web_req *r);
int web_page_device(struct web_req *r);
int web_page_events(struct web_req *r);
int web_api(struct web_req *r);
int web_metrics(struct web_req *r);
/* The stylesheet (web_pages.c). */
extern const char web_css[];

#endif
