#include "inspect_source.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "hashmap.h"
#include "report_source.h"
#include "rrd_read.h"

/* One change of one check of one target, from the store. */
struct check_point {
    size_t device;
    const char *check; /* borrowed from the configuration */
    pd_ns at;
    size_t seq; /* recorded order: at equal times the later holds */
    enum pd_state state;
    char *reason;
};

struct reader {
    struct pd_inspection *in;
    const struct pd_config *cfg;
    const char *data_dir;
    struct pd_hashmap devices; /* target id -> device index + 1 */
    struct pd_hashmap conf;    /* target id -> its struct pd_target_conf */
    const char **check_ids;    /* every check id of the reported targets' templates, once */
    size_t n_check_ids;
    struct check_point *points;
    size_t n_points, cap_points;
    int rc;
};

static size_t device_of(const struct reader *r, const char *id)
{
    return (size_t)(uintptr_t)pd_hashmap_get(&r->devices, id); /* 0: none */
}

static const struct pd_target_conf *target_conf(const struct reader *r, const char *id)
{
    return pd_hashmap_get(&r->conf, id);
}

/* Append to the device's note, for people: "ping: no series file yet". */
static void note(struct pd_inspect_device *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct pd_inspect_device *d, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t old = d->note ? strlen(d->note) : 0;
    char *n = realloc(d->note, old + strlen(line) + 3);
    if (!n)
        return; /* a note is for people; losing it loses no figure */
    if (old)
        memcpy(n + old, "; ", 3);
    else
        n[0] = '\0';
    strcat(n, line);
    d->note = n;
}

static const char *fetch_failure(int rc, const char *why)
{
    return rc == -ENOENT ? "no series file yet" : rc == -ENODATA ? "no archive to read" : why;
}

/* The rows of [from, to) as values and weights of column k. */
static int column_stat(const struct pd_rrd_values *v, size_t k, pd_ns from, pd_ns to,
                       struct pd_stat *out)
{
    double *x = v->n_rows ? malloc(v->n_rows * sizeof(*x)) : NULL;
    double *w = v->n_rows ? malloc(v->n_rows * sizeof(*w)) : NULL;
    int rc = -ENOMEM;
    if (v->n_rows && (!x || !w))
        goto out;
    for (size_t i = 0; i < v->n_rows; i++) {
        x[i] = v->v[i * v->n_ds + k];
        w[i] = pd_rrd_row_overlap(v, i, from, to);
    }
    rc = pd_stat_compute(x, w, v->n_rows, out);
out:
    free(x);
    free(w);
    return rc;
}

/* The period's AVERAGE rows of the check's series (series NULL: its main
 * file): 1 with *v filled (free it), 0 when they cannot be read (a note
 * on the device says why), or -ENOMEM. */
static int fetch_rows(struct reader *r, struct pd_inspect_device *d, const char *check,
                      const char *series, const char *const *ds, size_t n_ds,
                      struct pd_rrd_values *v)
{
    const struct pd_span p = r->in->report->period;
    char why[512];
    int rc = pd_rrd_fetch(r->data_dir, d->t->id, check, series, "AVERAGE", p.start, p.end, ds, n_ds,
                          v, why, sizeof(why));
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0) {
        note(d, "%s%s%s: %s", check, series ? "/" : "", series ? series : "",
             fetch_failure(rc, why));
        return 0;
    }
    return 1;
}

static int read_icmp(struct reader *r, struct pd_inspect_device *d, const char *check)
{
    static const char *const ds[] = {"loss_pct", "rtt_median", "jitter", "rtt_max"};
    const struct pd_span p = r->in->report->period;
    struct pd_rrd_values v, mx;
    char why[512];
    int rc = fetch_rows(r, d, check, NULL, ds, 4, &v);
    if (rc <= 0)
        return rc;
    struct pd_stat rmax;
    d->icmp_step = v.step;
    if ((rc = column_stat(&v, 0, p.start, p.end, &d->loss)) < 0 ||
        (rc = column_stat(&v, 1, p.start, p.end, &d->rtt)) < 0 ||
        (rc = column_stat(&v, 2, p.start, p.end, &d->jitter)) < 0 ||
        (rc = column_stat(&v, 3, p.start, p.end, &rmax)) < 0)
        goto out;
    d->rtt_max = rmax.max;
    /* Averaged rows hide the worst round: the MAX archive of the same
     * resolution keeps it, where the file has one. */
    if (pd_rrd_fetch(r->data_dir, d->t->id, check, NULL, "MAX", p.start, p.end, ds + 3, 1, &mx, why,
                     sizeof(why)) == 0) {
        if (mx.step == v.step && (rc = column_stat(&mx, 0, p.start, p.end, &rmax)) == 0 && rmax.n)
            d->rtt_max = rmax.max;
        pd_rrd_values_free(&mx);
    }
out:
    pd_rrd_values_free(&v);
    return rc;
}

/* The device's entry for a series, added when new. Few interfaces have
 * errors or events: the array grows one at a time. */
static struct pd_inspect_iface *iface_of(struct pd_inspect_device *d, const char *series)
{
    for (size_t i = 0; i < d->n_ifaces; i++)
        if (strcmp(d->ifaces[i].series, series) == 0)
            return &d->ifaces[i];
    void *p = realloc(d->ifaces, (d->n_ifaces + 1) * sizeof(*d->ifaces));
    if (!p)
        return NULL;
    d->ifaces = p;
    struct pd_inspect_iface *f = &d->ifaces[d->n_ifaces];
    *f = (struct pd_inspect_iface){.series = strdup(series), .label = strdup("")};
    if (!f->series || !f->label) {
        free(f->series);
        free(f->label);
        return NULL;
    }
    d->n_ifaces++;
    return f;
}

/* The interfaces' error and discard rates (per second) over time: counts. */
static int read_snmp_series(struct reader *r, struct pd_inspect_device *d, const char *check)
{
    static const char *const ds[] = {"in_errors", "out_errors", "in_discards", "out_discards"};
    const struct pd_span p = r->in->report->period;
    char **names = NULL;
    size_t n = 0;
    int rc = pd_graph_series(r->data_dir, d->t->id, check, &names, &n);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0) {
        note(d, "%s: cannot list its series: %s", check, strerror(-rc));
        return 0;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct pd_rrd_values v;
        int frc = fetch_rows(r, d, check, names[i], ds, 4, &v);
        if (frc < 0) {
            rc = frc;
            break;
        }
        if (frc == 0)
            continue;
        if (v.found & 3) { /* an interface, not a file system */
            double sum[4];
            for (size_t k = 0; rc == 0 && k < 4; k++) {
                struct pd_stat s;
                rc = column_stat(&v, k, p.start, p.end, &s);
                sum[k] = s.integral;
            }
            if (rc == 0 && (sum[0] + sum[1] >= 0.5 || sum[2] + sum[3] >= 0.5)) {
                struct pd_inspect_iface *f = iface_of(d, names[i]);
                if (!f)
                    rc = -ENOMEM;
                else {
                    f->errors = sum[0] + sum[1];
                    f->discards = sum[2] + sum[3];
                }
            }
        }
        pd_rrd_values_free(&v);
    }
    pd_graph_series_free(names, n);
    return rc;
}

static int read_cert(struct reader *r, struct pd_inspect_device *d, const char *check)
{
    static const char *const ds[] = {"cert_days_left"};
    const struct pd_span p = r->in->report->period;
    struct pd_rrd_values v;
    int rc = fetch_rows(r, d, check, NULL, ds, 1, &v);
    if (rc <= 0)
        return rc;
    struct pd_stat s;
    rc = column_stat(&v, 0, p.start, p.end, &s);
    /* The least among the device's certificates, as last seen. */
    if (rc == 0 && s.n && (!d->has_cert || s.last < d->cert_days)) {
        d->has_cert = true;
        d->cert_days = s.last;
    }
    pd_rrd_values_free(&v);
    return rc;
}

static int read_rtp(struct reader *r, struct pd_inspect_device *d, const char *check)
{
    static const char *const ds[] = {"loss_pct", "jitter_ms"};
    const struct pd_span p = r->in->report->period;
    struct pd_rrd_values v;
    int rc = fetch_rows(r, d, check, NULL, ds, 2, &v);
    if (rc <= 0)
        return rc;
    if ((rc = column_stat(&v, 0, p.start, p.end, &d->media_loss)) == 0)
        rc = column_stat(&v, 1, p.start, p.end, &d->media_jitter);
    pd_rrd_values_free(&v);
    return rc;
}

static int read_measures(struct reader *r, struct pd_inspect_device *d,
                         const struct pd_template *tm)
{
    bool icmp = false, snmp = false, rtp = false;
    int rc = 0;
    pd_stat_clear(&d->rtt);
    pd_stat_clear(&d->loss);
    pd_stat_clear(&d->jitter);
    pd_stat_clear(&d->media_loss);
    pd_stat_clear(&d->media_jitter);
    d->rtt_max = d->cert_days = NAN;
    for (size_t k = 0; rc == 0 && tm && k < tm->n_checks; k++) {
        const struct pd_check_conf *c = &tm->checks[k];
        if (strcmp(c->type, "icmp") == 0 && !icmp) {
            icmp = d->has_icmp = true;
            rc = read_icmp(r, d, c->id);
        } else if (strcmp(c->type, "snmp") == 0 && !snmp) {
            snmp = d->has_snmp = true;
            rc = read_snmp_series(r, d, c->id);
        } else if (strcmp(c->type, "http") == 0) {
            rc = read_cert(r, d, c->id);
        } else if (strcmp(c->type, "rtp") == 0 && !rtp) {
            rtp = d->has_rtp = true;
            rc = read_rtp(r, d, c->id);
        }
    }
    return rc;
}

static int check_point_cb(const struct pd_point_row *row, void *arg)
{
    struct reader *r = arg;
    size_t dev = device_of(r, row->target_id);
    enum pd_state st;
    if (!dev || pd_state_parse(row->state, &st) < 0)
        return 0;
    const char *check = NULL;
    for (size_t i = 0; i < r->n_check_ids && !check; i++)
        if (strcmp(r->check_ids[i], row->check_id) == 0)
            check = r->check_ids[i];
    if (!check)
        return 0;
    if (r->n_points == r->cap_points) {
        size_t cap = r->cap_points ? 2 * r->cap_points : 256;
        void *p = realloc(r->points, cap * sizeof(*r->points));
        if (!p)
            return r->rc = -ENOMEM;
        r->points = p;
        r->cap_points = cap;
    }
    struct check_point *p = &r->points[r->n_points];
    *p = (struct check_point){dev - 1, check, row->at, r->n_points, st, strdup(row->reason)};
    if (!p->reason)
        return r->rc = -ENOMEM;
    r->n_points++;
    return 0;
}

static int cmp_check_point(const void *a, const void *b)
{
    const struct check_point *x = a, *y = b;
    if (x->device != y->device)
        return x->device < y->device ? -1 : 1;
    int c = strcmp(x->check, y->check);
    if (c)
        return c;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The state holding just before end, and since when, from sorted points:
 * a run of equal states is one state. *last: the index of the point that
 * holds, n when none. */
static void state_before(const struct pd_avail_point *p, size_t n, pd_ns end, enum pd_state *st,
                         pd_ns *since, size_t *last)
{
    size_t k = n;
    for (size_t i = 0; i < n && p[i].at < end; i++)
        k = i;
    *last = k;
    *st = PD_STATE_UNKNOWN;
    *since = 0;
    if (k == n)
        return;
    size_t j = k;
    while (j > 0 && p[j - 1].state == p[k].state)
        j--;
    *st = p[k].state;
    *since = p[j].at;
}

/* Every check of each device's template, with its state at the end. */
static int check_states(struct reader *r, struct pd_db *db)
{
    int rc = 0;
    if (r->n_check_ids) {
        rc = pd_db_check_points(db, r->check_ids, r->n_check_ids, NULL, 0, check_point_cb, r);
        if (r->rc)
            rc = r->rc;
        if (rc != 0)
            return rc < 0 ? rc : -EIO;
    }
    if (r->n_points > 1)
        qsort(r->points, r->n_points, sizeof(*r->points), cmp_check_point);
    pd_ns end = r->in->report->period.end;
    struct pd_avail_point *pts = r->n_points ? malloc(r->n_points * sizeof(*pts)) : NULL;
    if (r->n_points && !pts)
        return -ENOMEM;
    size_t at = 0;
    for (size_t i = 0; i < r->in->n_devices && rc == 0; i++) {
        struct pd_inspect_device *d = &r->in->devices[i];
        const struct pd_target_conf *tc = target_conf(r, d->t->id);
        const struct pd_template *tm = tc ? tc->tmpl : NULL;
        if (!tm || tm->n_checks == 0)
            continue;
        if (!(d->checks = calloc(tm->n_checks, sizeof(*d->checks)))) {
            rc = -ENOMEM;
            break;
        }
        while (at < r->n_points && r->points[at].device < i)
            at++;
        for (size_t k = 0; k < tm->n_checks; k++) {
            struct pd_inspect_check *c = &d->checks[d->n_checks++];
            const char *id = tm->checks[k].id;
            size_t n = 0, first = at;
            while (first < r->n_points && r->points[first].device == i &&
                   strcmp(r->points[first].check, id) != 0)
                first++;
            while (first + n < r->n_points && r->points[first + n].device == i &&
                   strcmp(r->points[first + n].check, id) == 0) {
                pts[n] =
                    (struct pd_avail_point){r->points[first + n].at, r->points[first + n].state};
                n++;
            }
            size_t last;
            state_before(pts, n, end, &c->state, &c->since, &last);
            c->id = strdup(id);
            c->type = strdup(tm->checks[k].type);
            c->reason = strdup(last < n ? r->points[first + last].reason : "");
            if (!c->id || !c->type || !c->reason) {
                rc = -ENOMEM;
                break;
            }
        }
    }
    free(pts);
    return rc;
}

static int note_cb(const struct pd_note_row *row, void *arg)
{
    struct reader *r = arg;
    size_t dev = device_of(r, row->target_id);
    if (!dev)
        return 0;
    struct pd_inspect_device *d = &r->in->devices[dev - 1];
    if (strcmp(row->kind, "reboot") == 0) {
        d->reboots++;
    } else if (strcmp(row->kind, "interface_down") == 0 && row->series[0]) {
        struct pd_inspect_iface *f = iface_of(d, row->series);
        if (!f)
            return r->rc = -ENOMEM;
        f->down_events++;
    }
    return 0;
}

static int label_cb(const struct pd_series_row *row, void *arg)
{
    struct pd_inspect_device *d = arg;
    for (size_t i = 0; i < d->n_ifaces; i++) {
        struct pd_inspect_iface *f = &d->ifaces[i];
        if (strcmp(f->series, row->series) != 0)
            continue;
        char *label = strdup(row->label);
        if (!label)
            return -ENOMEM;
        free(f->label);
        f->label = label;
    }
    return 0;
}

static int cmp_iface(const void *a, const void *b)
{
    const struct pd_inspect_iface *x = a, *y = b;
    return strcmp(x->series, y->series);
}

/* Interface totals, names for people, in a stable order. */
static int finish_ifaces(struct pd_db *db, const struct pd_target_conf *tc,
                         struct pd_inspect_device *d)
{
    d->if_errors = d->if_discards = 0;
    d->if_down_events = 0;
    for (size_t i = 0; i < d->n_ifaces; i++) {
        d->if_errors += d->ifaces[i].errors;
        d->if_discards += d->ifaces[i].discards;
        d->if_down_events += d->ifaces[i].down_events;
    }
    if (d->n_ifaces > 1)
        qsort(d->ifaces, d->n_ifaces, sizeof(*d->ifaces), cmp_iface);
    for (size_t k = 0; d->n_ifaces && tc && k < tc->tmpl->n_checks; k++) {
        if (strcmp(tc->tmpl->checks[k].type, "snmp") != 0)
            continue;
        int rc = pd_db_series(db, d->t->id, tc->tmpl->checks[k].id, label_cb, d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int collect_check_ids(struct reader *r)
{
    size_t cap = 0;
    for (size_t i = 0; i < r->cfg->n_templates; i++)
        cap += r->cfg->templates[i].n_checks;
    if (!cap)
        return 0;
    if (!(r->check_ids = calloc(cap, sizeof(*r->check_ids))))
        return -ENOMEM;
    for (size_t i = 0; i < r->cfg->n_templates; i++) {
        const struct pd_template *tm = &r->cfg->templates[i];
        for (size_t k = 0; k < tm->n_checks; k++) {
            size_t j = 0;
            while (j < r->n_check_ids && strcmp(r->check_ids[j], tm->checks[k].id) != 0)
                j++;
            if (j == r->n_check_ids)
                r->check_ids[r->n_check_ids++] = tm->checks[k].id;
        }
    }
    return 0;
}

/* The period's report, from the same reader and builder as `probectl
 * report`: every target is read, as the report reads them, so that the
 * records' reach is the same. */
static int build_report(struct pd_db *db, const struct pd_config *cfg,
                        const struct pd_inspect_request *req, struct pd_report_data *data,
                        struct pd_report **out, char *err, size_t errlen)
{
    int rc = pd_report_data_from_store(db, cfg, NULL, 0, data, err, errlen);
    if (rc < 0)
        return rc;
    data->in.month = req->label;
    pd_report_period_so_far(&data->in, req->start, req->end, req->now);
    data->in.timezone = cfg->timezone;
    data->in.version = PROBED_VERSION;
    data->in.config_hash = req->config_hash;
    data->in.source = req->source;
    data->in.generated = req->now;
    data->in.scope = req->site ? PD_SCOPE_SITE : PD_SCOPE_ALL;
    data->in.scope_what = req->site;
    if ((rc = pd_report_build(&data->in, out, err, errlen)) < 0)
        return rc;
    if ((*out)->n_targets == 0) {
        snprintf(err, errlen, "no target %s was in service in the period",
                 req->site ? "of this site" : "at all");
        return -ENOENT;
    }
    return 0;
}

static int cmp_source(const void *a, const void *b)
{
    const struct pd_source_target *x = a, *y = b;
    return strcmp(x->id, y->id);
}

/* The target's own state at the end, from the report's records (sorted
 * by id). */
static void target_state(const struct pd_report_data *data, struct pd_inspect_device *d, pd_ns end)
{
    struct pd_source_target key = {.id = d->t->id};
    const struct pd_source_target *t =
        data->n_targets ? bsearch(&key, data->targets, data->n_targets, sizeof(key), cmp_source)
                        : NULL;
    size_t last;
    if (t)
        state_before(t->points, t->n_points, end, &d->state, &d->state_since, &last);
}

/* err for a failure reading the store (rc: -errno, or a positive SQLite
 * code from a reader). */
static int store_error(int rc, char *err, size_t errlen)
{
    if (rc > 0)
        rc = -EIO;
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    else
        snprintf(err, errlen, "cannot read the event store: %s", strerror(-rc));
    return rc;
}

int pd_inspect_from_store(struct pd_db *db, const struct pd_config *cfg,
                          const struct pd_inspect_request *req, struct pd_inspection **out,
                          char *err, size_t errlen)
{
    struct pd_report_data data = {0};
    struct reader r = {.cfg = cfg, .data_dir = cfg->data_dir};
    struct pd_inspection *in = calloc(1, sizeof(*in));
    int rc = -ENOMEM;

    *out = NULL;
    pd_hashmap_init(&r.devices);
    pd_hashmap_init(&r.conf);
    r.in = in;
    if (!in || !(in->label = strdup(req->label)))
        goto nomem;
    in->kind = req->kind;
    in->since_day = req->since_day;
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (pd_hashmap_put(&r.conf, cfg->targets[i].id, &cfg->targets[i]) < 0)
            goto nomem;
    if ((rc = build_report(db, cfg, req, &data, &in->report, err, errlen)) < 0)
        goto out;
    const struct pd_report *rep = in->report;
    if (!(in->devices = calloc(rep->n_targets, sizeof(*in->devices))))
        goto nomem;
    in->n_devices = rep->n_targets;
    for (size_t i = 0; i < rep->n_targets; i++) {
        struct pd_inspect_device *d = &in->devices[i];
        d->t = &rep->targets[i];
        if (pd_hashmap_put(&r.devices, d->t->id, (void *)(uintptr_t)(i + 1)) < 0)
            goto nomem;
        target_state(&data, d, rep->period.end);
    }
    if ((rc = collect_check_ids(&r)) < 0 || (rc = check_states(&r, db)) < 0)
        goto store;
    struct pd_event_filter filter = {
        .site_prefix = req->site, .from = rep->period.start, .until = rep->period.end};
    if ((rc = pd_db_notes(db, &filter, note_cb, &r)) != 0 || (rc = r.rc) != 0)
        goto store;
    for (size_t i = 0; i < in->n_devices; i++) {
        struct pd_inspect_device *d = &in->devices[i];
        const struct pd_target_conf *tc = target_conf(&r, d->t->id);
        if (!tc)
            note(d, "not in the configuration: no measurements read");
        if ((rc = read_measures(&r, d, tc ? tc->tmpl : NULL)) < 0 ||
            (tc && (rc = finish_ifaces(db, tc, d)) < 0))
            goto store;
    }
    if ((rc = pd_inspect_finish(in, &cfg->inspection)) < 0)
        goto nomem;
    *out = in;
    in = NULL;
    rc = 0;
    goto out;
store:
    rc = store_error(rc, err, errlen);
    goto out;
nomem:
    rc = -ENOMEM;
    snprintf(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < r.n_points; i++)
        free(r.points[i].reason);
    free(r.points);
    free(r.check_ids);
    pd_hashmap_free(&r.devices);
    pd_hashmap_free(&r.conf);
    pd_report_data_free(&data);
    pd_inspection_free(in);
    return rc;
}
