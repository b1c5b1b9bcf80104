#include "report_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "probectl_common.h"

/* docs/reports.md describes this schema; bump it on any change that
 * breaks a reader. */
#define REPORT_JSON_SCHEMA 1

static double minutes(pd_ns d)
{
    return (double)d / 60e9;
}

static double limit_or_nan(double v)
{
    return v > 0 ? v : NAN;
}

static void severities(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_open(j, "severities", '[');
    for (size_t i = 0; i < r->n_severities; i++) {
        const struct pd_sla_limits *l = &r->severities[i].limits;
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "name", r->severities[i].name);
        pctl_json_num(j, "availability_min_pct", limit_or_nan(l->availability_min), 4);
        pctl_json_num(j, "mtbf_min_h", limit_or_nan((double)l->mtbf_min / 3600e9), 2);
        pctl_json_num(j, "mttr_max_min", limit_or_nan(minutes(l->mttr_max)), 2);
        pctl_json_num(j, "coverage_min_pct", l->coverage_min, 4);
        pctl_json_open(j, "resolved", '[');
        for (size_t k = 0; k < l->n_resolved; k++) {
            pctl_json_open(j, NULL, '{');
            pctl_json_num(j, "share_pct", l->resolved[k].share_pct, 4);
            pctl_json_num(j, "within_min", minutes(l->resolved[k].within), 2);
            pctl_json_close(j, '}');
        }
        pctl_json_close(j, ']');
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

void pd_report_json_outages(struct pctl_json *j, const struct pd_avail *a, const char *period)
{
    char begins[32], ends[32];
    snprintf(begins, sizeof(begins), "begins_in_%s", period);
    snprintf(ends, sizeof(ends), "ends_in_%s", period);
    pctl_json_open(j, "outages", '[');
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_time(j, "start", o->start);
        pctl_json_time(j, "end", o->end);
        pctl_json_bool(j, "ongoing", !o->end);
        pctl_json_num(j, "counted_s", pd_report_seconds(o->counted), 0);
        pctl_json_num(j, "unobserved_s", pd_report_seconds(o->unobserved), 0);
        pctl_json_bool(j, begins, o->begins_in_period);
        pctl_json_bool(j, ends, o->ends_in_period);
        pctl_json_bool(j, "maintenance_only", o->maintenance_only);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

void pd_report_json_figures(struct pctl_json *j, const struct pd_avail *a)
{
    pctl_json_open(j, "figures", '{');
    pctl_json_num(j, "total_s", a->total_s, 0);
    pctl_json_num(j, "maintenance_s", a->maintenance_s, 0);
    pctl_json_num(j, "unknown_s", a->unknown_s, 0);
    pctl_json_num(j, "downtime_s", a->downtime_s, 0);
    pctl_json_num(j, "up_s", a->up_s, 0);
    pctl_json_num(j, "availability_pct", a->availability_pct, 4);
    pctl_json_num(j, "coverage_pct", a->coverage_pct, 4);
    pctl_json_num(j, "observed_availability_pct", a->observed_availability_pct, 4);
    pctl_json_int(j, "failures", a->failures);
    pctl_json_num(j, "mtbf_h", a->mtbf_h, 2);
    pctl_json_num(j, "mttr_min", a->mttr_min, 2);
    pctl_json_int(j, "outages_ended", a->ended);
    pctl_json_close(j, '}');
}

void pd_report_json_provenance(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_str(j, "timezone", r->timezone);
    pctl_json_open(j, "scope", '{');
    pctl_json_str(j, "kind", pd_report_scope_name(r->scope));
    if (r->scope_what)
        pctl_json_str(j, "what", r->scope_what);
    else
        pctl_json_null(j, "what");
    pctl_json_close(j, '}');
    pctl_json_str(j, "probed_version", r->version);
    pctl_json_str(j, "config_sha256", r->config_hash);
    pctl_json_str(j, "source", r->source);
    pctl_json_time(j, "generated", r->generated);
    pctl_json_bool(j, "provisional", r->provisional);
}

/* The members every target and system share. */
static void figures(struct pctl_json *j, const struct pd_report_severity *sev,
                    const struct pd_avail *a, const struct pd_sla_result *v)
{
    pctl_json_str(j, "severity", sev->name);
    pd_report_json_figures(j, a);
    pctl_json_open(j, "verdicts", '{');
    pctl_json_str(j, "availability", pd_sla_verdict_name(v->availability));
    pctl_json_str(j, "mtbf", pd_sla_verdict_name(v->mtbf));
    pctl_json_str(j, "mttr", pd_sla_verdict_name(v->mttr));
    pctl_json_open(j, "resolved", '[');
    for (size_t k = 0; k < sev->limits.n_resolved; k++) {
        pctl_json_open(j, NULL, '{');
        pctl_json_num(j, "share_pct", sev->limits.resolved[k].share_pct, 4);
        pctl_json_num(j, "within_min", minutes(sev->limits.resolved[k].within), 2);
        pctl_json_num(j, "resolved_pct", v->resolved_pct[k], 2);
        pctl_json_str(j, "verdict", pd_sla_verdict_name(v->resolved[k]));
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
    pctl_json_str(j, "overall", pd_sla_verdict_name(v->overall));
    pctl_json_close(j, '}');
    pd_report_json_outages(j, a, "month");
}

static void media(struct pctl_json *j, const struct pd_report_media *m)
{
    if (!m->has) {
        pctl_json_null(j, "media");
        return;
    }
    pctl_json_open(j, "media", '{');
    pctl_json_num(j, "observed_s", m->observed_s, 0);
    pctl_json_num(j, "degraded_s", m->degraded_s, 0);
    pctl_json_num(j, "degraded_min", m->degraded_s / 60.0, 1);
    pctl_json_num(j, "degraded_pct", m->degraded_pct, 4);
    pctl_json_num(j, "no_media_s", m->no_media_s, 0);
    pctl_json_num(j, "maintenance_s", m->maintenance_s, 0);
    pctl_json_int(j, "periods", m->periods);
    pctl_json_num(j, "longest_s", m->longest_s, 0);
    pctl_json_close(j, '}');
}

static void targets(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_open(j, "targets", '[');
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", t->id);
        pctl_json_str(j, "name", t->name);
        pctl_json_str(j, "site", t->site);
        pctl_json_str(j, "type", t->type);
        pctl_json_time(j, "added", t->added);
        pctl_json_time(j, "retired", t->retired);
        pctl_json_bool(j, "final", t->final);
        figures(j, t->severity, &t->avail, &t->sla);
        media(j, &t->media);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void systems(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_open(j, "systems", '[');
    for (size_t i = 0; i < r->n_systems; i++) {
        const struct pd_report_system *s = &r->systems[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", s->id);
        pctl_json_str(j, "name", s->name);
        pctl_json_str(j, "rule", pd_system_rule_name(s->rule));
        pctl_json_int(j, "k", s->k);
        pctl_json_open(j, "members", '[');
        for (size_t m = 0; m < s->n_members; m++)
            pctl_json_str(j, NULL, s->members[m]);
        pctl_json_close(j, ']');
        figures(j, s->severity, &s->avail, &s->sla);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void sites(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_open(j, "sites", '[');
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "path", s->path);
        pctl_json_int(j, "level", s->level);
        pctl_json_int(j, "devices", s->devices);
        pctl_json_int(j, "measured", s->measured);
        pctl_json_int(j, "met", s->met);
        pctl_json_int(j, "not_met", s->not_met);
        pctl_json_int(j, "unverified", s->unverified);
        pctl_json_int(j, "no_limit", s->no_limit);
        pctl_json_num(j, "availability_mean_pct", s->availability_mean, 4);
        pctl_json_int(j, "failures", s->failures);
        pctl_json_num(j, "downtime_s", s->downtime_s, 0);
        pctl_json_num(j, "unknown_s", s->unknown_s, 0);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void maintenance(struct pctl_json *j, const struct pd_report *r)
{
    pctl_json_open(j, "maintenance", '[');
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const struct pd_maint_window *w = &r->maintenance[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "scope", pd_maint_scope_name(w->scope));
        if (w->what)
            pctl_json_str(j, "what", w->what);
        else
            pctl_json_null(j, "what");
        pctl_json_time(j, "start", w->span.start);
        pctl_json_time(j, "end", w->span.end);
        pctl_json_str(j, "reason", w->reason);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

int pd_report_json(const struct pd_report *r, char **doc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    struct pctl_json j = {.out = f};
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "report", "availability");
    pctl_json_int(&j, "schema", REPORT_JSON_SCHEMA);
    pctl_json_str(&j, "month", r->month);
    pctl_json_open(&j, "period", '{');
    pctl_json_time(&j, "start", r->period.start);
    pctl_json_time(&j, "end", r->period.end);
    pctl_json_close(&j, '}');
    pd_report_json_provenance(&j, r);
    pctl_json_open(&j, "summary", '{');
    pctl_json_int(&j, "targets", (long long)r->n_targets);
    pctl_json_int(&j, "met", r->met);
    pctl_json_int(&j, "not_met", r->not_met);
    pctl_json_int(&j, "unverified", r->unverified);
    pctl_json_int(&j, "no_limit", r->no_limit);
    pctl_json_int(&j, "failures", r->failures);
    pctl_json_int(&j, "outages", r->outages);
    pctl_json_int(&j, "media_targets", r->media_targets);
    pctl_json_num(&j, "media_degraded_min", r->media_degraded_s / 60.0, 1);
    pctl_json_int(&j, "media_periods", r->media_periods);
    pctl_json_close(&j, '}');
    severities(&j, r);
    targets(&j, r);
    systems(&j, r);
    sites(&j, r);
    maintenance(&j, r);
    /* The digest member comes last, on its own line: the body is every
     * byte before that line. */
    fputs(",\n", f);
    return pd_digest_finish(f, &buf, &n, 0, PD_REPORT_JSON, doc, len);
}
