#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probectl_common.h"
#include "timefmt.h"
#include "web_priv.h"
#include "yaml_tree.h"

/* The report side of the dashboard: this month on the device and system
 * pages, the systems, the monthly report page and its downloads, and the
 * report and systems API (docs/api.md). */

#define XLSX_TYPE       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define REPORT_FILE_MAX ((size_t)256 << 20)

static void pct(FILE *f, double v)
{
    if (isnan(v))
        fputs("-", f);
    else
        fprintf(f, "%.4f&nbsp;%%", v);
}

static void num(FILE *f, double v, const char *unit)
{
    if (isnan(v))
        fputs("-", f);
    else
        fprintf(f, "%.2f&nbsp;%s", v, unit);
}

static void dur(FILE *f, double s)
{
    char buf[PD_TIME_BUFLEN];
    fputs(pd_duration_short((pd_ns)(s * 1e9), buf, sizeof(buf)), f);
}

static const char *rule_text(const struct pd_system_conf *s, char *buf, size_t len)
{
    if (s->rule == PD_SYSTEM_ALL)
        snprintf(buf, len, "all of %zu", s->n_members);
    else if (s->rule == PD_SYSTEM_ANY)
        snprintf(buf, len, "any of %zu", s->n_members);
    else
        snprintf(buf, len, "%u of %zu", s->k, s->n_members);
    return buf;
}

/* One of ?site=, ?system=, ?target= (target only where allowed). */
static int scope_args(struct web_req *r, bool allow_target, enum pd_report_scope *scope,
                      const char **what)
{
    const char *site = web_arg(r, "site"), *system = web_arg(r, "system");
    const char *target = allow_target ? web_arg(r, "target") : NULL;
    *scope = PD_SCOPE_ALL;
    *what = NULL;
    if (!!site + !!system + !!target > 1 || (site && !pd_site_valid(site)) ||
        (system && !pd_id_valid(system)) || (target && !pd_id_valid(target)))
        return -EINVAL;
    if (site) {
        *scope = PD_SCOPE_SITE;
        *what = site;
    } else if (system) {
        *scope = PD_SCOPE_SYSTEM;
        *what = system;
    } else if (target) {
        *scope = PD_SCOPE_TARGET;
        *what = target;
    }
    return 0;
}

/* The month asked for, or the last complete one. */
static const char *month_arg(struct web_req *r, char buf[WEB_MONTH_LEN])
{
    const char *m = web_arg(r, "month");
    if (m)
        return m;
    char now[WEB_MONTH_LEN];
    web_month_of(r->now, now);
    if (web_month_prev(now, buf) < 0)
        snprintf(buf, WEB_MONTH_LEN, "%s", now);
    return buf;
}

/* Why each of the outages began: the reason of the first change to DOWN
 * recorded at its start (a check's row says why; the target's own does
 * not). reasons: n strings, owned by the caller. */
struct reasons {
    const struct pd_avail *a;
    char **text;
};

static int reason_row(const struct pd_event_row *e, void *arg)
{
    struct reasons *c = arg;
    if (strcmp(e->to, "DOWN") != 0 || !e->reason[0])
        return 0;
    for (size_t i = 0; i < c->a->n_outages; i++) {
        pd_ns d = e->at - c->a->outages[i].start;
        if (!c->text[i] && d >= -PD_SEC && d <= PD_SEC) {
            if (!(c->text[i] = strdup(e->reason)))
                return -ENOMEM;
            break;
        }
    }
    return 0;
}

static void outages_table(struct web_req *r, const struct pd_report *rep, const struct pd_avail *a,
                          const char *target_id)
{
    FILE *f = r->out;
    char t[PD_TIME_BUFLEN];
    char **text = calloc(a->n_outages + 1, sizeof(*text));
    if (target_id && text && a->n_outages) {
        struct reasons c = {a, text};
        struct pd_event_filter flt = {.target_id = target_id,
                                      .from = a->outages[0].start - PD_SEC,
                                      .until = rep->period.end + PD_SEC};
        pd_db_events(r->db, &flt, reason_row, &c); /* without reasons the list still stands */
    }
    if (a->n_outages == 0) {
        fputs("<p class=\"muted\">No outage this month.</p>\n", f);
        free(text);
        return;
    }
    fprintf(f,
            "<table class=\"outages\"><thead><tr><th>开始 start (%s)</th><th>结束 end</th>"
            "<th>时长 duration</th><th>计入 counted</th><th>维护 maintenance</th>"
            "<th>原因 reason</th></tr></thead><tbody>\n",
            rep->timezone);
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];
        fprintf(f, "<tr class=\"outage\"><td>%s</td>",
                pd_time_format_local(o->start, t, sizeof(t)));
        if (o->end)
            fprintf(f, "<td>%s</td>", pd_time_format_local(o->end, t, sizeof(t)));
        else
            fputs("<td class=\"ongoing\">ongoing</td>", f);
        fputs("<td>", f);
        dur(f, pd_report_seconds((o->end ? o->end : rep->period.end) - o->start));
        fputs("</td><td>", f);
        dur(f, pd_report_seconds(o->counted));
        fprintf(f, "</td><td>%s</td><td class=\"reason\">",
                o->maintenance_only                                           ? "excluded"
                : o->counted < (o->end ? o->end : rep->period.end) - o->start ? "partly"
                                                                              : "no");
        web_html(f, text && text[i] ? text[i] : "");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    for (size_t i = 0; text && i < a->n_outages; i++)
        free(text[i]);
    free(text);
}

static void figures_table(FILE *f, const struct pd_avail *a, const struct pd_sla_result *v)
{
    fputs(
        "<table class=\"figures\"><tbody><tr><th>可用率 availability</th><td id=\"availability\">",
        f);
    pct(f, a->availability_pct);
    fputs("</td></tr><tr><th>故障时间 fault downtime</th><td id=\"downtime\">", f);
    dur(f, a->downtime_s);
    fprintf(f,
            "</td></tr><tr><th>中断 outages</th><td id=\"outages\">%zu</td></tr>"
            "<tr><th>故障 failures</th><td id=\"failures\">%u</td></tr>"
            "<tr><th>MTTR</th><td id=\"mttr\">",
            a->n_outages, a->failures);
    num(f, a->mttr_min, "min");
    fputs("</td></tr><tr><th>MTBF</th><td>", f);
    num(f, a->mtbf_h, "h");
    fputs("</td></tr><tr><th>覆盖率 coverage</th><td>", f);
    pct(f, a->coverage_pct);
    fprintf(f, "</td></tr><tr><th>SLA</th><td>%s</td></tr></tbody></table>\n",
            pd_sla_verdict_name(v->overall));
}

/* The period line: "2026-10 so far: 10-01 00:00 to 10-21 10:02". */
static void period_line(FILE *f, const struct pd_report *rep, bool so_far)
{
    char a[PD_TIME_BUFLEN], b[PD_TIME_BUFLEN];
    fprintf(f, "<p class=\"period\">%s%s: %s – %s (%s)%s</p>\n", rep->month,
            so_far ? " so far" : "", pd_time_format_local(rep->period.start, a, sizeof(a)),
            pd_time_format_local(rep->period.end, b, sizeof(b)), rep->timezone,
            so_far             ? " · the month has not ended: figures up to the last record"
            : rep->provisional ? " · provisional: not every target was seen after the month"
                               : "");
}

int web_device_month(struct web_req *r, const char *target_id)
{
    char month[WEB_MONTH_LEN], why[512];
    struct pd_report *rep = NULL;
    bool so_far = false;
    FILE *f = r->out;
    web_month_of(r->now, month);
    fputs("<h2>本月 This month</h2>\n", f);
    int rc =
        web_report_build(r, month, PD_SCOPE_TARGET, target_id, &rep, &so_far, why, sizeof(why));
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0 || rep->n_targets == 0) {
        fputs("<p class=\"muted\">No figure for this month: ", f);
        web_html(f, rc < 0 ? why : "the device was not in service");
        fputs("</p>\n", f);
        pd_report_free(rep);
        return 0;
    }
    const struct pd_report_target *t = &rep->targets[0];
    period_line(f, rep, so_far);
    figures_table(f, &t->avail, &t->sla);
    outages_table(r, rep, &t->avail, target_id);
    fputs("<p><a href=\"/report?target=", f);
    web_url(f, target_id);
    fprintf(f, "&amp;month=%s\">report of the month</a></p>\n", month);
    pd_report_free(rep);
    return 0;
}

static void systems_rows(struct web_req *r, const struct web_conf *c, const struct web_model *m,
                         const char *only_member)
{
    FILE *f = r->out;
    char rule[64];
    for (size_t i = 0; i < c->cfg.n_systems; i++) {
        const struct pd_system_conf *s = &c->cfg.systems[i];
        bool member = !only_member;
        for (size_t k = 0; !member && k < s->n_members; k++)
            member = strcmp(s->members[k], only_member) == 0;
        if (!member)
            continue;
        unsigned up, n;
        enum web_state st = web_system_state(s, m, &up, &n);
        fprintf(f, "<tr class=\"system\" data-state=\"%s\"><td>", web_state_name(st));
        web_badge(f, st);
        fputs("</td><td class=\"name\"><a href=\"/system/", f);
        web_url(f, s->id);
        fputs("\">", f);
        web_html(f, s->name ? s->name : s->id);
        fputs("</a></td><td class=\"id\">", f);
        web_html(f, s->id);
        fprintf(f, "</td><td>%s</td><td>%u of %u up</td></tr>\n", rule_text(s, rule, sizeof(rule)),
                up, n);
    }
}

static bool has_system(const struct web_conf *c, const char *member)
{
    for (size_t i = 0; i < c->cfg.n_systems; i++)
        for (size_t k = 0; k < c->cfg.systems[i].n_members; k++)
            if (!member || strcmp(c->cfg.systems[i].members[k], member) == 0)
                return true;
    return false;
}

static void systems_head(FILE *f, const char *title, const char *anchor)
{
    fprintf(
        f,
        "<h2%s>%s</h2>\n<table class=\"systems\"><thead><tr><th>状态 state</th><th>名称 name</th>"
        "<th>id</th><th>规则 rule</th><th>成员 members</th></tr></thead><tbody>\n",
        anchor, title);
}

int web_systems_table(struct web_req *r, const struct web_model *m)
{
    struct web_conf *c = web_conf_get(r);
    if (has_system(c, NULL)) {
        systems_head(r->out, "系统 Systems", " id=\"systems\"");
        systems_rows(r, c, m, NULL);
        fputs("</tbody></table>\n", r->out);
    }
    web_conf_put(r, c);
    return 0;
}

int web_device_systems(struct web_req *r, const char *target_id)
{
    struct web_conf *c = web_conf_get(r);
    struct web_model all;
    int rc = 0;
    if (has_system(c, target_id) && (rc = web_load(r, NULL, NULL, &all)) == 0) {
        systems_head(r->out, "所属系统 Systems", "");
        systems_rows(r, c, &all, target_id);
        fputs("</tbody></table>\n", r->out);
        web_model_free(&all);
    }
    web_conf_put(r, c);
    return rc;
}

int web_page_system(struct web_req *r)
{
    const char *id = r->rest;
    char month[WEB_MONTH_LEN], why[512], rule[64];
    if (!pd_id_valid(id))
        return web_error(r, 404, "'%s' is not a system id", id);
    struct web_conf *c = web_conf_get(r);
    struct pd_report *rep = NULL;
    struct web_model m = {0};
    bool so_far = false;
    int rc = 0;
    const struct pd_system_conf *s = web_conf_system(c, id);
    if (!s) {
        web_error(r, 404, "no system '%s' in the configuration", id);
        goto out;
    }
    if ((rc = web_load(r, NULL, NULL, &m)) < 0)
        goto out;
    unsigned up, n;
    enum web_state st = web_system_state(s, &m, &up, &n);
    web_page_begin(r, s->name ? s->name : s->id, true);
    FILE *f = r->out;
    fputs("<p class=\"device-head\">", f);
    web_badge(f, st);
    fputs(" <b class=\"id\">", f);
    web_html(f, s->id);
    fprintf(f, "</b> · rule <b class=\"rule\">%s</b> (%s) · %u of %u members up · severity ",
            pd_system_rule_name((enum pd_system_rule)s->rule), rule_text(s, rule, sizeof(rule)), up,
            n);
    web_html(f, s->severity ? s->severity : c->cfg.sla_default_severity);
    fputs("</p>\n<h2>成员 Members</h2>\n<table class=\"members\"><thead><tr><th>状态 state</th>"
          "<th>名称 name</th><th>id</th><th>站点 site</th><th>原因 reason</th></tr></thead>"
          "<tbody>\n",
          f);
    for (size_t i = 0; i < s->n_members; i++) {
        const struct web_target *t = NULL;
        for (size_t k = 0; !t && k < m.n_targets; k++)
            if (strcmp(m.targets[k].id, s->members[i]) == 0)
                t = &m.targets[k];
        fprintf(f, "<tr class=\"member\"><td>");
        if (t)
            web_badge(f, t->shown);
        else
            fputs("<span class=\"muted\">not in service</span>", f);
        fputs("</td><td class=\"name\"><a href=\"/device/", f);
        web_url(f, s->members[i]);
        fputs("\">", f);
        web_html(f, t ? t->name : s->members[i]);
        fputs("</a></td><td class=\"id\">", f);
        web_html(f, s->members[i]);
        fputs("</td><td>", f);
        web_html(f, t ? t->site : "");
        fputs("</td><td class=\"reason\">", f);
        web_html(f, !t ? "" : t->shown == WEB_MAINT ? t->maint_reason : t->reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n<h2>本月 This month</h2>\n", f);
    web_month_of(r->now, month);
    rc = web_report_build(r, month, PD_SCOPE_SYSTEM, id, &rep, &so_far, why, sizeof(why));
    if (rc == -ENOMEM)
        goto out;
    if (rc < 0 || rep->n_systems == 0) {
        fputs("<p class=\"muted\">No figure for this month: ", f);
        web_html(f, rc < 0 ? why : "no member was in service");
        fputs("</p>\n", f);
    } else {
        period_line(f, rep, so_far);
        figures_table(f, &rep->systems[0].avail, &rep->systems[0].sla);
        outages_table(r, rep, &rep->systems[0].avail, NULL);
    }
    rc = 0;
    fputs("<p><a href=\"/report?system=", f);
    web_url(f, id);
    fprintf(f, "&amp;month=%s\">report of the month</a></p>\n", month);
    web_page_end(r);
out:
    pd_report_free(rep);
    web_model_free(&m);
    web_conf_put(r, c);
    return rc;
}

/* "?system=video&" for links that keep the scope. */
static void scope_query(FILE *f, enum pd_report_scope scope, const char *what)
{
    if (scope == PD_SCOPE_ALL)
        return;
    fprintf(f, "%s=", pd_report_scope_name(scope));
    web_url(f, what);
    fputs("&amp;", f);
}

static void verdict_cell(FILE *f, enum pd_sla_verdict v)
{
    fprintf(f, "<td class=\"verdict %s\">%s</td>", pd_sla_verdict_name(v), pd_sla_verdict_name(v));
}

static void report_row(FILE *f, const char *href, const char *id, const char *name,
                       const char *site, const struct pd_avail *a, const struct pd_sla_result *v)
{
    fprintf(f, "<tr><td class=\"name\"><a href=\"%s", href);
    web_url(f, id);
    fputs("\">", f);
    web_html(f, name);
    fputs("</a></td><td>", f);
    web_html(f, site);
    fputs("</td><td>", f);
    pct(f, a->availability_pct);
    fputs("</td><td>", f);
    pct(f, a->coverage_pct);
    fputs("</td><td>", f);
    dur(f, a->downtime_s);
    fprintf(f, "</td><td>%u</td><td>", a->failures);
    num(f, a->mtbf_h, "h");
    fputs("</td><td>", f);
    num(f, a->mttr_min, "min");
    fputs("</td>", f);
    verdict_cell(f, v->overall);
    fputs("</tr>\n", f);
}

static const char report_cols[] =
    "<thead><tr><th>名称 name</th><th>站点 site</th><th>可用率 availability</th>"
    "<th>覆盖率 coverage</th><th>故障时间 downtime</th><th>故障 failures</th><th>MTBF</th>"
    "<th>MTTR</th><th>SLA</th></tr></thead><tbody>\n";

/* The month's report in the scope the query asks (?site=, ?system=,
 * ?target=), or NULL with an error page made (400, 404 or 500). */
static struct pd_report *scoped_report(struct web_req *r, const char *month,
                                       enum pd_report_scope *scope, const char **what, bool *so_far)
{
    struct pd_report *rep = NULL;
    char why[512];
    if (scope_args(r, true, scope, what) < 0) {
        web_error(r, 400, "give at most one of site (a site path), system or target (ids)");
        return NULL;
    }
    int rc = web_report_build(r, month, *scope, *what, &rep, so_far, why, sizeof(why));
    if (rc < 0)
        web_error(r, rc == -EINVAL ? 400 : rc == -ENOENT ? 404 : 500, "%s", why);
    return rc < 0 ? NULL : rep;
}

int web_page_report(struct web_req *r)
{
    char buf[WEB_MONTH_LEN], now[WEB_MONTH_LEN], prev[WEB_MONTH_LEN];
    const char *month = month_arg(r, buf), *what;
    enum pd_report_scope scope;
    struct pd_report *rep = NULL;
    bool so_far = false;
    if (!(rep = scoped_report(r, month, &scope, &what, &so_far)))
        return 0; /* the error page is made */
    char title[96];
    snprintf(title, sizeof(title), "probed 月报 report %s%s", month, so_far ? " (so far)" : "");
    web_page_begin(r, title, false);
    FILE *f = r->out;
    web_month_of(r->now, now);
    fputs("<p class=\"months\">", f);
    if (web_month_prev(month, prev) == 0) {
        fputs("<a href=\"/report?", f);
        scope_query(f, scope, what);
        fprintf(f, "month=%s\">← %s</a> · ", prev, prev);
    }
    fputs("<a href=\"/report?", f);
    scope_query(f, scope, what);
    fprintf(f, "month=%s\">this month so far (%s)</a>", now, now);
    if (scope != PD_SCOPE_ALL) {
        fprintf(f, " · scope %s <b>", pd_report_scope_name(scope));
        web_html(f, what);
        fprintf(f, "</b> (<a href=\"/report?month=%s\">all</a>)", month);
    }
    fputs("</p>\n", f);
    period_line(f, rep, so_far);
    fputs("<p class=\"downloads\">下载 Download:", f);
    static const char *const exts[] = {"csv", "xlsx", "json", "html"};
    for (size_t i = 0; i < 4; i++) {
        fprintf(f, " <a href=\"/report/%s.%s", month, exts[i]);
        if (scope != PD_SCOPE_ALL) {
            fputs("?", f);
            scope_query(f, scope, what);
        }
        fprintf(f, "\">%s</a>", exts[i]);
    }
    fputs("</p>\n", f);
    if (rep->n_targets == 0 && rep->n_systems == 0) {
        fprintf(f, "<p class=\"muted\" id=\"empty\">No target was in service in %s.</p>\n", month);
        goto end;
    }
    fprintf(f,
            "<table class=\"summary\"><tbody><tr><th>设备 targets</th><td id=\"n-targets\">%zu</td>"
            "</tr><tr><th>met</th><td id=\"met\">%u</td></tr><tr><th>not met</th>"
            "<td id=\"not-met\">%u</td></tr><tr><th>unverified</th><td>%u</td></tr>"
            "<tr><th>no limit</th><td>%u</td></tr><tr><th>故障 failures</th>"
            "<td id=\"failures\">%u</td></tr><tr><th>中断 outages</th><td>%u</td></tr>"
            "<tr><th>系统 systems</th><td>%zu</td></tr></tbody></table>\n",
            rep->n_targets, rep->met, rep->not_met, rep->unverified, rep->no_limit, rep->failures,
            rep->outages, rep->n_systems);
    if (rep->n_systems) {
        fprintf(f, "<h2>系统 Systems</h2>\n<table class=\"report systems\">%s", report_cols);
        for (size_t i = 0; i < rep->n_systems; i++) {
            const struct pd_report_system *s = &rep->systems[i];
            report_row(f, "/system/", s->id, s->name ? s->name : s->id, "", &s->avail, &s->sla);
        }
        fputs("</tbody></table>\n", f);
    }
    fprintf(f, "<h2>设备 Targets</h2>\n<table class=\"report targets\">%s", report_cols);
    for (size_t i = 0; i < rep->n_targets; i++) {
        const struct pd_report_target *t = &rep->targets[i];
        report_row(f, "/device/", t->id, t->name, t->site, &t->avail, &t->sla);
    }
    fputs("</tbody></table>\n", f);
end:
    web_page_end(r);
    pd_report_free(rep);
    return 0;
}

/* The workbook through a file: libxlsxwriter writes a zip to a path
 * (it seeks), so it goes to a temporary file, read back, removed. */
static int xlsx_body(struct web_req *r, const struct pd_report *rep, char *why, size_t whylen)
{
    char *csv = NULL, hex[PD_SHA256_HEX], *doc = NULL, path[256];
    size_t len = 0;
    int rc = pd_report_csv(rep, false, &csv, &len);
    if (rc < 0)
        return rc;
    /* The CSV's digest: the last 64 characters of its last line. */
    snprintf(hex, sizeof(hex), "%.64s", csv + len - 66);
    free(csv);
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/probed-report-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(why, whylen, "temporary file in %s: %s", dir && *dir ? dir : "/tmp",
                 strerror(errno));
        return -errno;
    }
    close(fd);
    if ((rc = pd_report_xlsx(rep, path, hex, why, whylen)) == 0 &&
        (rc = pd_read_file_max(path, REPORT_FILE_MAX, &doc, &len, why, whylen)) == 0 &&
        fwrite(doc, 1, len, r->out) != len)
        rc = -ENOMEM;
    unlink(path);
    free(doc);
    return rc;
}

int web_report_file(struct web_req *r)
{
    char month[WEB_MONTH_LEN], why[512];
    enum pd_report_format fmt;
    enum pd_report_scope scope;
    const char *what;
    struct pd_report *rep = NULL;
    bool so_far;
    char *doc = NULL;
    size_t len = 0;
    if (web_report_file_parse(r->rest, month, &fmt) < 0)
        return web_error(r, 404, "a report file is YYYY-MM.csv, .xlsx, .json or .html");
    int rc = -EINVAL; /* every format has its case; gcc -O2 cannot tell */
    if (!(rep = scoped_report(r, month, &scope, &what, &so_far)))
        return 0; /* the error page is made */
    if (rep->n_targets == 0 && rep->n_systems == 0) {
        pd_report_free(rep);
        return web_error(r, 404, "no target was in service in %s", month);
    }
    snprintf(why, sizeof(why), "out of memory");
    switch (fmt) {
    case PD_REPORT_CSV:
        /* With a byte order mark: this file is for spreadsheet software. */
        rc = pd_report_csv(rep, true, &doc, &len);
        r->type = "text/csv; charset=utf-8";
        break;
    case PD_REPORT_JSON:
        rc = pd_report_json(rep, &doc, &len);
        r->type = "application/json; charset=utf-8";
        break;
    case PD_REPORT_HTML:
        rc = pd_report_html(rep, &doc, &len);
        r->type = "text/html; charset=utf-8";
        break;
    case PD_REPORT_XLSX:
        rc = xlsx_body(r, rep, why, sizeof(why));
        r->type = XLSX_TYPE;
        break;
    }
    if (rc == 0 && doc && fwrite(doc, 1, len, r->out) != len)
        rc = -ENOMEM;
    free(doc);
    if (rc < 0) {
        pd_report_free(rep);
        return web_error(r, 500, "%s", why);
    }
    /* ASCII only: ids and site paths are [a-z0-9._-] joined by '/'. */
    char name[sizeof(r->attachment) - 6]; /* room for ".xlsx" */
    int n = snprintf(name, sizeof(name), "probed-report-%s%s%s", month,
                     scope == PD_SCOPE_ALL ? "" : "-", scope == PD_SCOPE_ALL ? "" : what);
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '_';
    static const char *const exts[] = {"csv", "json", "html", "xlsx"};
    if (n < 0 || (size_t)n >= sizeof(name))
        snprintf(name, sizeof(name), "probed-report-%s", month);
    snprintf(r->attachment, sizeof(r->attachment), "%s.%s", name, exts[fmt]);
    pd_report_free(rep);
    return 0;
}

int web_api_report(struct web_req *r)
{
    char buf[WEB_MONTH_LEN];
    const char *month = month_arg(r, buf), *what;
    enum pd_report_scope scope;
    struct pd_report *rep = NULL;
    bool so_far;
    char *doc = NULL;
    size_t len = 0;
    int rc;
    if (!(rep = scoped_report(r, month, &scope, &what, &so_far)))
        return 0; /* the error page is made */
    rc = pd_report_json(rep, &doc, &len);
    if (rc == 0 && fwrite(doc, 1, len, r->out) != len)
        rc = -ENOMEM;
    free(doc);
    pd_report_free(rep);
    return rc;
}

static void system_json(struct pctl_json *j, const struct web_conf *c,
                        const struct pd_system_conf *s, const struct web_model *m)
{
    unsigned up, n;
    enum web_state st = web_system_state(s, m, &up, &n);
    pctl_json_open(j, NULL, '{');
    pctl_json_str(j, "id", s->id);
    pctl_json_str(j, "name", s->name ? s->name : s->id);
    pctl_json_str(j, "rule", pd_system_rule_name((enum pd_system_rule)s->rule));
    pctl_json_int(j, "k",
                  s->rule == PD_SYSTEM_ALL   ? (long long)s->n_members
                  : s->rule == PD_SYSTEM_ANY ? 1
                                             : (long long)s->k);
    pctl_json_str(j, "severity", s->severity ? s->severity : c->cfg.sla_default_severity);
    pctl_json_str(j, "state", web_state_name(st));
    pctl_json_int(j, "members_up", up);
    pctl_json_int(j, "members_in_service", n);
    pctl_json_open(j, "members", '[');
    for (size_t i = 0; i < s->n_members; i++) {
        const struct web_target *t = NULL;
        for (size_t k = 0; !t && k < m->n_targets; k++)
            if (strcmp(m->targets[k].id, s->members[i]) == 0)
                t = &m->targets[k];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", s->members[i]);
        if (t) {
            pctl_json_str(j, "name", t->name);
            pctl_json_str(j, "state", web_state_name(web_state_parse(t->state)));
            pctl_json_str(j, "shown", web_state_name(t->shown));
            pctl_json_bool(j, "maintenance", t->maintenance);
        } else {
            pctl_json_null(j, "name");
            pctl_json_str(j, "state", "not_in_service");
        }
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
    pctl_json_close(j, '}');
}

int web_api_systems(struct web_req *r, const char *id)
{
    if (id && !pd_id_valid(id))
        return -ENOENT;
    struct web_conf *c = web_conf_get(r);
    struct web_model m = {0};
    const struct pd_system_conf *one = id ? web_conf_system(c, id) : NULL;
    int rc = id && !one ? -ENOENT : web_load(r, NULL, NULL, &m);
    if (rc < 0)
        goto out;
    struct pctl_json j = {.out = r->out};
    if (one) {
        system_json(&j, c, one, &m);
    } else {
        pctl_json_open(&j, NULL, '{');
        pctl_json_time(&j, "generated", r->now);
        pctl_json_open(&j, "systems", '[');
        for (size_t i = 0; i < c->cfg.n_systems; i++)
            system_json(&j, c, &c->cfg.systems[i], &m);
        pctl_json_close(&j, ']');
        pctl_json_close(&j, '}');
    }
    fputc('\n', r->out);
out:
    web_model_free(&m);
    web_conf_put(r, c);
    return rc;
}
