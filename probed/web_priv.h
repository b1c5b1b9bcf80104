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
#include "web_model.h"

struct web_req {
    struct pd_web *w;          /* ro */
    struct MHD_Connection *mc; /* ro */
    struct pd_db *db;          /* ro: this thread's read-only store */
    const char *rest;          /* ro: the path after the route's prefix */
    pd_ns now;                 /* ro: wall clock */
    FILE *out;                 /* rw: the body */
    const char *type;          /* rw: Content-Type, default HTML */
    int status;                /* rw: default 200 */
    char attachment[64];       /* rw: a download's file name (ASCII), "" for none */
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
/* The stylesheet (web_pages.c). */
extern const char web_css[];

#endif
