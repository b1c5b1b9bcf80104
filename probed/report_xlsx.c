/*
 * The report as an XLSX workbook (libxlsxwriter). Figures are numeric cells
 * holding the unrounded value (the number format only rounds what is
 * shown); a figure that cannot be computed is a blank cell, never 0.
 * Times are ISO 8601 text with the offset, not spreadsheet dates: a serial
 * date carries no zone, and the report's zone must stay explicit.
 * Everything that comes from data is written with worksheet_write_string,
 * which never evaluates: a name such as "=cmd|..." stays text.
 */
#include "report_write.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "timefmt.h"
#include "utf8.h"

#define XW_MAX_COLS   64 /* columns whose width is fitted; the rest keep the default */
#define XW_MAX_WIDTH  60.0
#define XW_NUM_WIDTH  10.0  /* "2592000", "99.7407" */
#define XW_HEAD_WRAP  14.0  /* longer headers wrap instead of widening their column */
#define XW_LABEL_WRAP 28.0  /* the same for the summary's labels */
#define XW_MAX_CHARS  32767 /* characters in a cell (Excel, libxlsxwriter) */

struct xw {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_error err; /* the first one; nothing is written after it */
    lxw_format *head, *label, *wrap, *pct, *dec2, *whole;
    double width[XW_MAX_COLS];
};

/* The resolved-within rules of every severity, one column per distinct
 * duration. share: the rule's share when every severity with this duration
 * agrees on it, for the column header; else NAN. */
struct xw_rule {
    pd_ns within;
    double share;
};

static void note(struct xw *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
        x->err = e;
}

/* Column width units are roughly the width of a digit; a CJK character
 * takes two. */
static double text_width(const char *s)
{
    size_t n = strlen(s);
    double w = 0;

    while (n > 0) {
        uint32_t cp;
        size_t k = pd_utf8_decode(s, n, &cp);
        bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2.1 : 1.0;
        s += k;
        n -= k;
    }
    return w;
}

static void fit(struct xw *x, lxw_col_t c, double w)
{
    if (c < XW_MAX_COLS && w > x->width[c])
        x->width[c] = w;
}

static bool is_ooxml_escape(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
        return false;
    for (int i = 2; i < 6; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* A copy of s fit for XML: invalid UTF-8 and control characters (other
 * than tab and newline) become U+FFFD, a corrupt file being worse than a
 * replaced byte; a literal "_xHHHH_", which spreadsheets read as an
 * escaped character, gets its '_' escaped; text past a cell's limit
 * (32,767 characters) is cut with an ellipsis rather than failing the
 * whole report. NULL when out of memory. */
static char *clean_text(const char *s)
{
    size_t n = strlen(s), o = 0, chars = 0;
    char *out = malloc(7 * n + 4);

    if (!out)
        return NULL;
    while (n > 0) {
        uint32_t cp;
        size_t k = pd_utf8_decode(s, n, &cp);
        bool esc = is_ooxml_escape(s, n);
        if (chars + (esc ? 7 : 1) >= XW_MAX_CHARS) {
            memcpy(out + o, "\xe2\x80\xa6", 3);
            o += 3;
            break;
        }
        chars += esc ? 7 : 1;
        if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp < 0xA0))
            cp = PD_UTF8_REPLACEMENT;
        if (esc) {
            memcpy(out + o, "_x005F_", 7);
            o += 7;
        } else if (cp == PD_UTF8_REPLACEMENT) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
        } else {
            memcpy(out + o, s, k);
            o += k;
        }
        s += k;
        n -= k;
    }
    out[o] = '\0';
    return out;
}

char *pd_xlsx_text(const char *s)
{
    return clean_text(s);
}

double pd_xlsx_width(const char *s)
{
    return text_width(s);
}

/* Writes s (NULL: nothing), fitting the column to at most cap. */
static void put_text(struct xw *x, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f,
                     double cap)
{
    char *clean;

    if (x->err || !s)
        return;
    if (!(clean = clean_text(s))) {
        note(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    note(x, worksheet_write_string(x->ws, r, c, clean, f));
    fit(x, c, fmin(text_width(clean), cap));
    free(clean);
}

static void put_str(struct xw *x, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    put_text(x, r, c, s, f, XW_MAX_WIDTH);
}

/* NAN (and anything not finite, which XML cannot carry as a number) is a
 * blank cell that keeps the column's format. */
static void put_num(struct xw *x, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    if (x->err)
        return;
    if (isfinite(v))
        note(x, worksheet_write_number(x->ws, r, c, v, f));
    else
        note(x, worksheet_write_blank(x->ws, r, c, f));
    fit(x, c, XW_NUM_WIDTH);
}

static void put_time(struct xw *x, lxw_row_t r, lxw_col_t c, pd_ns t)
{
    char buf[PD_TIME_BUFLEN];

    put_str(x, r, c, pd_time_format_iso(t, buf, sizeof(buf)), NULL);
}

static void put_yes(struct xw *x, lxw_row_t r, lxw_col_t c, bool v)
{
    put_str(x, r, c, v ? "yes" : "no", NULL);
}

static void put_head(struct xw *x, lxw_row_t r, lxw_col_t c, const char *s)
{
    put_text(x, r, c, s, x->head, XW_HEAD_WRAP);
}

static void put_heads(struct xw *x, lxw_row_t r, lxw_col_t c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_head(x, r, (lxw_col_t)(c + i), names[i]);
}

/* Time columns name the zone and say they are text. */
static void put_time_head(struct xw *x, lxw_row_t r, lxw_col_t c, const char *what,
                          const char *zone, const char *empty)
{
    char buf[192];

    snprintf(buf, sizeof(buf), "%s (ISO 8601, %s%s%s)", what, zone, empty ? "; empty: " : "",
             empty ? empty : "");
    put_head(x, r, c, buf);
    fit(x, c, 25.0); /* "2026-11-21T10:02:11+08:00" */
}

static void sheet_begin(struct xw *x, const char *name)
{
    if (x->err)
        return;
    x->ws = workbook_add_worksheet(x->wb, name);
    if (!x->ws)
        note(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
    memset(x->width, 0, sizeof(x->width));
}

/* Ends a sheet with its one table, header row at `head`, last row at
 * `last`: autofilter, the header frozen (when freeze), column widths. */
static void sheet_end(struct xw *x, lxw_row_t head, lxw_row_t last, lxw_col_t n_cols, bool freeze)
{
    if (x->err)
        return;
    if (freeze)
        worksheet_freeze_panes(x->ws, head + 1, 0);
    note(x, worksheet_autofilter(x->ws, head, 0, last > head ? last : head, n_cols - 1));
    for (lxw_col_t c = 0; c < XW_MAX_COLS; c++)
        if (x->width[c] > 0)
            note(x, worksheet_set_column(x->ws, c, c, fmin(x->width[c] + 2, XW_MAX_WIDTH), NULL));
}

/* The distinct rules by duration into *out (owned by the caller, free()). */
static int rules_collect(const struct pd_report *r, struct xw_rule **out, size_t *n)
{
    struct xw_rule *rs = calloc(r->n_severities * PD_SLA_MAX_RESOLVED + 1, sizeof(*rs));

    *out = rs;
    *n = 0;
    if (!rs)
        return -ENOMEM;
    for (size_t s = 0; s < r->n_severities; s++) {
        const struct pd_sla_limits *l = &r->severities[s].limits;
        for (size_t i = 0; i < l->n_resolved && i < PD_SLA_MAX_RESOLVED; i++) {
            struct xw_rule add = {l->resolved[i].within, l->resolved[i].share_pct};
            size_t k = 0;
            if (add.within <= 0 || !(add.share > 0))
                continue; /* no such rule (availability.c judges none) */
            while (k < *n && rs[k].within < add.within)
                k++;
            if (k < *n && rs[k].within == add.within) {
                if (rs[k].share != add.share)
                    rs[k].share = NAN;
                continue;
            }
            memmove(rs + k + 1, rs + k, (*n - k) * sizeof(*rs));
            rs[k] = add;
            (*n)++;
        }
    }
    return 0;
}

/* The verdict of the rule "within w" for an item of severity sev. */
static enum pd_sla_verdict rule_verdict(const struct pd_report_severity *sev,
                                        const struct pd_sla_result *sla, pd_ns w)
{
    if (!sev)
        return PD_SLA_NO_LIMIT;
    for (size_t i = 0; i < sev->limits.n_resolved && i < PD_SLA_MAX_RESOLVED; i++)
        if (sev->limits.resolved[i].within == w && sev->limits.resolved[i].share_pct > 0)
            return sla->resolved[i];
    return PD_SLA_NO_LIMIT;
}

static double minutes(pd_ns d)
{
    return pd_report_seconds(d) / 60.0;
}

static const char *const fig_heads[] = {
    "total s",  "maintenance s",  "unknown s",  "downtime s",
    "up s",     "availability %", "coverage %", "observed availability %",
    "failures", "MTBF h",         "MTTR min",   "outages ended",
};
#define N_FIG_HEADS (sizeof(fig_heads) / sizeof(fig_heads[0]))
static const char *const verdict_heads[] = {"verdict", "availability verdict", "MTBF verdict",
                                            "MTTR verdict"};
#define N_VERDICT_HEADS (sizeof(verdict_heads) / sizeof(verdict_heads[0]))

static lxw_col_t figure_cols(size_t n_rules)
{
    return (lxw_col_t)(N_FIG_HEADS + N_VERDICT_HEADS + 2 * n_rules);
}

static void figure_heads(struct xw *x, lxw_row_t row, lxw_col_t c, const struct xw_rule *rs,
                         size_t n_rules)
{
    char buf[96];

    put_heads(x, row, c, fig_heads, N_FIG_HEADS);
    c += N_FIG_HEADS;
    for (size_t i = 0; i < n_rules; i++) {
        int n = snprintf(buf, sizeof(buf), "\xe2\x89\xa4 %g min %%", minutes(rs[i].within));
        if (!isnan(rs[i].share))
            snprintf(buf + n, sizeof(buf) - n, " (\xe2\x89\xa5 %g)", rs[i].share);
        put_head(x, row, c++, buf);
    }
    put_heads(x, row, c, verdict_heads, N_VERDICT_HEADS);
    c += N_VERDICT_HEADS;
    for (size_t i = 0; i < n_rules; i++) {
        snprintf(buf, sizeof(buf), "\xe2\x89\xa4 %g min verdict", minutes(rs[i].within));
        put_head(x, row, c++, buf);
    }
}

static void figures(struct xw *x, lxw_row_t row, lxw_col_t c, const struct pd_avail *a,
                    const struct pd_sla_result *sla, const struct pd_report_severity *sev,
                    const struct xw_rule *rs, size_t n_rules)
{
    put_num(x, row, c++, a->total_s, x->whole);
    put_num(x, row, c++, a->maintenance_s, x->whole);
    put_num(x, row, c++, a->unknown_s, x->whole);
    put_num(x, row, c++, a->downtime_s, x->whole);
    put_num(x, row, c++, a->up_s, x->whole);
    put_num(x, row, c++, a->availability_pct, x->pct);
    put_num(x, row, c++, a->coverage_pct, x->pct);
    put_num(x, row, c++, a->observed_availability_pct, x->pct);
    put_num(x, row, c++, a->failures, x->whole);
    put_num(x, row, c++, a->mtbf_h, x->dec2);
    put_num(x, row, c++, a->mttr_min, x->dec2);
    put_num(x, row, c++, a->ended, x->whole);
    for (size_t i = 0; i < n_rules; i++)
        put_num(x, row, c++, pd_avail_resolved_within(a, rs[i].within), x->pct);
    put_str(x, row, c++, pd_sla_verdict_name(sla->overall), NULL);
    put_str(x, row, c++, pd_sla_verdict_name(sla->availability), NULL);
    put_str(x, row, c++, pd_sla_verdict_name(sla->mtbf), NULL);
    put_str(x, row, c++, pd_sla_verdict_name(sla->mttr), NULL);
    for (size_t i = 0; i < n_rules; i++)
        put_str(x, row, c++, pd_sla_verdict_name(rule_verdict(sev, sla, rs[i].within)), NULL);
}

/* A line of its own, free to run into the empty cells to its right. */
static void caption(struct xw *x, lxw_row_t row, const char *text)
{
    put_text(x, row, 0, text, x->label, 0);
}

/* Values run into the empty cells to their right too. */
static void label(struct xw *x, lxw_row_t *row, const char *name, const char *value)
{
    put_text(x, *row, 0, name, x->label, XW_LABEL_WRAP);
    put_text(x, *row, 1, value, NULL, 0);
    (*row)++;
}

static void count(struct xw *x, lxw_row_t *row, const char *name, double value)
{
    put_text(x, *row, 0, name, x->label, XW_LABEL_WRAP);
    put_num(x, *row, 1, value, x->whole);
    (*row)++;
}

/* A limit of 0 or NAN is none: said in words, in a table people read. */
static void limit(struct xw *x, lxw_row_t row, lxw_col_t c, double v, lxw_format *f)
{
    if (v > 0)
        put_num(x, row, c, v, f);
    else
        put_str(x, row, c, "none", NULL);
}

static void limits_table(struct xw *x, const struct pd_report *r, lxw_row_t *row)
{
    static const char *const heads[] = {
        "severity",        "availability min %", "MTBF min h",
        "MTTR max min",    "coverage min %",     "resolved rule 1",
        "resolved rule 2", "resolved rule 3",    "resolved rule 4",
    };
    char buf[96];

    put_heads(x, *row, 0, heads, sizeof(heads) / sizeof(heads[0]));
    (*row)++;
    for (size_t s = 0; s < r->n_severities; s++, (*row)++) {
        const struct pd_sla_limits *l = &r->severities[s].limits;
        put_str(x, *row, 0, r->severities[s].name, NULL);
        limit(x, *row, 1, l->availability_min, x->pct);
        limit(x, *row, 2, (double)l->mtbf_min / 3600e9, x->dec2);
        limit(x, *row, 3, minutes(l->mttr_max), x->dec2);
        /* availability.c judges against 99 % when none is set */
        put_num(x, *row, 4, l->coverage_min > 0 ? l->coverage_min : 99.0, x->pct);
        for (size_t i = 0; i < l->n_resolved && i < PD_SLA_MAX_RESOLVED; i++) {
            if (l->resolved[i].within <= 0 || !(l->resolved[i].share_pct > 0))
                continue;
            snprintf(buf, sizeof(buf), "%g %% within %g min", l->resolved[i].share_pct,
                     minutes(l->resolved[i].within));
            put_str(x, *row, (lxw_col_t)(5 + i), buf, NULL);
        }
    }
}

static void summary_sheet(struct xw *x, const struct pd_report *r, const char *content_sha256,
                          const struct xw_rule *rs, size_t n_rules)
{
    static const char *const heads[] = {"site",     "id",    "name",    "type",
                                        "severity", "added", "retired", "final"};
    const lxw_col_t nh = sizeof(heads) / sizeof(heads[0]);
    char buf[256], t[PD_TIME_BUFLEN];
    lxw_row_t row = 0, head;

    sheet_begin(x, "Summary");
    label(x, &row, "month", r->month);
    snprintf(buf, sizeof(buf), "period start (ISO 8601, %s)", r->timezone);
    label(x, &row, buf, pd_time_format_iso(r->period.start, t, sizeof(t)));
    label(x, &row, "period end (exclusive)", pd_time_format_iso(r->period.end, t, sizeof(t)));
    label(x, &row, "time zone", r->timezone);
    snprintf(buf, sizeof(buf), "%s%s%s", pd_report_scope_name(r->scope), r->scope_what ? " " : "",
             r->scope_what ? r->scope_what : "");
    label(x, &row, "scope", buf);
    label(x, &row, "probed version", r->version);
    label(x, &row, "configuration SHA-256", r->config_hash);
    label(x, &row, "content SHA-256 (of this report written as CSV, without BOM)", content_sha256);
    label(x, &row, "source", r->source);
    label(x, &row, "generated", pd_time_format_iso(r->generated, t, sizeof(t)));
    label(x, &row, "provisional", r->provisional ? "yes" : "no");
    snprintf(buf, sizeof(buf),
             "text in ISO 8601 with the UTC offset, in %s (not spreadsheet dates, "
             "which carry no zone)",
             r->timezone);
    label(x, &row, "times", buf);
    label(x, &row, "empty figure cell", "cannot be computed (null), never 0");
    row++;
    caption(x, row++, "totals");
    count(x, &row, "targets", (double)r->n_targets);
    count(x, &row, "systems", (double)r->n_systems);
    count(x, &row, "met", r->met);
    count(x, &row, "not_met", r->not_met);
    count(x, &row, "unverified", r->unverified);
    count(x, &row, "no_limit", r->no_limit);
    count(x, &row, "failures", r->failures);
    count(x, &row, "outages", r->outages);
    if (r->media_targets) {
        count(x, &row, "targets with media", r->media_targets);
        count(x, &row, "degraded media, minutes", round(r->media_degraded_s / 6.0) / 10.0);
        count(x, &row, "degraded media periods", r->media_periods);
    }
    row++;
    caption(x, row++, "limits by severity");
    limits_table(x, r, &row);
    row++;
    caption(x, row++, "per target");
    head = row;
    put_heads(x, head, 0, heads, nh);
    put_time_head(x, head, 5, "added", r->timezone, "from the start");
    put_time_head(x, head, 6, "retired", r->timezone, "in service");
    figure_heads(x, head, nh, rs, n_rules);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *tg = &r->targets[i];
        row++;
        put_str(x, row, 0, tg->site, NULL);
        put_str(x, row, 1, tg->id, NULL);
        put_str(x, row, 2, tg->name, NULL);
        put_str(x, row, 3, tg->type, NULL);
        put_str(x, row, 4, tg->severity ? tg->severity->name : "", NULL);
        if (tg->added)
            put_time(x, row, 5, tg->added);
        if (tg->retired)
            put_time(x, row, 6, tg->retired);
        put_yes(x, row, 7, tg->final);
        figures(x, row, nh, &tg->avail, &tg->sla, tg->severity, rs, n_rules);
    }
    /* The header block above is too tall to freeze; site, id and name
     * stay in view instead while scrolling through the figures. */
    if (!x->err)
        worksheet_freeze_panes(x->ws, 0, 3);
    sheet_end(x, head, row, (lxw_col_t)(nh + figure_cols(n_rules)), false);
}

static void outage_rows(struct xw *x, lxw_row_t *row, const char *kind, const char *id,
                        const char *name, const struct pd_avail *a)
{
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        lxw_row_t r = ++(*row);
        put_str(x, r, 0, kind, NULL);
        put_str(x, r, 1, id, NULL);
        put_str(x, r, 2, name, NULL);
        put_time(x, r, 3, o->start);
        if (o->end)
            put_time(x, r, 4, o->end);
        put_yes(x, r, 5, o->end == 0);
        put_num(x, r, 6, pd_report_seconds(o->counted), x->whole);
        put_num(x, r, 7, minutes(o->counted), x->dec2);
        put_num(x, r, 8, pd_report_seconds(o->unobserved), x->whole);
        put_yes(x, r, 9, o->begins_in_period);
        put_yes(x, r, 10, o->ends_in_period);
        put_yes(x, r, 11, o->maintenance_only);
    }
}

static void outages_sheet(struct xw *x, const struct pd_report *r)
{
    static const char *const heads[] = {
        "kind",          "id",
        "name",          "start",
        "end",           "ongoing",
        "counted s",     "counted min",
        "unobserved s",  "begins in month",
        "ends in month", "maintenance only",
    };
    const lxw_col_t n = sizeof(heads) / sizeof(heads[0]);
    lxw_row_t row = 0;

    sheet_begin(x, "Outages");
    put_heads(x, 0, 0, heads, n);
    put_time_head(x, 0, 3, "start", r->timezone, NULL);
    put_time_head(x, 0, 4, "end", r->timezone, "ongoing");
    for (size_t i = 0; i < r->n_targets; i++)
        outage_rows(x, &row, "target", r->targets[i].id, r->targets[i].name, &r->targets[i].avail);
    for (size_t i = 0; i < r->n_systems; i++)
        outage_rows(x, &row, "system", r->systems[i].id, r->systems[i].name, &r->systems[i].avail);
    sheet_end(x, 0, row, n, true);
}

static void sites_sheet(struct xw *x, const struct pd_report *r)
{
    static const char *const heads[] = {
        "path",       "level",      "devices",
        "measured",   "met",        "not_met",
        "unverified", "no_limit",   "mean availability %",
        "failures",   "downtime s", "unknown s",
    };
    const lxw_col_t n = sizeof(heads) / sizeof(heads[0]);
    lxw_row_t row = 0;

    sheet_begin(x, "Sites");
    put_heads(x, 0, 0, heads, n);
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        row++;
        put_str(x, row, 0, s->path, NULL);
        put_num(x, row, 1, s->level, x->whole);
        put_num(x, row, 2, s->devices, x->whole);
        put_num(x, row, 3, s->measured, x->whole);
        put_num(x, row, 4, s->met, x->whole);
        put_num(x, row, 5, s->not_met, x->whole);
        put_num(x, row, 6, s->unverified, x->whole);
        put_num(x, row, 7, s->no_limit, x->whole);
        put_num(x, row, 8, s->availability_mean, x->pct);
        put_num(x, row, 9, s->failures, x->whole);
        put_num(x, row, 10, s->downtime_s, x->whole);
        put_num(x, row, 11, s->unknown_s, x->whole);
    }
    sheet_end(x, 0, row, n, true);
}

/* Only when some target has media checks: most reports have none. */
static void media_sheet(struct xw *x, const struct pd_report *r)
{
    static const char *const heads[] = {
        "site",
        "id",
        "name",
        "type",
        "observed s",
        "degraded s",
        "degraded min",
        "degraded %",
        "no media s",
        "maintenance s",
        "degraded periods",
        "longest s",
    };
    const lxw_col_t n = sizeof(heads) / sizeof(heads[0]);
    lxw_row_t row = 0;

    if (r->media_targets == 0)
        return;
    sheet_begin(x, "Media");
    put_heads(x, 0, 0, heads, n);
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        const struct pd_report_media *m = &t->media;
        if (!m->has)
            continue;
        row++;
        put_str(x, row, 0, t->site, NULL);
        put_str(x, row, 1, t->id, NULL);
        put_str(x, row, 2, t->name, NULL);
        put_str(x, row, 3, t->type, NULL);
        put_num(x, row, 4, m->observed_s, x->whole);
        put_num(x, row, 5, m->degraded_s, x->whole);
        put_num(x, row, 6, m->degraded_s / 60.0, x->dec2);
        put_num(x, row, 7, m->degraded_pct, x->pct);
        put_num(x, row, 8, m->no_media_s, x->whole);
        put_num(x, row, 9, m->maintenance_s, x->whole);
        put_num(x, row, 10, m->periods, x->whole);
        put_num(x, row, 11, m->longest_s, x->whole);
    }
    sheet_end(x, 0, row, n, true);
}

/* "a, b, c" (owned by the caller), or NULL when out of memory. */
static char *join_members(const struct pd_report_system *s)
{
    size_t len = 1;
    char *out;

    for (size_t i = 0; i < s->n_members; i++)
        len += strlen(s->members[i]) + 2;
    out = calloc(1, len);
    if (!out)
        return NULL;
    for (size_t i = 0; i < s->n_members; i++) {
        if (i > 0)
            strcat(out, ", ");
        strcat(out, s->members[i]);
    }
    return out;
}

static void systems_sheet(struct xw *x, const struct pd_report *r, const struct xw_rule *rs,
                          size_t n_rules)
{
    static const char *const heads[] = {"id", "name",    "severity",  "rule",
                                        "k",  "members", "member ids"};
    const lxw_col_t nh = sizeof(heads) / sizeof(heads[0]);
    lxw_row_t row = 0;

    sheet_begin(x, "Systems");
    put_heads(x, 0, 0, heads, nh);
    figure_heads(x, 0, nh, rs, n_rules);
    for (size_t i = 0; i < r->n_systems && !x->err; i++) {
        const struct pd_report_system *s = &r->systems[i];
        char *members = join_members(s);
        if (!members) {
            note(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
            break;
        }
        row++;
        put_str(x, row, 0, s->id, NULL);
        put_str(x, row, 1, s->name, NULL);
        put_str(x, row, 2, s->severity ? s->severity->name : "", NULL);
        put_str(x, row, 3, pd_system_rule_name(s->rule), NULL);
        put_num(x, row, 4, s->k, x->whole);
        put_num(x, row, 5, (double)s->n_members, x->whole);
        put_str(x, row, 6, members, NULL);
        free(members);
        figures(x, row, nh, &s->avail, &s->sla, s->severity, rs, n_rules);
    }
    sheet_end(x, 0, row, (lxw_col_t)(nh + figure_cols(n_rules)), true);
}

static void maintenance_sheet(struct xw *x, const struct pd_report *r)
{
    static const char *const heads[] = {"scope", "what", "start", "end", "reason"};
    const lxw_col_t n = sizeof(heads) / sizeof(heads[0]);
    lxw_row_t row = 0;

    sheet_begin(x, "Maintenance");
    put_heads(x, 0, 0, heads, n);
    put_time_head(x, 0, 2, "start", r->timezone, NULL);
    put_time_head(x, 0, 3, "end", r->timezone, NULL);
    for (size_t i = 0; i < r->n_maintenance; i++) {
        const struct pd_maint_window *w = &r->maintenance[i];
        row++;
        put_str(x, row, 0, pd_maint_scope_name(w->scope), NULL);
        put_str(x, row, 1, w->what, NULL);
        put_time(x, row, 2, w->span.start);
        put_time(x, row, 3, w->span.end);
        put_str(x, row, 4, w->reason, NULL);
    }
    sheet_end(x, 0, row, n, true);
}

static void definitions_sheet(struct xw *x)
{
    static const char *const heads[] = {"figure", "meaning", "formula"};
    lxw_row_t row = 0;

    sheet_begin(x, "Definitions");
    put_heads(x, 0, 0, heads, 3);
    for (const struct pd_report_definition *d = pd_report_definitions; d->figure; d++) {
        row++;
        put_str(x, row, 0, d->figure, NULL);
        put_str(x, row, 1, d->meaning, x->wrap);
        put_str(x, row, 2, d->formula, x->wrap);
    }
    sheet_end(x, 0, row, 3, true);
}

static void properties(struct xw *x, const struct pd_report *r, const char *content_sha256)
{
    char title[128], subject[256], author[96], comments[256];
    lxw_doc_properties p = {0};

    snprintf(title, sizeof(title), "probed availability report %s", r->month);
    snprintf(subject, sizeof(subject), "availability, MTBF and MTTR for %s (%s), scope %s%s%s",
             r->month, r->timezone, pd_report_scope_name(r->scope), r->scope_what ? " " : "",
             r->scope_what ? r->scope_what : "");
    snprintf(author, sizeof(author), "probed %s", r->version);
    snprintf(comments, sizeof(comments),
             "configuration SHA-256 %s; content SHA-256 (the report as CSV) %s%s", r->config_hash,
             content_sha256, r->provisional ? "; provisional" : "");
    p.title = title;
    p.subject = subject;
    p.author = author;
    p.comments = comments;
    p.keywords = "availability, MTBF, MTTR, SLA";
    /* The report's own time, so the same report gives the same properties. */
    p.created = (time_t)(r->generated / PD_SEC);
    note(x, workbook_set_properties(x->wb, &p));
}

static void make_formats(struct xw *x)
{
    x->head = workbook_add_format(x->wb);
    x->label = workbook_add_format(x->wb);
    x->wrap = workbook_add_format(x->wb);
    x->pct = workbook_add_format(x->wb);
    x->dec2 = workbook_add_format(x->wb);
    x->whole = workbook_add_format(x->wb);
    if (!x->head || !x->label || !x->wrap || !x->pct || !x->dec2 || !x->whole) {
        note(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    format_set_bold(x->head);
    format_set_text_wrap(x->head);
    format_set_align(x->head, LXW_ALIGN_VERTICAL_TOP);
    format_set_bottom(x->head, LXW_BORDER_THIN);
    format_set_bold(x->label);
    format_set_text_wrap(x->label);
    format_set_align(x->label, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(x->pct, "0.0000");
    format_set_num_format(x->dec2, "0.00");
    format_set_num_format(x->whole, "0");
}

int pd_report_xlsx(const struct pd_report *r, const char *path, const char *content_sha256,
                   char *err, size_t errlen)
{
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .use_zip64 = LXW_TRUE};
    struct xw x = {0};
    struct xw_rule *rs = NULL;
    size_t n_rules = 0;
    int rc = -EIO, sys_errno = 0;

    if (!content_sha256)
        content_sha256 = "";
    if (rules_collect(r, &rs, &n_rules) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -ENOMEM;
        goto fail;
    }
    x.wb = workbook_new_opt(path, &opt);
    if (!x.wb) {
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(LXW_ERROR_MEMORY_MALLOC_FAILED));
        rc = -ENOMEM;
        goto fail;
    }
    make_formats(&x);
    properties(&x, r, content_sha256);
    summary_sheet(&x, r, content_sha256, rs, n_rules);
    outages_sheet(&x, r);
    sites_sheet(&x, r);
    media_sheet(&x, r);
    systems_sheet(&x, r, rs, n_rules);
    maintenance_sheet(&x, r);
    definitions_sheet(&x);
    if (x.err) {
        /* Do not leave a partial workbook behind: free without writing. */
        lxw_workbook_free(x.wb);
        goto fail;
    }
    errno = 0;
    x.err = workbook_close(x.wb);
    sys_errno = errno;
    if (x.err)
        goto fail;
    rc = 0;
fail:
    /* libxlsxwriter's message for a file it cannot create guesses at
     * permissions; the errno of its fopen() says what it was. */
    if (rc == -EIO && x.err == LXW_ERROR_CREATING_XLSX_FILE && sys_errno)
        snprintf(err, errlen, "%s: cannot create the file: %s", path, strerror(sys_errno));
    else if (rc == -EIO)
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(x.err));
    free(rs);
    return rc;
}
