/* probectl alerts [--pending|--failed] and --attempts ID: the alert
 * messages the daemon stored, read-only, for the engineer who wants to
 * know what reached whom, and what did not. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_alerts.h"
#include "probectl_alerts.h"
#include "probectl_common.h"
#include "text_table.h"
#include "timefmt.h"

#define CMD  "alerts"
#define WEEK (7 * 24 * 3600 * PD_SEC)
/* The subject is cut with "…" (whole in --attempts and JSON); the error,
 * the last column and the point of --failed, never is. */
#define SUBJECT_WIDTH 44

enum { A_ROUTE, A_CHANNEL, A_KIND, A_SUBJECT, A_STATE, A_ERROR, A_N };

struct alert {
    char *s[A_N]; /* copies of the pd_alert_row strings, never NULL */
    int64_t id;
    pd_ns created, next, expires, done;
    unsigned attempts, items;
};

struct alert_list {
    struct alert *v;
    size_t n, cap;
};

struct attempt {
    pd_ns at, duration;
    int ok;
    char *error;
};

struct attempt_list {
    struct attempt *v;
    size_t n, cap;
};

struct list_opts {
    const char *state; /* pd_db_alerts_list's: NULL (all), "pending" or "failed" */
    pd_ns since;       /* 0: all ages */
    int since_given;
    int64_t attempts_of; /* --attempts ID; 0: the list */
    enum pctl_format format;
    int bom;
};

static int parse_id(const char *text, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v <= 0)
        return -EINVAL;
    *id = v;
    return 0;
}

/* -1 to go on, else the exit code. */
static int list_args(int argc, char **argv, pd_ns now, struct list_opts *o, FILE *errout)
{
    static const struct option longopts[] = {
        {"pending", no_argument, NULL, 'p'},
        {"failed", no_argument, NULL, 'F'},
        {"since", required_argument, NULL, 's'},
        {"attempts", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"no-bom", no_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };
    char err[256];
    int opt;

    *o = (struct list_opts){.format = PCTL_TABLE, .bom = 1};
    optind = 0; /* glibc: start afresh on this argv */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
        case 'F':
            if (o->state)
                return pctl_usage_error(errout, CMD, "--pending and --failed exclude each other");
            o->state = opt == 'p' ? "pending" : "failed";
            break;
        case 's':
            if (pd_time_parse(optarg, now, &o->since, err, sizeof(err)) < 0)
                return pctl_usage_error(errout, CMD, "--since: %s", err);
            o->since_given = 1;
            break;
        case 'a':
            if (parse_id(optarg, &o->attempts_of) < 0)
                return pctl_usage_error(errout, CMD, "--attempts: '%s' is not an alert ID", optarg);
            break;
        case 'f':
            if (pctl_parse_format(optarg, 1, &o->format) < 0)
                return pctl_usage_error(errout, CMD,
                                        "--format must be table, csv or json, not '%s'", optarg);
            break;
        case 'B':
            o->bom = 0;
            break;
        default:
            return pctl_option_error(errout, CMD, opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, CMD, "unexpected argument '%s' (only 'test' takes one)",
                                argv[optind]);
    if (o->attempts_of && (o->state || o->since_given))
        return pctl_usage_error(errout, CMD,
                                "--attempts shows one alert: no --pending, --failed "
                                "or --since with it");
    /* The recent past by default; what is pending or failed, whatever its
     * age: an old alert that reached nobody still matters. */
    if (!o->since_given && !o->state)
        o->since = now - WEEK;
    return -1;
}

static void alert_list_free(struct alert_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int k = 0; k < A_N; k++)
            free(l->v[i].s[k]);
    free(l->v);
}

static int copy_alert(const struct pd_alert_row *r, void *arg)
{
    struct alert_list *l = arg;
    const char *src[A_N] = {r->route, r->channel, r->kind, r->subject, r->state, r->last_error};
    struct alert *a, *grown = pctl_grow(l->v, &l->cap, l->n, sizeof(*l->v));

    if (!grown)
        return -ENOMEM;
    l->v = grown;
    a = &l->v[l->n++];
    *a = (struct alert){.id = r->id,
                        .created = r->created,
                        .next = r->next,
                        .expires = r->expires,
                        .done = r->done,
                        .attempts = r->attempts,
                        .items = r->items};
    for (int k = 0; k < A_N; k++)
        if (!(a->s[k] = pctl_strdup(src[k])))
            return -ENOMEM;
    return 0;
}

static int copy_attempt(const struct pd_alert_attempt_row *r, void *arg)
{
    struct attempt_list *l = arg;
    struct attempt *grown = pctl_grow(l->v, &l->cap, l->n, sizeof(*l->v));

    if (!grown)
        return -ENOMEM;
    l->v = grown;
    l->v[l->n] = (struct attempt){.at = r->at, .duration = r->duration, .ok = r->ok};
    if (!(l->v[l->n].error = pctl_strdup(r->error)))
        return -ENOMEM;
    l->n++;
    return 0;
}

static int is_pending(const struct alert *a)
{
    return strcmp(a->s[A_STATE], "pending") == 0;
}

/* A pending alert's next attempt, or when a finished one ended: the store
 * keeps next_ns on every row, but it means something only while pending. */
static pd_ns next_or_done(const struct alert *a)
{
    return is_pending(a) ? a->next : a->done;
}

/* Time of day only when on the day the alert was created. */
static const char *short_time(pd_ns t, pd_ns created, char *buf, size_t len)
{
    if (!t)
        return "";
    pd_time_format_local(t, buf, len);
    return pd_time_same_day(t, created) ? buf + 11 : buf; /* after "2026-11-21 " */
}

static int list_table(const struct alert_list *l, FILE *out)
{
    static const char *const headers[] = {"ID",        "CREATED", "STATE",     "TRIES",
                                          "NEXT/DONE", "CHANNEL", "ROUTE",     "KIND",
                                          "ITEMS",     "SUBJECT", "LAST ERROR"};
    size_t n_cols = 10;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].s[A_ERROR][0])
            n_cols = 11; /* the error column only when there is one to show */
    struct pd_table *t = pd_table_new(n_cols, headers);
    int rc = -ENOMEM;

    if (!t)
        goto fail;
    pd_table_set_align(t, 0, PD_ALIGN_RIGHT);
    pd_table_set_align(t, 3, PD_ALIGN_RIGHT);
    pd_table_set_align(t, 8, PD_ALIGN_RIGHT);
    pd_table_set_max_width(t, 9, SUBJECT_WIDTH);
    for (size_t i = 0; i < l->n; i++) {
        const struct alert *a = &l->v[i];
        char id[24], created[PD_TIME_BUFLEN], when[PD_TIME_BUFLEN], tries[16], items[16];
        snprintf(id, sizeof(id), "%lld", (long long)a->id);
        snprintf(tries, sizeof(tries), "%u", a->attempts);
        snprintf(items, sizeof(items), "%u", a->items);
        const char *cells[11] = {id,
                                 pd_time_format_local(a->created, created, sizeof(created)),
                                 a->s[A_STATE],
                                 tries,
                                 short_time(next_or_done(a), a->created, when, sizeof(when)),
                                 a->s[A_CHANNEL],
                                 a->s[A_ROUTE],
                                 a->s[A_KIND],
                                 items,
                                 a->s[A_SUBJECT],
                                 a->s[A_ERROR]};
        if (pd_table_add_row(t, cells) < 0)
            goto fail;
    }
    rc = pd_table_print(t, out);
fail:
    pd_table_free(t);
    return rc;
}

static void list_csv(const struct alert_list *l, const struct list_opts *o, FILE *out)
{
    static const char *const headers[] = {"id",    "created", "state",     "attempts", "next",
                                          "done",  "expires", "channel",   "routes",   "kind",
                                          "items", "subject", "last_error"};

    pctl_csv_header(out, o->bom, headers, sizeof(headers) / sizeof(headers[0]));
    for (size_t i = 0; i < l->n; i++) {
        const struct alert *a = &l->v[i];
        fprintf(out, "%lld", (long long)a->id);
        pctl_csv_time(out, a->created);
        pctl_csv_cell(out, a->s[A_STATE], 0, 0);
        fprintf(out, ",%u", a->attempts);
        pctl_csv_time(out, is_pending(a) ? a->next : 0);
        pctl_csv_time(out, a->done);
        pctl_csv_time(out, a->expires);
        pctl_csv_cell(out, a->s[A_CHANNEL], 0, 0);
        pctl_csv_cell(out, a->s[A_ROUTE], 0, 0);
        pctl_csv_cell(out, a->s[A_KIND], 0, 0);
        fprintf(out, ",%u", a->items);
        /* Subjects carry names and reasons from devices. */
        pctl_csv_cell(out, a->s[A_SUBJECT], 0, 1);
        pctl_csv_cell(out, a->s[A_ERROR], 0, 1);
        pctl_csv_end_row(out);
    }
}

static void json_alert(struct pctl_json *j, const char *key, const struct alert *a)
{
    pctl_json_open(j, key, '{');
    pctl_json_int(j, "id", (long long)a->id);
    pctl_json_time(j, "created", a->created);
    pctl_json_str(j, "state", a->s[A_STATE]);
    pctl_json_int(j, "attempts", (long long)a->attempts);
    pctl_json_time(j, "next", is_pending(a) ? a->next : 0);
    pctl_json_time(j, "done", a->done);
    pctl_json_time(j, "expires", a->expires);
    pctl_json_str(j, "channel", a->s[A_CHANNEL]);
    /* The store joins the matching routes' ids with ",". */
    pctl_json_open(j, "routes", '[');
    for (const char *p = a->s[A_ROUTE]; *p;) {
        size_t n = strcspn(p, ",");
        char route[256];
        snprintf(route, sizeof(route), "%.*s", (int)n, p);
        pctl_json_str(j, NULL, route);
        p += n + (p[n] == ',');
    }
    pctl_json_close(j, ']');
    pctl_json_str(j, "kind", a->s[A_KIND]);
    pctl_json_int(j, "items", (long long)a->items);
    pctl_json_str(j, "subject", a->s[A_SUBJECT]);
    pctl_json_str(j, "last_error", a->s[A_ERROR]);
    pctl_json_close(j, '}');
}

static void json_head(struct pctl_json *j, const struct pd_config *cfg, const char *daemon,
                      pd_ns now)
{
    pctl_json_open(j, NULL, '{');
    pctl_json_time(j, "generated", now);
    pctl_json_str(j, "timezone", pd_time_zone());
    pctl_json_str(j, "data_dir", cfg->data_dir);
    pctl_json_str(j, "daemon", daemon);
}

static void list_json(const struct alert_list *l, const struct list_opts *o,
                      const struct pd_config *cfg, const char *daemon, pd_ns now, FILE *out)
{
    struct pctl_json j = {.out = out};

    json_head(&j, cfg, daemon, now);
    pctl_json_str(&j, "selection", o->state ? o->state : "all");
    pctl_json_time(&j, "since", o->since);
    pctl_json_open(&j, "alerts", '[');
    for (size_t i = 0; i < l->n; i++)
        json_alert(&j, NULL, &l->v[i]);
    pctl_json_close(&j, ']');
    pctl_json_close(&j, '}');
}

/* "alerts", "pending alert", ... */
static const char *selection_text(const struct list_opts *o, size_t n)
{
    static const char *const words[3][2] = {{"alert", "alerts"},
                                            {"pending alert", "pending alerts"},
                                            {"failed alert", "failed alerts"}};
    int k = !o->state ? 0 : strcmp(o->state, "pending") == 0 ? 1 : 2;
    return words[k][n != 1];
}

/* What the table holds, and how many of each state: "3 failed alerts: 1
 * still pending, 2 expired; times in Asia/Shanghai". */
static void list_head(const struct alert_list *l, const struct list_opts *o, FILE *out)
{
    char since[PD_TIME_BUFLEN];
    size_t pending = 0, delivered = 0, expired = 0;

    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i].s[A_STATE];
        pending += strcmp(s, "pending") == 0;
        delivered += strcmp(s, "delivered") == 0;
        expired += strcmp(s, "expired") == 0;
    }
    if (l->n == 0)
        fprintf(out, "no %s", selection_text(o, 0));
    else
        fprintf(out, "%zu %s", l->n, selection_text(o, l->n));
    if (o->since)
        fprintf(out, " created since %s%s", pd_time_format(o->since, since, sizeof(since)),
                o->since_given ? "" : " (the last 7 days)");
    if (l->n && !o->state)
        fprintf(out, ": %zu delivered, %zu pending, %zu expired", delivered, pending, expired);
    else if (l->n && strcmp(o->state, "failed") == 0)
        fprintf(out, ": %zu still pending, %zu expired", pending, expired);
    if (l->n)
        fprintf(out, "; times in %s", pd_time_zone());
    fputc('\n', out);
}

static int show_list(const struct pd_config *cfg, struct pd_db *db, const struct list_opts *o,
                     enum pctl_daemon_state st, pd_ns now, FILE *out, FILE *errout)
{
    struct alert_list l = {0};
    int rc = 1, err = pd_db_alerts_list(db, o->state, o->since, 0, copy_alert, &l);

    if (err < 0) {
        fprintf(errout, "probectl " CMD ": reading the alerts: %s\n", strerror(-err));
        goto fail;
    }
    if (o->format == PCTL_CSV) {
        list_csv(&l, o, out);
    } else if (o->format == PCTL_JSON) {
        list_json(&l, o, cfg, pctl_daemon_state_name(st), now, out);
    } else {
        list_head(&l, o, out);
        size_t pending = 0;
        for (size_t i = 0; i < l.n; i++)
            pending += is_pending(&l.v[i]);
        /* Pending alerts go nowhere while the daemon is down. */
        if (pending && st != PCTL_RUNNING)
            fprintf(out, "probed is not running: pending alerts wait for its next start\n");
        if (l.n) {
            fputc('\n', out);
            if (list_table(&l, out) == -ENOMEM) {
                fprintf(errout, "probectl " CMD ": out of memory\n");
                goto fail;
            }
        }
    }
    rc = 0;
fail:
    alert_list_free(&l);
    return rc;
}

/* "0.35s", "12.04s", "1m05s". */
static const char *took_text(pd_ns d, char *buf, size_t len)
{
    if (d < 60 * PD_SEC)
        snprintf(buf, len, "%.2fs", (double)d / PD_SEC);
    else
        pd_duration_short(d, buf, len);
    return buf;
}

static void alert_text(const struct alert *a, FILE *out)
{
    char t[PD_TIME_BUFLEN], u[PD_TIME_BUFLEN];

    fprintf(out, "alert %lld: %s\n", (long long)a->id, a->s[A_SUBJECT]);
    fprintf(out, "created %s, channel %s, route %s, kind %s, %u item%s\n",
            pd_time_format(a->created, t, sizeof(t)), a->s[A_CHANNEL], a->s[A_ROUTE], a->s[A_KIND],
            a->items, a->items == 1 ? "" : "s");
    fprintf(out, "%s", a->s[A_STATE]);
    if (!is_pending(a))
        fprintf(out, " at %s", pd_time_format(a->done, t, sizeof(t)));
    fprintf(out, " after %u attempt%s", a->attempts, a->attempts == 1 ? "" : "s");
    if (is_pending(a))
        fprintf(out, "; next attempt at %s, expires %s", pd_time_format(a->next, t, sizeof(t)),
                pd_time_format(a->expires, u, sizeof(u)));
    fputc('\n', out);
    if (a->s[A_ERROR][0])
        fprintf(out, "last error: %s\n", a->s[A_ERROR]);
}

static int attempts_table(const struct attempt_list *l, FILE *out)
{
    static const char *const headers[] = {"AT", "TOOK", "RESULT", "ERROR"};
    struct pd_table *t = pd_table_new(4, headers);
    int rc = -ENOMEM;

    if (!t)
        goto fail;
    pd_table_set_align(t, 1, PD_ALIGN_RIGHT);
    for (size_t i = 0; i < l->n; i++) {
        char at[PD_TIME_BUFLEN], took[PD_TIME_BUFLEN];
        const char *cells[4] = {pd_time_format_local(l->v[i].at, at, sizeof(at)),
                                took_text(l->v[i].duration, took, sizeof(took)),
                                l->v[i].ok ? "delivered" : "failed", l->v[i].error};
        if (pd_table_add_row(t, cells) < 0)
            goto fail;
    }
    rc = pd_table_print(t, out);
fail:
    pd_table_free(t);
    return rc;
}

static void attempts_csv(const struct attempt_list *l, const struct list_opts *o, FILE *out)
{
    static const char *const headers[] = {"at", "duration_s", "ok", "error"};

    pctl_csv_header(out, o->bom, headers, 4);
    for (size_t i = 0; i < l->n; i++) {
        char at[PD_TIME_BUFLEN];
        pctl_csv_cell(out, pd_time_format_exact(l->v[i].at, at, sizeof(at)), 1, 0);
        fprintf(out, ",%.3f,%d", (double)l->v[i].duration / PD_SEC, l->v[i].ok != 0);
        pctl_csv_cell(out, l->v[i].error, 0, 1);
        pctl_csv_end_row(out);
    }
}

static void attempts_json(const struct alert *a, const struct attempt_list *l,
                          const struct pd_config *cfg, const char *daemon, pd_ns now, FILE *out)
{
    struct pctl_json j = {.out = out};

    json_head(&j, cfg, daemon, now);
    json_alert(&j, "alert", a);
    pctl_json_open(&j, "attempts", '[');
    for (size_t i = 0; i < l->n; i++) {
        pctl_json_open(&j, NULL, '{');
        pctl_json_time(&j, "at", l->v[i].at);
        pctl_json_num(&j, "duration_s", (double)l->v[i].duration / PD_SEC, 3);
        pctl_json_bool(&j, "ok", l->v[i].ok);
        pctl_json_str(&j, "error", l->v[i].error);
        pctl_json_close(&j, '}');
    }
    pctl_json_close(&j, ']');
    pctl_json_close(&j, '}');
}

static int show_attempts(const struct pd_config *cfg, struct pd_db *db, const struct list_opts *o,
                         enum pctl_daemon_state st, pd_ns now, FILE *out, FILE *errout)
{
    struct alert_list one = {0};
    struct attempt_list l = {0};
    int rc = 1, err = pd_db_alert_get(db, o->attempts_of, copy_alert, &one);

    if (err == -ENOENT) {
        fprintf(errout, "probectl " CMD ": no alert %lld in %s/%s\n", (long long)o->attempts_of,
                cfg->data_dir, PD_DB_FILE);
        goto fail;
    }
    if (err == 0)
        err = pd_db_alert_attempts(db, o->attempts_of, copy_attempt, &l);
    if (err < 0) {
        fprintf(errout, "probectl " CMD ": reading alert %lld: %s\n", (long long)o->attempts_of,
                strerror(-err));
        goto fail;
    }
    const struct alert *a = &one.v[0];
    if (o->format == PCTL_CSV) {
        attempts_csv(&l, o, out);
    } else if (o->format == PCTL_JSON) {
        attempts_json(a, &l, cfg, pctl_daemon_state_name(st), now, out);
    } else {
        alert_text(a, out);
        if (is_pending(a) && st != PCTL_RUNNING)
            fprintf(out, "probed is not running: the alert waits for its next start\n");
        if (!l.n)
            fprintf(out, "no attempt yet\n");
        if (l.n) {
            fprintf(out, "\nattempts, oldest first; times in %s\n", pd_time_zone());
            if (attempts_table(&l, out) == -ENOMEM) {
                fprintf(errout, "probectl " CMD ": out of memory\n");
                goto fail;
            }
        }
    }
    rc = 0;
fail:
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].error);
    free(l.v);
    alert_list_free(&one);
    return rc;
}

int pd_cmd_alerts_list(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    pd_ns now = pd_clock_wall();
    struct list_opts o;
    struct pctl_run run = {0};
    struct pd_db *db = NULL;
    int rc = list_args(argc, argv, now, &o, errout);

    if (rc >= 0)
        return rc;
    rc = 1;
    if (pctl_open_store(cfg, CMD, &db, errout) < 0)
        goto fail;
    if (pctl_load_run(db, &run, CMD, errout) < 0)
        goto fail;
    enum pctl_daemon_state st = pctl_daemon_state(&run, cfg->heartbeat, now);
    if (o.attempts_of)
        rc = show_attempts(cfg, db, &o, st, now, out, errout);
    else
        rc = show_list(cfg, db, &o, st, now, out, errout);
    if (rc == 0)
        rc = pctl_finish_output(out, errout, CMD);
fail:
    pd_db_close(db);
    return rc;
}
