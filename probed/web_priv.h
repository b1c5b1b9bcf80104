/*
 * What web.c shares with the page, API and metrics writers: one request,
 * its response written to a memory stream.
 */
#ifndef PROBED_WEB_PRIV_H
#define PROBED_WEB_PRIV_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "report.h"
#include "report_write.h"
#include "web.h"
#include "web_auth.h"
#include "web_model.h"

struct web_graphs;
struct web_shared;
struct graph_job;
struct MHD_Connection;

struct web_req {
    struct pd_web *w;               /* ro */
    struct MHD_Connection *mc;      /* ro */
    struct pd_db *db;               /* ro: this thread's read-only store */
    struct web_graphs *graphs;      /* ro: the render thread and image cache */
    struct web_shared *shared;      /* ro: pages shared by many clients (web_shared.h) */
    const char *data_dir;           /* ro */
    enum pd_web_role role;          /* ro: the user's; NONE when authentication is off */
    const struct pd_health *health; /* ro: the daemon's own figures; may be NULL */
    const char *rest;               /* ro: the path after the route's prefix */
    pd_ns now;                      /* ro: wall clock */
    FILE *out;                      /* rw: the body */
    const char *type;               /* rw: Content-Type, default HTML */
    int status;                     /* rw: default 200 */
    unsigned max_age;               /* rw: seconds a client may keep it; 0: no-store */
    char attachment[64];            /* rw: a download's file name (ASCII), "" for none */
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

/* The request threads' copy of the configuration (web_conf.c): what
 * reports and system pages read, never pointers into the core's. */
struct web_conf {
    unsigned refs;        /* private: guarded by the web's lock */
    struct pd_config cfg; /* ro: a partial copy, see web_conf.c */
};
int web_conf_new(const struct pd_config *cfg, struct web_conf **out); /* cfg copied */
void web_conf_free(struct web_conf *c);
const struct pd_system_conf *web_conf_system(const struct web_conf *c, const char *id);
/* The configuration now, held until web_conf_put (a reload may replace it). */
struct web_conf *web_conf_get(struct web_req *r);
void web_conf_put(struct web_req *r, struct web_conf *c);

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
int web_page_system(struct web_req *r);                 /* /system/ID */
int web_page_report(struct web_req *r);                 /* /report?month=YYYY-MM */
int web_report_file(struct web_req *r);                 /* /report/YYYY-MM.csv|json|html|xlsx */
int web_api_report(struct web_req *r);                  /* /api/v1/report */
int web_api_systems(struct web_req *r, const char *id); /* NULL: all */

/* The shared pieces of the pages (web_pages.c). */
void web_page_begin(struct web_req *r, const char *title, bool refresh);
void web_page_end(struct web_req *r);
void web_badge(FILE *f, enum web_state s);
/* Sections of the device page and the overview (web_report_pages.c). */
int web_device_month(struct web_req *r, const char *target_id);
int web_device_systems(struct web_req *r, const char *target_id);
int web_systems_table(struct web_req *r, const struct web_model *m);

/* Reports for the dashboard (web_report.c). */
#define WEB_MONTH_LEN 8 /* "2026-10" and NUL */
/* month: "YYYY-MM" of a month that has begun at now, else -EINVAL with
 * a message for people in why. */
int web_month_check(const char *month, pd_ns now, char *why, size_t whylen);
/* The month of t in the configured zone; the month before month. */
void web_month_of(pd_ns t, char out[WEB_MONTH_LEN]);
int web_month_prev(const char *month, char out[WEB_MONTH_LEN]);
/* "2026-10.xlsx" -> month and format: 0 or -EINVAL. */
int web_report_file_parse(const char *name, char month[WEB_MONTH_LEN], enum pd_report_format *fmt);
/* The report of month for the scope, as probectl report builds it from
 * the store; *so_far: the month has not ended (report.h). 0 or -errno
 * (-ENOENT: no such target, site or system) with why filled. *out owned
 * by the caller (pd_report_free). */
int web_report_build(struct web_req *r, const char *month, enum pd_report_scope scope,
                     const char *what, struct pd_report **out, bool *so_far, char *why,
                     size_t whylen);
/* A system's state now from its members' (m: every target in service):
 * member UP or in maintenance counts as UP, as in reports. */
enum web_state web_system_state(const struct pd_system_conf *s, const struct web_model *m,
                                unsigned *up, unsigned *n);
int web_metrics(struct web_req *r);
int web_graph(struct web_req *r);

/* The render thread (web_graph.c): started before the server. Quiesced
 * before the server stops: every waiting request is answered 503 and
 * resumed, the thread ends, and later requests get 503 at once, so that
 * no connection is suspended when the server stops. Freed after it. */
/* The dashboard's threads (request threads, the render thread) run at
 * this nice value: when a core is contended, the probing loop (nice 0)
 * gets about nine tenths of it (CFS weights 1024 against 110), so web
 * load does not delay rounds. */
#define WEB_NICE 10
void web_thread_nice(void); /* for the calling thread */

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

/* Authentication of requests (web_guard.c): Basic auth against the users
 * file of web.users_file, when there is one. Thread-safe. */
struct web_guard;
/* 0, or -errno with err (a users file that cannot be read or is not
 * valid: the server must not start open). */
int web_guard_new(const struct pd_web_conf *c, struct web_guard **out, char *err, size_t errlen);
/* After a reload: the new file and realm. A users file that fails keeps
 * the users of before; the error is logged. */
void web_guard_set_config(struct web_guard *g, const struct pd_web_conf *c);
void web_guard_free(struct web_guard *g);
/* 0 with *role (NONE when authentication is off), or -EACCES: answer 401
 * with web_guard_realm's realm. Logs a failed password (never the
 * password). May take a crypt's time. */
int web_guard_check(struct web_guard *g, struct MHD_Connection *mc, enum pd_web_role *role);
void web_guard_realm(struct web_guard *g, char *buf, size_t len);
/* What the configuration page shows of the users. */
struct web_guard_info {
    int on;
    size_t viewers, admins;
    int last_load_failed; /* the last reload kept the users of before */
};
void web_guard_info(struct web_guard *g, struct web_guard_info *info);

/* The configuration page (web_config_page.c), for admins: a summary
 * copied from the configuration without any secret in it, so the page
 * cannot show one. */
struct web_conf_summary;
/* 0, or -ENOMEM. cfg is borrowed. */
int web_conf_summary_new(const struct pd_config *cfg, struct web_conf_summary **out);
void web_conf_summary_free(struct web_conf_summary *s);
/* /config: 403 unless r->role is admin. s and g borrowed (the caller
 * holds the lock that keeps s). */
int web_page_config(struct web_req *r, const struct web_conf_summary *s, struct web_guard *g);

#endif
