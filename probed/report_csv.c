#include "report_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "probectl_common.h"
#include "timefmt.h"

/* One CSV file with one section per table: a row with the section's name,
 * its header row, its rows, an empty row. Spreadsheet software opens it as
 * one sheet; a script splits it at the empty rows. */

static void cell(FILE *f, const char *s)
{
    pctl_csv_cell(f, s, 0, 1);
}

static void first(FILE *f, const char *s)
{
    pctl_csv_cell(f, s, 1, 1);
}

static void num(FILE *f, double v, int decimals)
{
    fputc(',', f);
    if (!isnan(v) && !isinf(v))
        fprintf(f, "%.*f", decimals, v);
}

static void uint_cell(FILE *f, unsigned long long v)
{
    fprintf(f, ",%llu", v);
}

/* Header cells; the row stays open. */
static void names(FILE *f, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pctl_csv_cell(f, cols[i], i == 0, 0);
}

static void section(FILE *f, const char *name, const char *const *cols, size_t n)
{
    first(f, name);
    pctl_csv_end_row(f);
    names(f, cols, n);
    pctl_csv_end_row(f);
}

static void label(FILE *f, const char *name, const char *value)
{
    first(f, name);
    cell(f, value);
    pctl_csv_end_row(f);
}

static void label_time(FILE *f, const char *name, pd_ns t)
{
    first(f, name);
    pctl_csv_time(f, t);
    pctl_csv_end_row(f);
}

static size_t max_resolved(const struct pd_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_severities; i++)
        if (r->severities[i].limits.n_resolved > n)
            n = r->severities[i].limits.n_resolved;
    return n;
}

static void figure_header(FILE *f, size_t n_resolved)
{
    static const char *const cols[] = {
        "severity",
        "total_s",
        "maintenance_s",
        "unknown_s",
        "downtime_s",
        "up_s",
        "availability_pct",
        "coverage_pct",
        "observed_availability_pct",
        "failures",
        "mtbf_h",
        "mttr_min",
        "outages_ended",
        "availability_verdict",
        "mtbf_verdict",
        "mttr_verdict",
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        cell(f, cols[i]);
    for (size_t i = 0; i < n_resolved; i++) {
        fprintf(f, ",resolved_%zu_rule,resolved_%zu_pct,resolved_%zu_verdict", i + 1, i + 1, i + 1);
    }
    cell(f, "overall_verdict");
}

static void figures(FILE *f, const struct pd_report_severity *sev, const struct pd_avail *a,
                    const struct pd_sla_result *v, size_t n_resolved)
{
    cell(f, sev->name);
    num(f, a->total_s, 0);
    num(f, a->maintenance_s, 0);
    num(f, a->unknown_s, 0);
    num(f, a->downtime_s, 0);
    num(f, a->up_s, 0);
    num(f, a->availability_pct, 4);
    num(f, a->coverage_pct, 4);
    num(f, a->observed_availability_pct, 4);
    uint_cell(f, a->failures);
    num(f, a->mtbf_h, 2);
    num(f, a->mttr_min, 2);
    uint_cell(f, a->ended);
    cell(f, pd_sla_verdict_name(v->availability));
    cell(f, pd_sla_verdict_name(v->mtbf));
    cell(f, pd_sla_verdict_name(v->mttr));
    for (size_t i = 0; i < n_resolved; i++) {
        if (i < sev->limits.n_resolved) {
            char rule[64];
            snprintf(rule, sizeof(rule), "%g%% within %gmin", sev->limits.resolved[i].share_pct,
                     (double)sev->limits.resolved[i].within / 60e9);
            cell(f, rule);
            num(f, v->resolved_pct[i], 2);
            cell(f, pd_sla_verdict_name(v->resolved[i]));
        } else {
            fputs(",,,", f);
        }
    }
    cell(f, pd_sla_verdict_name(v->overall));
}

static void header(FILE *f, const struct pd_report *r)
{
    label(f, "probed availability report", r->month);
    label_time(f, "period start", r->period.start);
    label_time(f, "period end", r->period.end);
    label(f, "time zone", r->timezone);
    label(f, "scope", pd_report_scope_name(r->scope));
    if (r->scope_what)
        label(f, "scope is", r->scope_what);
    label(f, "probed version", r->version);
    label(f, "configuration SHA-256", r->config_hash);
    label(f, "source", r->source);
    label_time(f, "generated", r->generated);
    label(f, "status", r->provisional ? "provisional" : "final");
    pctl_csv_end_row(f);
}

static void severities(FILE *f, const struct pd_report *r)
{
    static const char *const cols[] = {"severity",     "availability_min_pct", "mtbf_min_h",
                                       "mttr_max_min", "coverage_min_pct",     "resolved_rules"};
    section(f, "severities", cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_severities; i++) {
        const struct pd_sla_limits *l = &r->severities[i].limits;
        first(f, r->severities[i].name);
        num(f, l->availability_min > 0 ? l->availability_min : NAN, 4);
        num(f, l->mtbf_min > 0 ? (double)l->mtbf_min / 3600e9 : NAN, 2);
        num(f, l->mttr_max > 0 ? (double)l->mttr_max / 60e9 : NAN, 2);
        num(f, l->coverage_min, 4);
        char rules[256] = "";
        size_t used = 0;
        for (size_t k = 0; k < l->n_resolved && used < sizeof(rules); k++)
            used += (size_t)snprintf(rules + used, sizeof(rules) - used, "%s%g%% within %gmin",
                                     k ? "; " : "", l->resolved[k].share_pct,
                                     (double)l->resolved[k].within / 60e9);
        cell(f, rules);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

static void targets(FILE *f, const struct pd_report *r, size_t n_resolved)
{
    first(f, "targets");
    pctl_csv_end_row(f);
    static const char *const cols[] = {"site", "id", "name", "type", "added", "retired", "final"};
    names(f, cols, sizeof(cols) / sizeof(cols[0]));
    figure_header(f, n_resolved);
    pctl_csv_end_row(f);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        first(f, t->site);
        cell(f, t->id);
        cell(f, t->name);
        cell(f, t->type);
        pctl_csv_time(f, t->added);
        pctl_csv_time(f, t->retired);
        cell(f, t->final ? "yes" : "no");
        figures(f, t->severity, &t->avail, &t->sla, n_resolved);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

static void systems(FILE *f, const struct pd_report *r, size_t n_resolved)
{
    first(f, "systems");
    pctl_csv_end_row(f);
    static const char *const cols[] = {"id", "name", "rule", "k", "members"};
    names(f, cols, sizeof(cols) / sizeof(cols[0]));
    figure_header(f, n_resolved);
    pctl_csv_end_row(f);
    for (size_t i = 0; i < r->n_systems; i++) {
        const struct pd_report_system *s = &r->systems[i];
        first(f, s->id);
        cell(f, s->name);
        cell(f, pd_system_rule_name(s->rule));
        uint_cell(f, s->k);
        uint_cell(f, s->n_members);
        figures(f, s->severity, &s->avail, &s->sla, n_resolved);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

static void sites(FILE *f, const struct pd_report *r)
{
    static const char *const cols[] = {"site",       "level",      "devices",
                                       "measured",   "met",        "not_met",
                                       "unverified", "no_limit",   "availability_mean_pct",
                                       "failures",   "downtime_s", "unknown_s"};
    section(f, "sites", cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        first(f, s->path);
        uint_cell(f, s->level);
        uint_cell(f, s->devices);
        uint_cell(f, s->measured);
        uint_cell(f, s->met);
        uint_cell(f, s->not_met);
        uint_cell(f, s->unverified);
        uint_cell(f, s->no_limit);
        num(f, s->availability_mean, 4);
        uint_cell(f, s->failures);
        num(f, s->downtime_s, 0);
        num(f, s->unknown_s, 0);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

/* Only when some target has media checks: most reports have none. */
static void media(FILE *f, const struct pd_report *r)
{
    static const char *const cols[] = {"site",
                                       "id",
                                       "name",
                                       "type",
                                       "observed_s",
                                       "degraded_s",
                                       "degraded_min",
                                       "degraded_pct",
                                       "no_media_s",
                                       "maintenance_s",
                                       "degraded_periods",
                                       "longest_s"};
    if (r->media_targets == 0)
        return;
    section(f, "media quality", cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        const struct pd_report_media *m = &t->media;
        if (!m->has)
            continue;
        first(f, t->site);
        cell(f, t->id);
        cell(f, t->name);
        cell(f, t->type);
        num(f, m->observed_s, 0);
        num(f, m->degraded_s, 0);
        num(f, m->degraded_s / 60.0, 1);
        num(f, m->degraded_pct, 4);
        num(f, m->no_media_s, 0);
        num(f, m->maintenance_s, 0);
        uint_cell(f, m->periods);
        num(f, m->longest_s, 0);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

static void outage_rows(FILE *f, const char *kind, const char *id, const char *name,
                        const struct pd_avail *a)
{
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        first(f, kind);
        cell(f, id);
        cell(f, name);
        pctl_csv_time(f, o->start);
        pctl_csv_time(f, o->end);
        cell(f, o->end ? "no" : "yes");
        num(f, pd_report_seconds(o->counted), 0);
        num(f, pd_report_seconds(o->unobserved), 0);
        cell(f, o->begins_in_period ? "yes" : "no");
        cell(f, o->ends_in_period ? "yes" : "no");
        cell(f, o->maintenance_only ? "yes" : "no");
        pctl_csv_end_row(f);
    }
}

static void outages(FILE *f, const struct pd_report *r)
{
    static const char *const cols[] = {"kind",
                                       "id",
                                       "name",
                                       "start",
                                       "end",
                                       "ongoing",
                                       "counted_s",
                                       "unobserved_s",
                                       "begins_in_month",
                                       "ends_in_month",
                                       "maintenance_only"};
    section(f, "outages", cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_targets; i++)
        outage_rows(f, "target", r->targets[i].id, r->targets[i].name, &r->targets[i].avail);
    for (size_t i = 0; i < r->n_systems; i++)
        outage_rows(f, "system", r->systems[i].id, r->systems[i].name, &r->systems[i].avail);
    pctl_csv_end_row(f);
}

static void maintenance(FILE *f, const struct pd_report *r)
{
    static const char *const cols[] = {"scope", "what", "start", "end", "reason"};
    section(f, "maintenance", cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const struct pd_maint_window *w = &r->maintenance[i];
        first(f, pd_maint_scope_name(w->scope));
        cell(f, w->what);
        pctl_csv_time(f, w->span.start);
        pctl_csv_time(f, w->span.end);
        cell(f, w->reason);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
}

int pd_report_csv(const struct pd_report *r, bool bom, char **doc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    if (bom)
        fputs(PCTL_BOM, f);
    size_t n_resolved = max_resolved(r);
    header(f, r);
    severities(f, r);
    targets(f, r, n_resolved);
    systems(f, r, n_resolved);
    sites(f, r);
    media(f, r);
    outages(f, r);
    maintenance(f, r);
    /* The digest covers the body without the BOM, so that the CSV and the
     * XLSX of one record show the same digest. */
    return pd_digest_finish(f, &buf, &n, bom ? sizeof(PCTL_BOM) - 1 : 0, PD_REPORT_CSV, doc, len);
}
