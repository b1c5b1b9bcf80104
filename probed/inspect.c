#include "inspect.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

const char *pd_problem_kind_name(enum pd_problem_kind k)
{
    static const char *const names[] = {"down",    "check_down", "outages",   "loss",
                                        "latency", "jitter",     "media",     "cert",
                                        "reboot",  "if_errors",  "unobserved"};
    return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

void pd_stat_clear(struct pd_stat *s)
{
    *s = (struct pd_stat){.mean = NAN, .p50 = NAN, .p95 = NAN, .max = NAN, .last = NAN};
}

struct weighted {
    double v, w;
};

static int cmp_weighted(const void *a, const void *b)
{
    const struct weighted *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* The least value whose samples, with all below it, cover share of the
 * total weight. */
static double percentile(const struct weighted *s, size_t n, double total, double share)
{
    double acc = 0, want = share * total;
    for (size_t i = 0; i < n; i++) {
        acc += s[i].w;
        if (acc >= want)
            return s[i].v;
    }
    return n ? s[n - 1].v : NAN;
}

int pd_stat_compute(const double *v, const double *w, size_t n, struct pd_stat *out)
{
    pd_stat_clear(out);
    struct weighted *s = n ? malloc(n * sizeof(*s)) : NULL;
    if (n && !s)
        return -ENOMEM;
    size_t k = 0;
    double total = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || isinf(v[i]) || !(w[i] > 0))
            continue;
        s[k++] = (struct weighted){v[i], w[i]};
        total += w[i];
        sum += v[i] * w[i];
        out->last = v[i];
        if (isnan(out->max) || v[i] > out->max)
            out->max = v[i];
    }
    out->n = k;
    out->covered_s = total;
    out->integral = sum;
    if (k > 0) {
        out->mean = sum / total;
        qsort(s, k, sizeof(*s), cmp_weighted);
        out->p50 = percentile(s, k, total, 0.50);
        out->p95 = percentile(s, k, total, 0.95);
    }
    free(s);
    return 0;
}

void pd_inspect_device_clear(struct pd_inspect_device *d)
{
    for (size_t i = 0; i < d->n_checks; i++) {
        free(d->checks[i].id);
        free(d->checks[i].type);
        free(d->checks[i].reason);
    }
    free(d->checks);
    for (size_t i = 0; i < d->n_ifaces; i++) {
        free(d->ifaces[i].series);
        free(d->ifaces[i].label);
    }
    free(d->ifaces);
    free(d->note);
    d->checks = NULL;
    d->ifaces = NULL;
    d->note = NULL;
    d->n_checks = d->n_ifaces = 0;
}

void pd_inspection_free(struct pd_inspection *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->n_devices; i++)
        pd_inspect_device_clear(&in->devices[i]);
    free(in->devices);
    free(in->sites);
    free(in->problems);
    free(in->label);
    pd_report_free(in->report);
    free(in);
}

struct problems {
    struct pd_inspect_problem *v;
    size_t n, cap;
};

static struct pd_inspect_problem *add(struct problems *p, enum pd_problem_kind kind, size_t device,
                                      double impact)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? 2 * p->cap : 32;
        void *nv = realloc(p->v, ncap * sizeof(*p->v));
        if (!nv)
            return NULL;
        p->v = nv;
        p->cap = ncap;
    }
    struct pd_inspect_problem *x = &p->v[p->n++];
    *x = (struct pd_inspect_problem){.kind = kind, .device = device, .impact = impact};
    return x;
}

static const char *dur(double seconds, char *buf, size_t len)
{
    return pd_duration_short((pd_ns)llround(seconds) * PD_SEC, buf, len);
}

/* The first DOWN check's reason, to say why a device is DOWN. */
static const struct pd_inspect_check *down_check(const struct pd_inspect_device *d)
{
    for (size_t i = 0; i < d->n_checks; i++)
        if (d->checks[i].state == PD_STATE_DOWN)
            return &d->checks[i];
    return NULL;
}

static int judge_state(const struct pd_inspect_device *d, size_t idx, pd_ns end, struct problems *p)
{
    char at[PD_TIME_BUFLEN], len[PD_TIME_BUFLEN];
    struct pd_inspect_problem *x;
    if (d->state == PD_STATE_DOWN) {
        double down = d->state_since ? (double)(end - d->state_since) / 1e9 : 0;
        const struct pd_inspect_check *c = down_check(d);
        if (!(x = add(p, PD_PROBLEM_DOWN, idx, down)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "DOWN since %s (%s)%s%s%s%s",
                 pd_time_format_local(d->state_since, at, sizeof(at)), dur(down, len, sizeof(len)),
                 c ? ": " : "", c ? c->id : "", c && c->reason[0] ? ": " : "",
                 c && c->reason[0] ? c->reason : "");
        return 0;
    }
    /* A DOWN device's checks are down with it: only an UP device's. */
    for (size_t i = 0; i < d->n_checks; i++) {
        const struct pd_inspect_check *c = &d->checks[i];
        if (c->state != PD_STATE_DOWN)
            continue;
        double down = c->since ? (double)(end - c->since) / 1e9 : 0;
        if (!(x = add(p, PD_PROBLEM_CHECK_DOWN, idx, down)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "check %s (%s) DOWN since %s (%s)%s%s", c->id, c->type,
                 pd_time_format_local(c->since, at, sizeof(at)), dur(down, len, sizeof(len)),
                 c->reason[0] ? ": " : "", c->reason);
    }
    return 0;
}

static int judge_outages(const struct pd_inspect_device *d, size_t idx, struct problems *p)
{
    const struct pd_avail *a = &d->t->avail;
    unsigned n = 0;
    double longest = 0;
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        /* The ongoing one is the DOWN problem already. */
        if (o->maintenance_only || (!o->end && d->state == PD_STATE_DOWN))
            continue;
        n++;
        if ((double)o->counted / 1e9 > longest)
            longest = (double)o->counted / 1e9;
    }
    if (n == 0)
        return 0;
    char down[PD_TIME_BUFLEN], lg[PD_TIME_BUFLEN];
    struct pd_inspect_problem *x = add(p, PD_PROBLEM_OUTAGES, idx, a->downtime_s);
    if (!x)
        return -ENOMEM;
    snprintf(x->text, sizeof(x->text), "%u outage%s, down %s in the period (longest %s)", n,
             n == 1 ? "" : "s", dur(a->downtime_s, down, sizeof(down)),
             dur(longest, lg, sizeof(lg)));
    return 0;
}

static int judge_measures(const struct pd_inspect_device *d, size_t idx,
                          const struct pd_inspection_conf *c, struct problems *p)
{
    struct pd_inspect_problem *x;
    if (c->loss_pct > 0 && d->loss.n && d->loss.mean > c->loss_pct) {
        if (!(x = add(p, PD_PROBLEM_LOSS, idx, d->loss.mean)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text),
                 "ping loss %.2f %% on average (95th percentile %.2f %%, limit %g %%)",
                 d->loss.mean, d->loss.p95, c->loss_pct);
    }
    if (c->latency_ms > 0 && d->rtt.n && d->rtt.p95 > c->latency_ms) {
        if (!(x = add(p, PD_PROBLEM_LATENCY, idx, d->rtt.p95)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "latency %.1f ms at the 95th percentile (limit %g ms)",
                 d->rtt.p95, c->latency_ms);
    }
    if (c->jitter_ms > 0 && d->jitter.n && d->jitter.p95 > c->jitter_ms) {
        if (!(x = add(p, PD_PROBLEM_JITTER, idx, d->jitter.p95)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "jitter %.1f ms at the 95th percentile (limit %g ms)",
                 d->jitter.p95, c->jitter_ms);
    }
    const struct pd_report_media *m = &d->t->media;
    if (m->has && m->degraded_s > 0) {
        char deg[PD_TIME_BUFLEN];
        if (!(x = add(p, PD_PROBLEM_MEDIA, idx, m->degraded_s)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text),
                 "media degraded %s in %u period%s (%.2f %% of the time "
                 "with media)",
                 dur(m->degraded_s, deg, sizeof(deg)), m->periods, m->periods == 1 ? "" : "s",
                 m->degraded_pct);
    }
    if (c->cert_days > 0 && d->has_cert && !isnan(d->cert_days) &&
        d->cert_days <= (double)c->cert_days) {
        if (!(x = add(p, PD_PROBLEM_CERT, idx, -d->cert_days)))
            return -ENOMEM;
        if (d->cert_days < 0)
            snprintf(x->text, sizeof(x->text), "certificate expired %.0f days ago",
                     floor(-d->cert_days));
        else
            snprintf(x->text, sizeof(x->text), "certificate expires in %.0f days (within %ld)",
                     floor(d->cert_days), c->cert_days);
    }
    if (d->reboots > 0) {
        if (!(x = add(p, PD_PROBLEM_REBOOT, idx, d->reboots)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "%u reboot%s (SNMP agent restarted)", d->reboots,
                 d->reboots == 1 ? "" : "s");
    }
    if (llround(d->if_errors) >= 1) {
        const struct pd_inspect_iface *worst = NULL;
        for (size_t i = 0; i < d->n_ifaces; i++)
            if (!worst || d->ifaces[i].errors > worst->errors)
                worst = &d->ifaces[i];
        if (!(x = add(p, PD_PROBLEM_IF_ERRORS, idx, d->if_errors)))
            return -ENOMEM;
        snprintf(x->text, sizeof(x->text), "%.0f interface errors%s%s%s%s", d->if_errors,
                 worst ? ", most on " : "", worst ? worst->series : "",
                 worst && worst->label[0] ? " " : "", worst ? worst->label : "");
    }
    return 0;
}

static int judge_coverage(const struct pd_inspect_device *d, size_t idx, struct problems *p)
{
    const struct pd_avail *a = &d->t->avail;
    double min = d->t->severity ? d->t->severity->limits.coverage_min : 99;
    bool low = !isnan(a->coverage_pct) && a->coverage_pct < min;
    if (!low && d->state != PD_STATE_UNKNOWN)
        return 0;
    struct pd_inspect_problem *x = add(p, PD_PROBLEM_UNOBSERVED, idx, a->unknown_s);
    if (!x)
        return -ENOMEM;
    snprintf(x->text, sizeof(x->text), "observed %.2f %% of the period%s", a->coverage_pct,
             d->state == PD_STATE_UNKNOWN ? "; not observed at its end" : "");
    return 0;
}

static int cmp_problem(const void *a, const void *b)
{
    const struct pd_inspect_problem *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->impact != y->impact)
        return x->impact > y->impact ? -1 : 1;
    return (x->device > y->device) - (x->device < y->device);
}

/* site is path itself or below it. */
static bool under(const char *site, const char *path)
{
    size_t n = strlen(path);
    return strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static int sum_sites(struct pd_inspection *in, const bool *with_problem)
{
    const struct pd_report *r = in->report;
    if (r->n_sites && !(in->sites = calloc(r->n_sites, sizeof(*in->sites))))
        return -ENOMEM;
    for (size_t s = 0; s < r->n_sites; s++) {
        struct pd_inspect_site *o = &in->sites[s];
        for (size_t i = 0; i < in->n_devices; i++) {
            const struct pd_inspect_device *d = &in->devices[i];
            if (!under(d->t->site, r->sites[s].path))
                continue;
            o->down += d->state == PD_STATE_DOWN;
            o->problems += with_problem[i];
            o->reboots += d->reboots;
            o->if_errors += d->if_errors;
            for (size_t k = 0; k < d->t->avail.n_outages; k++)
                o->outages += !d->t->avail.outages[k].maintenance_only;
        }
    }
    return 0;
}

int pd_inspect_finish(struct pd_inspection *in, const struct pd_inspection_conf *c)
{
    struct problems p = {0};
    bool *with_problem = NULL;
    int rc = -ENOMEM;
    in->loss_pct = c->loss_pct;
    in->latency_ms = c->latency_ms;
    in->jitter_ms = c->jitter_ms;
    in->cert_days = c->cert_days;
    if (in->n_devices && !(with_problem = calloc(in->n_devices, sizeof(*with_problem))))
        goto fail;
    pd_ns end = in->report->period.end;
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        size_t before = p.n;
        if ((rc = judge_state(d, i, end, &p)) < 0 || (rc = judge_outages(d, i, &p)) < 0 ||
            (rc = judge_measures(d, i, c, &p)) < 0 || (rc = judge_coverage(d, i, &p)) < 0)
            goto fail;
        with_problem[i] = p.n > before;
    }
    if (p.n > 1)
        qsort(p.v, p.n, sizeof(*p.v), cmp_problem);
    if ((rc = sum_sites(in, with_problem)) < 0)
        goto fail;
    free(in->problems);
    in->problems = p.v;
    in->n_problems = p.n;
    free(with_problem);
    return 0;
fail:
    free(p.v);
    free(with_problem);
    return rc;
}
