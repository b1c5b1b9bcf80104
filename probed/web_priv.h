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

struct web_graphs;
struct graph_job;

struct web_req {
    struct pd_web *w;               /* ro */
    struct MHD_Connection *mc;      /* ro */
    struct pd_db *db;               /* ro: this thread's read-only store */
    struct web_graphs *graphs;      /* ro: the render thread and image cache */
    const char *data_dir;           /* ro */
    const struct pd_health *health; /* ro: the daemon's own figures; may be NULL */
    const char *rest;               /* ro: the path after the route's prefix */
    pd_ns now;                      /* ro: wall clock */
    FILE *out;                      /* rw: the body */
    const char *type;               /* rw: Content-Type, default HTML */
    int status;                     /* rw: default 200 */
    unsigned max_age;               /* rw: seconds a client may keep it; 0: no-store */
    struct graph_job *defer;        /* rw: set by a handler whose answer comes later:
                                     * web.c suspends the connection and submits it */
};

/* A request waiting for an image, its connection suspended: the render
 * thread fills the answer, then resumes the connection, and web.c sends
 * it (web_graph.c). */
struct web_wait {
    struct MHD_Connection *mc;
    struct web_wait *next;
    int status;
    const char *type;
    unsigned max_age;
    char *body; /* malloc'ed */
    size_t len;
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
int web_graph(struct web_req *r);

/* The render thread (web_graph.c): started before the server. Quiesced
 * before the server stops: every waiting request is answered 503 and
 * resumed, the thread ends, and later requests get 503 at once, so that
 * no connection is suspended when the server stops. Freed after it. */
int web_graphs_start(const char *data_dir, struct web_graphs **out, char *err, size_t errlen);
void web_graphs_quiesce(struct web_graphs *g); /* NULL ok */
void web_graphs_free(struct web_graphs *g);    /* NULL ok; quiesces first */
/* Hand r->defer over (taken), its connection already suspended: returns
 * the wait to answer from once the connection resumes (it may have
 * resumed already: a full queue answers 503 at once). */
struct web_wait *web_graphs_submit(struct web_graphs *g, struct graph_job *job);
void web_wait_free(struct web_wait *wt); /* NULL ok */
void web_graph_job_free(struct graph_job *job);
/* The device page's graphs of a target at the period asked (?period=). */
void web_graph_section(struct web_req *r, const struct web_target *t);
/* The stylesheet (web_pages.c). */
extern const char web_css[];

#endif
