/*
 * The report as one printable HTML file: inline style only, no script and
 * no external reference, so that it opens the same offline, in a mail
 * client or from an archive years later. Verdict colours are backed by the
 * verdict word, for black-and-white prints and colour-blind readers.
 */
#include "report_write.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "utf8.h"

#define NULL_FIGURE "\u2014" /* an em dash: a null figure is never 0 or 100 */
#define REPLACEMENT "\uFFFD"

static const char style[] =
    "@page { size: A4 landscape; margin: 12mm }\n"
    "* { -webkit-print-color-adjust: exact; print-color-adjust: exact }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"PingFang SC\",\n"
    "  \"Microsoft YaHei\", \"WenQuanYi Micro Hei\", sans-serif; font-size: 10pt;\n"
    "  color: #111; margin: 1em auto; max-width: 1500px; padding: 0 1em }\n"
    "h1 { font-size: 16pt; margin: 0 0 .4em }\n"
    "h2 { font-size: 12pt; margin: 1.2em 0 .4em; break-after: avoid }\n"
    "table { border-collapse: collapse; width: 100%; margin-bottom: .8em; font-size: 8pt }\n"
    "table.meta, table.summary { width: auto; font-size: 9pt }\n"
    "th, td { border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left }\n"
    "th { background: #eee; font-weight: 600 }\n"
    "thead { display: table-header-group }\n"
    "tr { break-inside: avoid; page-break-inside: avoid }\n"
    "td.n { text-align: right; font-variant-numeric: tabular-nums }\n"
    "td small, td .w { display: block; font-size: 7pt; color: #333 }\n"
    ".met { background: #c8e6c9 }\n"
    ".not_met { background: #f4c7c3 }\n"
    ".unverified { background: #ffe08a }\n"
    ".no_limit { background: #e0e0e0 }\n"
    "td.overall { font-weight: 600 }\n"
    ".banner { border: 2px solid #b00; background: #fde0dc; color: #900; font-weight: bold;\n"
    "  padding: .5em; margin: .5em 0 }\n"
    ".mono, .digest { font-family: monospace; word-break: break-all }\n"
    ".digest { font-size: 8pt; margin-top: 2em }\n"
    "@media print { body { margin: 0; padding: 0; max-width: none } }\n";

/* Text from data, escaped for element content and quoted attributes. Bytes
 * that are not valid UTF-8 and control characters become U+FFFD, so the
 * file stays valid UTF-8 whatever the records hold. */
static void put_text(FILE *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k;

        if (c >= 0x80) {
            k = pd_utf8_decode(s + i, n - i, &cp);
            if (cp == PD_UTF8_REPLACEMENT)
                fputs(REPLACEMENT, f);
            else
                fwrite(s + i, 1, k, f);
            i += k;
            continue;
        }
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\'')
            fputs("&#39;", f);
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            fputs(REPLACEMENT, f);
        else
            fputc(c, f);
        i++;
    }
}

void pd_html_text(FILE *f, const char *s)
{
    put_text(f, s);
}

static void put_num(FILE *f, double v, int decimals)
{
    if (isnan(v))
        fputs(NULL_FIGURE, f);
    else
        fprintf(f, "%.*f", decimals, v);
}

static void put_time(FILE *f, pd_ns t)
{
    char buf[PD_TIME_BUFLEN];

    fputs(pd_time_format_iso(t, buf, sizeof(buf)), f);
}

static void put_short(FILE *f, pd_ns d)
{
    char buf[PD_TIME_BUFLEN];

    fputs(pd_duration_short(d, buf, sizeof(buf)), f);
}

/* Whole seconds (exact), with a short form under it from a minute up. */
static void td_seconds(FILE *f, const char *cls, double s)
{
    fprintf(f, "<td class=\"n %s\">", cls);
    put_num(f, s, 0);
    if (s >= 60 && s < 9e9) {
        fputs("<small>", f);
        put_short(f, (pd_ns)llround(s) * PD_SEC);
        fputs("</small>", f);
    }
    fputs("</td>", f);
}

static void td_open(FILE *f, const char *cls, enum pd_sla_verdict v)
{
    if (v == PD_SLA_NO_LIMIT)
        fprintf(f, "<td class=\"n %s\">", cls);
    else
        fprintf(f, "<td class=\"n %s %s\">", cls, pd_sla_verdict_name(v));
}

static void td_close(FILE *f, enum pd_sla_verdict v)
{
    if (v != PD_SLA_NO_LIMIT)
        fprintf(f, "<span class=\"w\">%s</span>", pd_sla_verdict_name(v));
    fputs("</td>", f);
}

static void td_verdict(FILE *f, enum pd_sla_verdict v)
{
    const char *w = pd_sla_verdict_name(v);

    fprintf(f, "<td class=\"overall %s\">%s</td>", w, w);
}

/* The smallest resolved-within limit of any severity above `after`, or 0:
 * the report has one column per distinct limit. */
static pd_ns next_within(const struct pd_report *r, pd_ns after)
{
    pd_ns best = 0;

    for (size_t i = 0; i < r->n_severities; i++) {
        const struct pd_sla_limits *l = &r->severities[i].limits;
        for (size_t j = 0; j < l->n_resolved && j < PD_SLA_MAX_RESOLVED; j++) {
            pd_ns w = l->resolved[j].within;
            if (l->resolved[j].share_pct > 0 && w > after && (best == 0 || w < best))
                best = w;
        }
    }
    return best;
}

/* Total ... overall, for a target or a system. A within-L column without a
 * rule of this severity shows the share unjudged. */
static void figure_cells(FILE *f, const struct pd_report *r, const struct pd_avail *a,
                         const struct pd_sla_result *s, const struct pd_report_severity *sev)
{
    td_seconds(f, "total", a->total_s);
    td_seconds(f, "maintenance", a->maintenance_s);
    td_seconds(f, "unknown", a->unknown_s);
    td_seconds(f, "downtime", a->downtime_s);
    td_open(f, "availability", s->availability);
    put_num(f, a->availability_pct, 4);
    td_close(f, s->availability);
    td_open(f, "coverage", PD_SLA_NO_LIMIT);
    put_num(f, a->coverage_pct, 4);
    td_close(f, PD_SLA_NO_LIMIT);
    td_open(f, "observed", PD_SLA_NO_LIMIT);
    put_num(f, a->observed_availability_pct, 4);
    td_close(f, PD_SLA_NO_LIMIT);
    fprintf(f, "<td class=\"n failures\">%u</td>", a->failures);
    td_open(f, "mtbf", s->mtbf);
    put_num(f, a->mtbf_h, 2);
    td_close(f, s->mtbf);
    td_open(f, "mttr", s->mttr);
    put_num(f, a->mttr_min, 2);
    fprintf(f, "<small>ended %u</small>", a->ended);
    td_close(f, s->mttr);
    for (pd_ns w = next_within(r, 0); w > 0; w = next_within(r, w)) {
        enum pd_sla_verdict v = PD_SLA_NO_LIMIT;
        double pct = pd_avail_resolved_within(a, w);
        const struct pd_sla_limits *l = sev ? &sev->limits : NULL;
        for (size_t j = 0; l && j < l->n_resolved && j < PD_SLA_MAX_RESOLVED; j++) {
            if (l->resolved[j].share_pct > 0 && l->resolved[j].within == w) {
                v = s->resolved[j];
                pct = s->resolved_pct[j];
                break;
            }
        }
        char cls[48];
        snprintf(cls, sizeof(cls), "within-%lld", (long long)(w / PD_SEC));
        td_open(f, cls, v);
        put_num(f, pct, 4);
        td_close(f, v);
    }
    td_verdict(f, s->overall);
}

static void figure_heads(FILE *f, const struct pd_report *r)
{
    fputs("<th>total s</th><th>maintenance s</th><th>unknown s</th><th>downtime s</th>"
          "<th>availability %</th><th>coverage %</th><th>observed availability %</th>"
          "<th>failures</th><th>MTBF h</th><th>MTTR min</th>",
          f);
    for (pd_ns w = next_within(r, 0); w > 0; w = next_within(r, w)) {
        fprintf(f, "<th>resolved within %g min %%</th>", pd_report_seconds(w) / 60);
    }
    fputs("<th>verdict</th>", f);
}

static void header_row(FILE *f, const char *name, const char *value)
{
    fprintf(f, "<tr><th>%s</th><td>", name);
    put_text(f, value);
    fputs("</td></tr>\n", f);
}

static void time_row(FILE *f, const char *name, pd_ns t)
{
    fprintf(f, "<tr><th>%s</th><td>", name);
    put_time(f, t);
    fputs("</td></tr>\n", f);
}

static void write_header(FILE *f, const struct pd_report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    fputs("Availability report ", f);
    put_text(f, r->month);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Availability report ", style);
    put_text(f, r->month);
    fputs("</h1>\n", f);
    if (r->provisional)
        fputs("<p class=\"banner\">PROVISIONAL: some target was not seen after the month "
              "ended; a later record may still change a figure.</p>\n",
              f);
    fputs("<table class=\"meta\">\n", f);
    header_row(f, "month", r->month);
    time_row(f, "period start", r->period.start);
    time_row(f, "period end (excluded)", r->period.end);
    header_row(f, "time zone", r->timezone);
    fprintf(f, "<tr><th>scope</th><td>%s", pd_report_scope_name(r->scope));
    if (r->scope_what) {
        fputs(" ", f);
        put_text(f, r->scope_what);
    }
    fputs("</td></tr>\n", f);
    header_row(f, "probed version", r->version);
    fputs("<tr><th>config SHA-256</th><td class=\"mono\">", f);
    put_text(f, r->config_hash);
    fputs("</td></tr>\n", f);
    header_row(f, "source", r->source);
    time_row(f, "generated", r->generated);
    fprintf(f, "<tr><th>status</th><td>%s</td></tr>\n</table>\n",
            r->provisional ? "PROVISIONAL" : "final");
    fputs("<p>Times are ISO 8601 in the report's time zone, with their offset. "
          "Durations are whole seconds; a dash (" NULL_FIGURE ") is a figure that cannot "
          "be computed.</p>\n",
          f);
}

static void summary_row(FILE *f, const char *name, const char *cls, unsigned n)
{
    fprintf(f, "<tr><th>%s</th><td class=\"n%s%s\">%u</td></tr>\n", name, cls ? " " : "",
            cls ? cls : "", n);
}

static void write_summary(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n", f);
    summary_row(f, "targets", NULL, (unsigned)r->n_targets);
    summary_row(f, "met", "met", r->met);
    summary_row(f, "not_met", "not_met", r->not_met);
    summary_row(f, "unverified", "unverified", r->unverified);
    summary_row(f, "no_limit", "no_limit", r->no_limit);
    summary_row(f, "failures", NULL, r->failures);
    summary_row(f, "outages", NULL, r->outages);
    summary_row(f, "systems", NULL, (unsigned)r->n_systems);
    if (r->media_targets) {
        summary_row(f, "targets with media", NULL, r->media_targets);
        fputs("<tr><th>degraded media, minutes</th><td class=\"n\">", f);
        put_num(f, r->media_degraded_s / 60.0, 1);
        fputs("</td></tr>\n", f);
        summary_row(f, "degraded media periods", NULL, r->media_periods);
    }
    fputs("</table>\n", f);
}

static void write_limits(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"limits\">Limits by severity</h2>\n<table>\n<thead><tr><th>severity</th>"
          "<th>availability min %</th><th>MTBF min h</th><th>MTTR max min</th>"
          "<th>resolved within</th><th>coverage min %</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < r->n_severities; i++) {
        const struct pd_sla_limits *l = &r->severities[i].limits;
        fputs("<tr><td>", f);
        put_text(f, r->severities[i].name);
        fputs("</td><td class=\"n\">", f);
        if (l->availability_min > 0)
            put_num(f, l->availability_min, 4);
        else
            fputs("none", f);
        fputs("</td><td class=\"n\">", f);
        if (l->mtbf_min > 0)
            put_num(f, pd_report_seconds(l->mtbf_min) / 3600, 2);
        else
            fputs("none", f);
        fputs("</td><td class=\"n\">", f);
        if (l->mttr_max > 0)
            put_num(f, pd_report_seconds(l->mttr_max) / 60, 2);
        else
            fputs("none", f);
        fputs("</td><td>", f);
        unsigned rules = 0;
        for (size_t j = 0; j < l->n_resolved && j < PD_SLA_MAX_RESOLVED; j++) {
            if (!(l->resolved[j].share_pct > 0) || l->resolved[j].within <= 0)
                continue;
            fprintf(f, "%s%g %% within %g min", rules++ ? "<br>" : "", l->resolved[j].share_pct,
                    pd_report_seconds(l->resolved[j].within) / 60);
        }
        if (!rules)
            fputs("none", f);
        fputs("</td><td class=\"n\">", f);
        if (l->coverage_min > 0)
            put_num(f, l->coverage_min, 4);
        else
            fputs("99.0000 (default)", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Opens a target's row: its site, id and name. */
static void target_cells(FILE *f, const struct pd_report_target *t)
{
    fputs("<tr><td>", f);
    put_text(f, t->site);
    fputs("</td><td class=\"id\">", f);
    put_text(f, t->id);
    fputs("</td><td>", f);
    put_text(f, t->name);
    fputs("</td>", f);
}

static void write_targets(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"targets\">Targets</h2>\n<table>\n<thead><tr><th>site</th><th>id</th>"
          "<th>name</th><th>severity</th>",
          f);
    figure_heads(f, r);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        target_cells(f, t);
        fputs("<td>", f);
        put_text(f, t->severity ? t->severity->name : "");
        fputs("</td>", f);
        figure_cells(f, r, &t->avail, &t->sla, t->severity);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_sites(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"sites\">Sites</h2>\n<table>\n<thead><tr><th>site</th><th>devices</th>"
          "<th>met</th><th>not_met</th><th>unverified</th><th>no_limit</th>"
          "<th>mean availability %</th><th>failures</th><th>downtime s</th>"
          "<th>unknown s</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        unsigned indent = s->level > 0 ? s->level - 1 : 0;
        fprintf(f, "<tr><td class=\"site\" style=\"padding-left: %.1fem\">", 0.3 + 1.5 * indent);
        put_text(f, s->path);
        fprintf(f,
                "</td><td class=\"n devices\">%u</td><td class=\"n met\">%u</td>"
                "<td class=\"n not_met\">%u</td><td class=\"n unverified\">%u</td>"
                "<td class=\"n no_limit\">%u</td><td class=\"n mean\">",
                s->devices, s->met, s->not_met, s->unverified, s->no_limit);
        put_num(f, s->availability_mean, 4);
        fprintf(f, "</td><td class=\"n failures\">%u</td>", s->failures);
        td_seconds(f, "downtime", s->downtime_s);
        td_seconds(f, "unknown", s->unknown_s);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Only when some target has media checks: most reports have none. */
static void write_media(FILE *f, const struct pd_report *r)
{
    if (r->media_targets == 0)
        return;
    fputs("<h2 id=\"media\">Media quality</h2>\n<table>\n<thead><tr><th>site</th><th>id</th>"
          "<th>name</th><th>media observed s</th><th>degraded s</th><th>degraded min</th>"
          "<th>degraded %</th><th>no media s</th><th>periods</th><th>longest s</th>"
          "</tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        const struct pd_report_media *m = &t->media;
        if (!m->has)
            continue;
        target_cells(f, t);
        td_seconds(f, "observed", m->observed_s);
        td_seconds(f, "degraded", m->degraded_s);
        fputs("<td class=\"n degraded_min\">", f);
        put_num(f, m->degraded_s / 60.0, 1);
        fputs("</td><td class=\"n degraded_pct\">", f);
        put_num(f, m->degraded_pct, 4);
        fputs("</td>", f);
        td_seconds(f, "no_media", m->no_media_s);
        fprintf(f, "<td class=\"n periods\">%u</td>", m->periods);
        td_seconds(f, "longest", m->longest_s);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_systems(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"systems\">Systems</h2>\n", f);
    if (r->n_systems == 0) {
        fputs("<p>No system in this report.</p>\n", f);
        return;
    }
    fputs("<table>\n<thead><tr><th>id</th><th>name</th><th>severity</th><th>rule</th>"
          "<th>members</th>",
          f);
    figure_heads(f, r);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < r->n_systems; i++) {
        const struct pd_report_system *s = &r->systems[i];
        fputs("<tr><td class=\"id\">", f);
        put_text(f, s->id);
        fputs("</td><td>", f);
        put_text(f, s->name);
        fputs("</td><td>", f);
        put_text(f, s->severity ? s->severity->name : "");
        fprintf(f, "</td><td>%s<small>%u of %zu UP</small></td><td class=\"n members\">%zu",
                pd_system_rule_name(s->rule), s->k, s->n_members, s->n_members);
        for (size_t j = 0; j < s->n_members; j++) {
            fputs(j ? ", " : "<small>", f);
            put_text(f, s->members[j]);
        }
        fputs(s->n_members ? "</small></td>" : "</td>", f);
        figure_cells(f, r, &s->avail, &s->sla, s->severity);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void outage_rows(FILE *f, const char *kind, const char *id, const char *name,
                        const struct pd_avail *a)
{
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        fprintf(f, "<tr><td>%s</td><td class=\"id\">", kind);
        put_text(f, id);
        fputs("</td><td>", f);
        put_text(f, name);
        fputs("</td><td class=\"start\">", f);
        put_time(f, o->start);
        fputs("</td><td class=\"end\">", f);
        if (o->end)
            put_time(f, o->end);
        else
            fputs("ongoing", f);
        fputs("</td>", f);
        td_seconds(f, "counted", pd_report_seconds(o->counted));
        td_seconds(f, "unobserved", pd_report_seconds(o->unobserved));
        fprintf(f, "<td>%s</td><td>%s</td><td>%s</td></tr>\n", o->begins_in_period ? "yes" : "no",
                o->ends_in_period ? "yes" : "no", o->maintenance_only ? "yes" : "no");
    }
}

static void write_outages(FILE *f, const struct pd_report *r)
{
    size_t n = 0;

    fputs("<h2 id=\"outages\">Outages</h2>\n", f);
    for (size_t i = 0; i < r->n_targets; i++)
        n += r->targets[i].avail.n_outages;
    for (size_t i = 0; i < r->n_systems; i++)
        n += r->systems[i].avail.n_outages;
    if (n == 0) {
        fputs("<p>No outage in the month.</p>\n", f);
        return;
    }
    fputs("<table>\n<thead><tr><th>of</th><th>id</th><th>name</th><th>start</th><th>end</th>"
          "<th>counted s</th><th>unobserved s</th><th>begins in month</th>"
          "<th>ends in month</th><th>maintenance only</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < r->n_targets; i++)
        outage_rows(f, "target", r->targets[i].id, r->targets[i].name, &r->targets[i].avail);
    for (size_t i = 0; i < r->n_systems; i++)
        outage_rows(f, "system", r->systems[i].id, r->systems[i].name, &r->systems[i].avail);
    fputs("</tbody>\n</table>\n", f);
}

static void write_maintenance(FILE *f, const struct pd_report *r)
{
    fputs("<h2 id=\"maintenance\">Maintenance windows</h2>\n", f);
    if (r->n_maintenance == 0) {
        fputs("<p>No maintenance window applied.</p>\n", f);
        return;
    }
    fputs("<table>\n<thead><tr><th>scope</th><th>what</th><th>start</th><th>end</th>"
          "<th>reason</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const struct pd_maint_window *w = &r->maintenance[i];
        fprintf(f, "<tr><td>%s</td><td>", pd_maint_scope_name(w->scope));
        put_text(f, w->what);
        fputs("</td><td>", f);
        put_time(f, w->span.start);
        fputs("</td><td>", f);
        put_time(f, w->span.end);
        fputs("</td><td>", f);
        put_text(f, w->reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_definitions(FILE *f)
{
    fputs("<h2 id=\"definitions\">Definitions</h2>\n<table>\n<thead><tr><th>figure</th>"
          "<th>meaning</th><th>formula</th></tr></thead>\n<tbody>\n",
          f);
    for (const struct pd_report_definition *d = pd_report_definitions; d->figure; d++) {
        fputs("<tr><td>", f);
        put_text(f, d->figure);
        fputs("</td><td>", f);
        put_text(f, d->meaning);
        fputs("</td><td>", f);
        put_text(f, d->formula);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

int pd_report_html(const struct pd_report *r, char **doc, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    *doc = NULL;
    *len = 0;
    if (!f)
        return -ENOMEM;
    write_header(f, r);
    write_summary(f, r);
    write_limits(f, r);
    write_targets(f, r);
    write_sites(f, r);
    write_media(f, r);
    write_systems(f, r);
    write_outages(f, r);
    write_maintenance(f, r);
    write_definitions(f);
    return pd_digest_finish(f, &buf, &size, 0, PD_REPORT_HTML, doc, len);
}
