#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "report_fixture.h"
#include "report_write.h"
#include "timefmt.h"
#include "utf8.h"

#define MIN          (60 * PD_SEC)
#define HOUR         (3600 * PD_SEC)
#define N(a)         (sizeof(a) / sizeof((a)[0]))
#define DASH         "\u2014"
#define EVIL         "坏<script>&\"'名"
#define EVIL_ESCAPED "坏&lt;script&gt;&amp;&quot;&#39;名"

/* November 2026 in Asia/Shanghai: four targets in two sites of depth 3,
 * the worked example of docs/reports.md among them (gy-01), an ongoing
 * outage (gy-02), a target with a day unobserved and no failure (zy-01:
 * unverified, MTBF and MTTR null), one not seen since before the month
 * ended (zy-02: the report is provisional), two maintenance windows and a
 * 2-of-3 system. */
struct fixture {
    struct pd_report *r;
    char *doc;
    size_t len;
};

static pd_ns local(const char *text)
{
    char err[256] = "";
    pd_ns t;

    if (pd_time_parse(text, 0, &t, err, sizeof(err)) != 0)
        fail_msg("%s: %s", text, err);
    return t;
}

static struct pd_report *build(void)
{
    char err[256] = "";
    struct pd_span nov = {0, 0};
    struct pd_report *r = NULL;

    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0 ||
        pd_time_month("2026-11", &nov.start, &nov.end, err, sizeof(err)) != 0)
        fail_msg("%s", err);

    const struct pd_report_severity sev[] = {
        {"emergency", PD_TEST_EMERGENCY_LIMITS},
        {"general",
         {.availability_min = 99.0,
          .mttr_max = 240 * MIN,
          .resolved = {{80, 120 * MIN}},
          .n_resolved = 1}},
    };
    const struct pd_avail_point gy1[] = {
        {local("2026-10-20 09:00"), PD_STATE_UP}, {local("2026-11-05 14:00"), PD_STATE_DOWN},
        {local("2026-11-05 15:30"), PD_STATE_UP}, {local("2026-11-12 02:00"), PD_STATE_UNKNOWN},
        {local("2026-11-12 06:00"), PD_STATE_UP}, {local("2026-11-20 10:00"), PD_STATE_DOWN},
        {local("2026-11-20 10:12"), PD_STATE_UP}, {local("2026-11-30 23:20"), PD_STATE_DOWN},
        {local("2026-12-01 00:25"), PD_STATE_UP},
    };
    const struct pd_avail_point gy2[] = {
        {local("2026-10-01 00:00"), PD_STATE_UP},
        {local("2026-11-28 08:00"), PD_STATE_DOWN},
    };
    const struct pd_avail_point zy1[] = {
        {local("2026-10-01 00:00"), PD_STATE_UP},
        {local("2026-11-10 00:00"), PD_STATE_UNKNOWN},
        {local("2026-11-11 00:00"), PD_STATE_UP},
        {local("2026-12-01 01:00"), PD_STATE_UP},
    };
    const struct pd_avail_point zy2[] = {
        {local("2026-10-01 00:00"), PD_STATE_UP},
        {local("2026-11-15 09:00"), PD_STATE_DOWN},
        {local("2026-11-15 09:20"), PD_STATE_UP},
        {local("2026-11-30 23:00"), PD_STATE_UNKNOWN},
    };
    /* Two calls: 10 of 40 minutes degraded, then one without media. */
    const struct pd_avail_point gy1_media[] = {
        {local("2026-11-03 09:00"), PD_STATE_UP},
        {local("2026-11-03 09:30"), PD_STATE_DOWN},
        {local("2026-11-03 09:40"), PD_STATE_UNKNOWN},
        {local("2026-11-04 09:00"), PD_STATE_UNKNOWN},
    };
    const struct pd_report_target_in targets[] = {
        {"gy-01", "会议终端-1", "贵州省/贵阳市/云岩区", "icmp", "emergency", 0, 0, gy1, N(gy1),
         true, gy1_media, N(gy1_media)},
        {"gy-02", "会议终端-2", "贵州省/贵阳市/云岩区", "icmp", "general", 0, 0, gy2, N(gy2), true,
         NULL, 0},
        {"zy-01", EVIL, "贵州省/遵义市/红花岗区", "icmp", "emergency", 0, 0, zy1, N(zy1), false,
         NULL, 0},
        {"zy-02", "视频终端-4", "贵州省/遵义市/红花岗区", "icmp", "general", 0, 0, zy2, N(zy2),
         false, NULL, 0},
    };
    const char *const members[] = {"gy-01", "gy-02", "zy-02"};
    const struct pd_report_system_in systems[] = {
        {"vc", "视频会议系统", "emergency", PD_SYSTEM_K_OF_N, 2, members, N(members)},
    };
    /* A stray byte that is not UTF-8 must not make the file invalid. */
    char reason1[] = "更换电源 <计划内>\xff", reason2[] = "机房\"割接\" & 'test'";
    char what1[] = "gy-01", what2[] = "贵州省/贵阳市";
    const struct pd_maint_window maint[] = {
        {0,
         {local("2026-11-05 14:30"), local("2026-11-05 15:00")},
         PD_MAINT_TARGET,
         what1,
         reason1},
        {7, {local("2026-11-25 01:00"), local("2026-11-25 03:00")}, PD_MAINT_SITE, what2, reason2},
    };
    const struct pd_report_input in = {
        .month = "2026-11",
        .period = nov,
        .timezone = "Asia/Shanghai",
        .version = "0.1.0",
        .config_hash = "5d41402abc4b2a76b9719d911017c592ae5d41402abc4b2a76b9719d911017c5",
        .source = "event store /var/lib/probed/events.db",
        .generated = local("2026-12-01 03:00"),
        .observed_until = local("2026-12-01 03:00"),
        .scope = PD_SCOPE_ALL,
        .severities = sev,
        .n_severities = N(sev),
        .targets = targets,
        .n_targets = N(targets),
        .systems = systems,
        .n_systems = N(systems),
        .maintenance = maint,
        .n_maintenance = N(maint),
    };
    if (pd_report_build(&in, &r, err, sizeof(err)) != 0)
        fail_msg("pd_report_build: %s", err);
    return r;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    fx->r = build();
    if (pd_report_html(fx->r, &fx->doc, &fx->len) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    free(fx->doc);
    pd_report_free(fx->r);
    free(fx);
    return 0;
}

/* The document as a C string (it holds no NUL). */
static const char *text(const struct fixture *fx)
{
    assert_int_equal(strlen(fx->doc), fx->len);
    return fx->doc;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The row of the table under <h2 id="section"> whose id cell is id. */
static const char *row_of(const char *doc, const char *section, const char *id, const char **end)
{
    char h2[64], cell[128];

    snprintf(h2, sizeof(h2), "<h2 id=\"%s\">", section);
    snprintf(cell, sizeof(cell), "<td class=\"id\">%s</td>", id);
    const char *s = strstr(doc, h2);
    assert_non_null(s);
    const char *table_end = strstr(s, "</table>");
    const char *c = strstr(s, cell);
    if (!c || !table_end || c > table_end)
        fail_msg("no row %s in %s", id, section);
    const char *row = c;
    while (row > s && strncmp(row, "<tr>", 4) != 0)
        row--;
    *end = strstr(c, "</tr>");
    assert_non_null(*end);
    return row;
}

/* The content of the cell of class "n cls" in [row, end). */
static const char *cell(const char *row, const char *end, const char *cls)
{
    char pat[64];

    snprintf(pat, sizeof(pat), "class=\"n %s", cls);
    for (const char *p = row; (p = strstr(p, pat)) && p < end; p++) {
        char next = p[strlen(pat)];
        if (next == '"' || next == ' ')
            return strchr(p, '>') + 1;
    }
    fail_msg("no cell %s in the row", cls);
    return NULL;
}

static double num(const char *row, const char *end, const char *cls)
{
    const char *p = cell(row, end, cls);
    char *e;

    if (strncmp(p, DASH, strlen(DASH)) == 0)
        return NAN;
    double v = strtod(p, &e);
    if (e == p || (*e != '<' && *e != ' '))
        fail_msg("cell %s: not a number: %.20s", cls, p);
    return v;
}

static void near(double got, double want, double tol, const char *what, const char *id)
{
    if (isnan(want) ? isnan(got) : !isnan(got) && fabs(got - want) <= tol)
        return;
    fail_msg("%s of %s: printed %.6f, struct has %.6f", what, id, got, want);
}

static void has_verdict(const char *row, const char *end, const char *cls, enum pd_sla_verdict v)
{
    const char *p = cell(row, end, cls);
    const char *close = strstr(p, "</td>");
    char word[64];

    if (v == PD_SLA_NO_LIMIT)
        return;
    snprintf(word, sizeof(word), "<span class=\"w\">%s</span>", pd_sla_verdict_name(v));
    const char *w = strstr(p, word);
    if (!w || w > close)
        fail_msg("cell %s lacks the verdict %s", cls, pd_sla_verdict_name(v));
}

#define PCT_TOL  0.0000501
#define HUND_TOL 0.00501

/* Every figure of a target or system row is the one in the struct. */
static void check_figures(const char *row, const char *end, const char *id,
                          const struct pd_avail *a, const struct pd_sla_result *s,
                          const struct pd_report_severity *sev)
{
    char overall[96], cls[32];

    near(num(row, end, "total"), a->total_s, 0.5, "total", id);
    near(num(row, end, "maintenance"), a->maintenance_s, 0.5, "maintenance", id);
    near(num(row, end, "unknown"), a->unknown_s, 0.5, "unknown", id);
    near(num(row, end, "downtime"), a->downtime_s, 0.5, "downtime", id);
    near(num(row, end, "availability"), a->availability_pct, PCT_TOL, "availability", id);
    near(num(row, end, "coverage"), a->coverage_pct, PCT_TOL, "coverage", id);
    near(num(row, end, "observed"), a->observed_availability_pct, PCT_TOL, "observed", id);
    near(num(row, end, "failures"), a->failures, 0, "failures", id);
    near(num(row, end, "mtbf"), a->mtbf_h, HUND_TOL, "mtbf", id);
    near(num(row, end, "mttr"), a->mttr_min, HUND_TOL, "mttr", id);
    has_verdict(row, end, "availability", s->availability);
    has_verdict(row, end, "mtbf", s->mtbf);
    has_verdict(row, end, "mttr", s->mttr);
    for (size_t j = 0; j < sev->limits.n_resolved; j++) {
        snprintf(cls, sizeof(cls), "within-%lld",
                 (long long)(sev->limits.resolved[j].within / PD_SEC));
        near(num(row, end, cls), s->resolved_pct[j], PCT_TOL, cls, id);
        has_verdict(row, end, cls, s->resolved[j]);
    }
    snprintf(overall, sizeof(overall), "<td class=\"overall %s\">%s</td>",
             pd_sla_verdict_name(s->overall), pd_sla_verdict_name(s->overall));
    const char *o = strstr(row, overall);
    if (!o || o > end)
        fail_msg("%s: overall verdict %s missing", id, pd_sla_verdict_name(s->overall));
}

static void test_self_contained_document(void **state)
{
    const char *doc = text(*state);
    static const char *const forbidden[] = {"http://", "https://", "src=",   "@import",
                                            "<link",   "url(",     "<script"};
    static const char *const sections[] = {"summary", "limits",  "targets",     "sites",
                                           "systems", "outages", "maintenance", "definitions"};
    const char *prev = doc;
    size_t bad = 0;

    assert_memory_equal(doc, "<!DOCTYPE html>\n", 16);
    assert_non_null(strstr(doc, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(doc, "<title>Availability report 2026-11</title>"));
    assert_non_null(strstr(doc, "<h1>Availability report 2026-11</h1>"));
    assert_non_null(strstr(doc, "@page { size: A4 landscape; margin: 12mm }"));
    assert_non_null(strstr(doc, "thead { display: table-header-group }"));
    assert_non_null(strstr(doc, "break-inside: avoid"));
    assert_non_null(strstr(doc, "print-color-adjust: exact"));
    assert_non_null(strstr(doc, "\"Noto Sans CJK SC\""));
    assert_true(pd_utf8_valid(doc, strlen(doc), &bad));
    for (size_t i = 0; i < N(forbidden); i++)
        if (strstr(doc, forbidden[i]))
            fail_msg("the document holds %s", forbidden[i]);
    for (size_t i = 0; i < N(sections); i++) {
        char h2[64];
        snprintf(h2, sizeof(h2), "<h2 id=\"%s\">", sections[i]);
        const char *p = strstr(doc, h2);
        if (!p || p < prev)
            fail_msg("section %s missing or out of order", sections[i]);
        prev = p;
    }
    for (const struct pd_report_definition *d = pd_report_definitions; d->figure; d++) {
        char td[96];
        snprintf(td, sizeof(td), "<tr><td>%s</td>", d->figure);
        assert_non_null(strstr(prev, td));
    }
}

static void test_digest(void **state)
{
    struct fixture *fx = *state;
    const char *doc = text(fx);
    static const char tail[] = "</p></body></html>\n";
    char err[256] = "", hex[PD_SHA256_HEX];

    assert_int_equal(pd_report_verify(fx->doc, fx->len, err, sizeof(err)), 0);

    /* The last line is the digest of every byte before it. */
    assert_true(fx->len > sizeof(tail));
    assert_string_equal(doc + fx->len - strlen(tail), tail);
    const char *last = doc + fx->len - 1;
    while (last > doc && last[-1] != '\n')
        last--;
    const char *lead = "<p class=\"digest\">SHA-256 of the lines above: ";
    assert_memory_equal(last, lead, strlen(lead));
    pd_sha256_hex(doc, (size_t)(last - doc), hex);
    assert_memory_equal(last + strlen(lead), hex, 64);
    assert_int_equal(strlen(last), strlen(lead) + 64 + strlen(tail));

    /* One byte changed in the body: the digest no longer matches. */
    char *copy = malloc(fx->len);
    assert_non_null(copy);
    memcpy(copy, fx->doc, fx->len);
    copy[(size_t)(last - doc) / 2] ^= 0x01;
    assert_int_equal(pd_report_verify(copy, fx->len, err, sizeof(err)), -EBADMSG);
    free(copy);
}

static void test_names_intact_and_escaped(void **state)
{
    const char *doc = text(*state);
    static const char *const intact[] = {"会议终端-1",
                                         "会议终端-2",
                                         "视频终端-4",
                                         "视频会议系统",
                                         "贵州省/贵阳市/云岩区",
                                         "贵州省/遵义市/红花岗区",
                                         "更换电源 &lt;计划内&gt;\uFFFD</td>",
                                         "机房&quot;割接&quot; &amp; &#39;test&#39;"};

    for (size_t i = 0; i < N(intact); i++)
        if (!strstr(doc, intact[i]))
            fail_msg("%s missing", intact[i]);
    /* In the targets table and the site cells, escaped, never raw. */
    assert_null(strstr(doc, EVIL));
    assert_null(strstr(doc, "<script"));
    assert_int_equal(count(doc, EVIL_ESCAPED), 1);
}

static void test_target_figures(void **state)
{
    struct fixture *fx = *state;
    const char *doc = text(fx), *end;

    assert_int_equal(fx->r->n_targets, 4);
    for (size_t i = 0; i < fx->r->n_targets; i++) {
        const struct pd_report_target *t = &fx->r->targets[i];
        const char *row = row_of(doc, "targets", t->id, &end);
        check_figures(row, end, t->id, &t->avail, &t->sla, t->severity);
    }
    /* The worked example, as docs/reports.md prints it. */
    const char *row = row_of(doc, "targets", "gy-01", &end);
    assert_memory_equal(cell(row, end, "availability"), "99.7407", 7);
    assert_memory_equal(cell(row, end, "mtbf"), "237.21", 6);
    assert_memory_equal(cell(row, end, "mttr"), "36.00<small>ended 2</small>", 27);
}

/* Only targets with media checks have a row; one never in a call has
 * no share (a dash), not 0 %. */
static void test_media(void **state)
{
    struct fixture *fx = *state;
    const char *doc = text(fx), *end;

    const char *row = row_of(doc, "media", "gy-01", &end);
    near(num(row, end, "observed"), 2400, 0, "observed", "gy-01");
    near(num(row, end, "degraded"), 600, 0, "degraded", "gy-01");
    near(num(row, end, "degraded_pct"), 25, 0, "degraded %", "gy-01");
    near(num(row, end, "periods"), 1, 0, "periods", "gy-01");
    near(num(row, end, "longest"), 600, 0, "longest", "gy-01");
    row = row_of(doc, "media", "gy-02", &end);
    near(num(row, end, "degraded_pct"), NAN, 0, "degraded %", "gy-02");
    const char *media = strstr(doc, "<h2 id=\"media\">");
    assert_non_null(media);
    const char *zy = strstr(media, "<td class=\"id\">zy-02</td>");
    assert_true(!zy || zy > strstr(media, "</table>"));
}

static void test_null_is_a_dash(void **state)
{
    struct fixture *fx = *state;
    const char *doc = text(fx), *end;
    const char *row = row_of(doc, "targets", "zy-01", &end);
    const struct pd_report_target *t = NULL;

    for (size_t i = 0; i < fx->r->n_targets; i++)
        if (strcmp(fx->r->targets[i].id, "zy-01") == 0)
            t = &fx->r->targets[i];
    assert_non_null(t);
    assert_true(isnan(t->avail.mtbf_h));
    assert_true(isnan(t->avail.mttr_min));
    assert_int_equal(t->sla.overall, PD_SLA_UNVERIFIED);
    assert_memory_equal(cell(row, end, "mtbf"), DASH "<", strlen(DASH) + 1);
    assert_memory_equal(cell(row, end, "mttr"), DASH "<", strlen(DASH) + 1);
    assert_memory_equal(cell(row, end, "within-1800"), DASH "<", strlen(DASH) + 1);
    assert_non_null(strstr(row, "<td class=\"overall unverified\">unverified</td>"));
}

static void test_systems_and_sites(void **state)
{
    struct fixture *fx = *state;
    const struct pd_report *r = fx->r;
    const char *doc = text(fx), *end;

    assert_int_equal(r->n_systems, 1);
    const struct pd_report_system *s = &r->systems[0];
    const char *row = row_of(doc, "systems", s->id, &end);
    check_figures(row, end, s->id, &s->avail, &s->sla, s->severity);
    assert_non_null(strstr(row, "k_of_n<small>2 of 3 UP</small>"));
    near(num(row, end, "members"), 3, 0, "members", s->id);

    const char *sites = strstr(doc, "<h2 id=\"sites\">");
    assert_non_null(sites);
    assert_true(r->n_sites >= 5);
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *st = &r->sites[i];
        char head[160];
        snprintf(head, sizeof(head), "padding-left: %.1fem\">%s</td>", 0.3 + 1.5 * (st->level - 1),
                 st->path);
        const char *srow = strstr(sites, head);
        if (!srow)
            fail_msg("site %s (level %u) missing", st->path, st->level);
        const char *send = strstr(srow, "</tr>");
        near(num(srow, send, "devices"), st->devices, 0, "devices", st->path);
        near(num(srow, send, "met"), st->met, 0, "met", st->path);
        near(num(srow, send, "not_met"), st->not_met, 0, "not_met", st->path);
        near(num(srow, send, "unverified"), st->unverified, 0, "unverified", st->path);
        near(num(srow, send, "mean"), st->availability_mean, PCT_TOL, "mean", st->path);
        near(num(srow, send, "failures"), st->failures, 0, "failures", st->path);
        near(num(srow, send, "downtime"), st->downtime_s, 0.5, "downtime", st->path);
    }
}

static void test_outages_and_maintenance(void **state)
{
    struct fixture *fx = *state;
    const struct pd_report *r = fx->r;
    const char *doc = text(fx);
    const char *list = strstr(doc, "<h2 id=\"outages\">");
    const char *maint = strstr(doc, "<h2 id=\"maintenance\">");
    size_t n = r->outages, ongoing = 0;
    char buf[PD_TIME_BUFLEN], end_cell[96];

    assert_non_null(list);
    assert_non_null(maint);
    for (size_t i = 0; i < r->n_systems; i++)
        n += r->systems[i].avail.n_outages;
    assert_true(n >= 4);
    /* Every outage has a row with its start; its end, or "ongoing". */
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_avail *a = &r->targets[i].avail;
        for (size_t j = 0; j < a->n_outages; j++) {
            char start[96];
            snprintf(start, sizeof(start), "<td class=\"start\">%s</td>",
                     pd_time_format_iso(a->outages[j].start, buf, sizeof(buf)));
            const char *p = strstr(list, start);
            assert_non_null(p);
            if (a->outages[j].end)
                snprintf(end_cell, sizeof(end_cell), "<td class=\"end\">%s</td>",
                         pd_time_format_iso(a->outages[j].end, buf, sizeof(buf)));
            else
                snprintf(end_cell, sizeof(end_cell), "<td class=\"end\">ongoing</td>");
            assert_memory_equal(p + strlen(start), end_cell, strlen(end_cell));
            ongoing += a->outages[j].end == 0;
        }
    }
    assert_true(ongoing >= 1);
    assert_true(count(list, "<td class=\"end\">ongoing</td>") >= ongoing);
    /* One row per outage: target and system rows before the next section. */
    size_t rows = 0;
    for (const char *p = list; (p = strstr(p, "<td class=\"start\">")) && p < maint; p++)
        rows++;
    assert_int_equal(rows, n);
    assert_non_null(strstr(doc, "2026-11-30T23:20:00+08:00</td><td class=\"end\">"
                                "2026-12-01T00:25:00+08:00</td>"));

    assert_int_equal(r->n_maintenance, 2);
    assert_non_null(strstr(maint, "<tr><td>target</td><td>gy-01</td><td>"
                                  "2026-11-05T14:30:00+08:00</td><td>2026-11-05T15:00:00+08:00"));
    assert_non_null(strstr(maint, "<tr><td>site</td><td>贵州省/贵阳市</td>"));
}

static void test_limits(void **state)
{
    const char *doc = text(*state);

    assert_non_null(strstr(doc, "<tr><td>emergency</td><td class=\"n\">99.5000</td>"
                                "<td class=\"n\">360.00</td><td class=\"n\">60.00</td>"
                                "<td>95 % within 30 min<br>90 % within 60 min</td>"
                                "<td class=\"n\">99.0000</td></tr>"));
    assert_non_null(strstr(doc, "<tr><td>general</td><td class=\"n\">99.0000</td>"
                                "<td class=\"n\">none</td><td class=\"n\">240.00</td>"
                                "<td>80 % within 120 min</td>"
                                "<td class=\"n\">99.0000 (default)</td></tr>"));
    /* One column per distinct resolved-within limit, in the targets' and
     * the systems' tables. */
    assert_int_equal(count(doc, "<th>resolved within 30 min %</th>"), 2);
    assert_int_equal(count(doc, "<th>resolved within 60 min %</th>"), 2);
    assert_int_equal(count(doc, "<th>resolved within 120 min %</th>"), 2);
}

static void test_provisional_banner(void **state)
{
    struct fixture *fx = *state;
    char *doc = NULL;
    size_t len = 0;
    char err[256];

    /* zy-02 was last seen before the month ended. */
    assert_true(fx->r->provisional);
    assert_non_null(strstr(text(fx), "<p class=\"banner\">PROVISIONAL"));

    fx->r->provisional = false;
    int rc = pd_report_html(fx->r, &doc, &len);
    fx->r->provisional = true;
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(doc), len);
    assert_null(strstr(doc, "PROVISIONAL"));
    assert_non_null(strstr(doc, "<tr><th>status</th><td>final</td></tr>"));
    assert_int_equal(pd_report_verify(doc, len, err, sizeof(err)), 0);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_contained_document),  cmocka_unit_test(test_digest),
        cmocka_unit_test(test_names_intact_and_escaped), cmocka_unit_test(test_target_figures),
        cmocka_unit_test(test_null_is_a_dash),           cmocka_unit_test(test_systems_and_sites),
        cmocka_unit_test(test_outages_and_maintenance),  cmocka_unit_test(test_limits),
        cmocka_unit_test(test_provisional_banner),       cmocka_unit_test(test_media),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
