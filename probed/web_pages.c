#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "probectl_common.h"
#include "timefmt.h"
#include "web_priv.h"
#include "web_shared.h"
#include "yaml_tree.h"

/* The pages: server-rendered HTML, no script, one stylesheet. A wall
 * screen reloads the overview every REFRESH_S seconds by itself. */
#define REFRESH_S       30
#define OVERVIEW_SHARED (2 * PD_SEC)
#define EVENTS_LIMIT    500
#define DEVICE_EVENTS   30

const char web_css[] =
    ":root { --up: #2e7d32; --down: #c62828; --unknown: #6d6d6d; --maintenance: #1565c0;"
    " font-family: \"Noto Sans CJK SC\", \"Noto Sans\", sans-serif; }\n"
    "body { margin: 0; background: #f5f6f8; color: #1d1d1f; }\n"
    "header { background: #22303c; color: #fff; padding: .5em 1em; display: flex;"
    " gap: 1.5em; align-items: baseline; flex-wrap: wrap; }\n"
    "header a { color: #cfe3ff; } header h1 { font-size: 1.3em; margin: 0; }\n"
    "main { padding: .5em 1em 2em; }\n"
    ".tiles { display: flex; gap: .8em; flex-wrap: wrap; margin: .5em 0; }\n"
    ".tile { color: #fff; padding: .4em 1em; border-radius: 6px; min-width: 7em;"
    " text-decoration: none; }\n"
    ".tile b { display: block; font-size: 2em; }\n"
    ".up { background: var(--up); } .down { background: var(--down); }\n"
    ".unknown { background: var(--unknown); } .maintenance { background: var(--maintenance); }\n"
    ".badge { color: #fff; padding: 0 .5em; border-radius: 4px; font-size: .9em;"
    " white-space: nowrap; }\n"
    "details { margin: .2em 0 .2em 1em; } summary { cursor: pointer; padding: .15em 0; }\n"
    "summary .path { font-weight: bold; margin-right: .6em; }\n"
    ".n { display: inline-block; min-width: 2.2em; text-align: center; margin-left: .2em;"
    " border-radius: 4px; color: #fff; }\n"
    ".n.zero { background: #ddd; color: #888; }\n"
    "table { border-collapse: collapse; background: #fff; margin: .3em 0 .6em 1em; }\n"
    "th, td { border: 1px solid #d0d4da; padding: .2em .5em; text-align: left;"
    " vertical-align: top; }\n"
    "th { background: #e8ebef; } td.reason { max-width: 40em; }\n"
    "form.filters { display: flex; gap: .6em; flex-wrap: wrap; align-items: end; }\n"
    "form.filters label { display: flex; flex-direction: column; font-size: .85em; }\n"
    ".muted { color: #666; } .error { color: var(--down); }\n"
    ".periods a { margin-right: .6em; } .periods a.current { font-weight: bold;"
    " text-decoration: none; color: inherit; }\n"
    "section.graphs { margin-left: 1em; } section.graphs h3 { margin: .6em 0 .2em; }\n"
    "figure.graph { display: inline-block; margin: .3em .6em .3em 0; }\n"
    "figure.graph img { display: block; max-width: 100%; height: auto; background: #fff; }\n"
    "td.verdict.not_met, td.ongoing { color: var(--down); font-weight: bold; }\n"
    "td.verdict.met { color: var(--up); } table.figures th { width: 12em; }\n"
    "@media (min-width: 1800px) { body { font-size: 1.15em; } }\n";

/* Bytes of the UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] >= 0xf8)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void web_html(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\xef\xbf\xbd", f); /* U+FFFD for a byte that is not UTF-8 */
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, f);
        } else if (*p == '&') {
            fputs("&amp;", f);
        } else if (*p == '<') {
            fputs("&lt;", f);
        } else if (*p == '>') {
            fputs("&gt;", f);
        } else if (*p == '"') {
            fputs("&quot;", f);
        } else if (*p == '\'') {
            fputs("&#39;", f);
        } else if (*p < 0x20 && *p != '\n' && *p != '\t') {
            fputc(' ', f);
        } else {
            fputc(*p, f);
        }
        p += n;
    }
}

void web_url(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

static void page_begin(struct web_req *r, const char *title, bool refresh)
{
    char t[PD_TIME_BUFLEN];
    FILE *f = r->out;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          f);
    if (refresh)
        fprintf(f, "<meta http-equiv=\"refresh\" content=\"%d\">\n", REFRESH_S);
    fputs("<title>", f);
    web_html(f, title);
    fputs(" · probed</title>\n<link rel=\"stylesheet\" href=\"/static/probed.css\">\n"
          "</head><body>\n<header><h1>",
          f);
    web_html(f, title);
    fprintf(f,
            "</h1><nav><a href=\"/\">总览 Overview</a> · <a href=\"/events\">事件 Events</a> · "
            "<a href=\"/report\">月报 Report</a> · <a href=\"/#systems\">系统 Systems</a> · "
            "<a href=\"/api/v1/targets\">API</a> · <a href=\"/metrics\">metrics</a></nav>"
            "<span class=\"muted\" id=\"generated\">%s</span></header>\n<main>\n",
            pd_time_format(r->now, t, sizeof(t)));
}

static void page_end(struct web_req *r)
{
    fputs("</main></body></html>\n", r->out);
}

static void badge(FILE *f, enum web_state s)
{
    fprintf(f, "<span class=\"badge %s\">%s</span>", web_state_name(s), web_state_name(s));
}

void web_page_begin(struct web_req *r, const char *title, bool refresh)
{
    page_begin(r, title, refresh);
}

void web_page_end(struct web_req *r)
{
    page_end(r);
}

void web_badge(FILE *f, enum web_state s)
{
    badge(f, s);
}

static void since(FILE *f, pd_ns now, pd_ns t)
{
    char buf[PD_TIME_BUFLEN], d[PD_TIME_BUFLEN];
    if (!t) {
        fputs("<span class=\"muted\">-</span>", f);
        return;
    }
    fprintf(f, "%s <span class=\"muted\">(%s)</span>", pd_time_format_local(t, buf, sizeof(buf)),
            pd_duration_short(now > t ? now - t : 0, d, sizeof(d)));
}

/* Filters of the overview, from the query. */
struct filters {
    const char *type, *state, *site, *name;
};

static bool contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static bool site_under(const char *site, const char *path)
{
    size_t n = strlen(path);
    return strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static bool shown(const struct web_target *t, const struct filters *fl)
{
    return (!fl->type || strcmp(t->type, fl->type) == 0) &&
           (!fl->state || strcmp(web_state_name(t->shown), fl->state) == 0) &&
           (!fl->site || site_under(t->site, fl->site)) &&
           (!fl->name || contains(t->name, fl->name) || contains(t->id, fl->name) ||
            contains(t->address, fl->name));
}

struct site_node {
    char *path;
    unsigned counts[WEB_N_STATES];
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every prefix of the shown targets' sites, sorted, once; counts filled. */
static int site_nodes(const struct web_model *m, const bool *keep, struct site_node **out,
                      size_t *n_out)
{
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < m->n_targets; i++)
        cap += keep[i] ? 8 : 0;
    char **paths = calloc(cap + 1, sizeof(*paths));
    if (!paths)
        return -ENOMEM;
    for (size_t i = 0; i < m->n_targets; i++) {
        if (!keep[i])
            continue;
        const char *site = m->targets[i].site;
        for (const char *p = site;; p++) {
            if (*p == '/' || *p == '\0') {
                if (n == cap) {
                    size_t c = 2 * cap + 8;
                    char **grown = realloc(paths, c * sizeof(*paths));
                    if (!grown)
                        goto nomem;
                    paths = grown;
                    cap = c;
                }
                if (!(paths[n++] = strndup(site, (size_t)(p - site))))
                    goto nomem;
            }
            if (!*p)
                break;
        }
    }
    qsort(paths, n, sizeof(*paths), cmp_str);
    struct site_node *nodes = calloc(n + 1, sizeof(*nodes));
    if (!nodes)
        goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(nodes[k - 1].path, paths[i]) == 0) {
            free(paths[i]);
            continue;
        }
        nodes[k++].path = paths[i];
    }
    free(paths);
    for (size_t i = 0; i < m->n_targets; i++)
        for (size_t j = 0; keep[i] && j < k; j++)
            if (site_under(m->targets[i].site, nodes[j].path))
                nodes[j].counts[m->targets[i].shown]++;
    *out = nodes;
    *n_out = k;
    return 0;
nomem:
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return -ENOMEM;
}

/* Worst first: more down, then more unknown, then more in maintenance. */
static int worse(const unsigned *a, const unsigned *b)
{
    static const enum web_state order[] = {WEB_DOWN, WEB_UNKNOWN, WEB_MAINT};
    for (size_t i = 0; i < 3; i++)
        if (a[order[i]] != b[order[i]])
            return a[order[i]] > b[order[i]] ? -1 : 1;
    return 0;
}

/* The node indexes idx[0..n) worst first (a selection sort: siblings are
 * a handful). */
static void sort_worst(const struct site_node *nodes, size_t *idx, size_t n)
{
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (worse(nodes[idx[b]].counts, nodes[idx[a]].counts) < 0) {
                size_t t = idx[a];
                idx[a] = idx[b];
                idx[b] = t;
            }
}

static int rank(enum web_state s)
{
    return s == WEB_DOWN ? 0 : s == WEB_UNKNOWN ? 1 : s == WEB_MAINT ? 2 : 3;
}

static int cmp_target_idx(const void *a, const void *b, void *model)
{
    const struct web_model *m = model;
    const struct web_target *x = &m->targets[*(const size_t *)a];
    const struct web_target *y = &m->targets[*(const size_t *)b];
    int d = rank(x->shown) - rank(y->shown);
    return d ? d : strcmp(x->id, y->id);
}

static void counts(FILE *f, const unsigned *c)
{
    static const enum web_state order[] = {WEB_DOWN, WEB_UNKNOWN, WEB_MAINT, WEB_UP};
    for (size_t i = 0; i < 4; i++)
        fprintf(f, "<span class=\"n %s%s\" title=\"%s\">%u</span>", web_state_name(order[i]),
                c[order[i]] ? "" : " zero", web_state_name(order[i]), c[order[i]]);
}

static void device_rows(struct web_req *r, const struct web_model *m, const bool *keep,
                        const char *path, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_targets; i++)
        if (keep[i] && strcmp(m->targets[i].site, path) == 0)
            idx[n++] = i;
    if (n == 0)
        return;
    qsort_r(idx, n, sizeof(*idx), cmp_target_idx, (void *)m);
    FILE *f = r->out;
    fputs("<table class=\"devices\"><thead><tr><th>状态 state</th><th>名称 name</th><th>id</th>"
          "<th>类型 type</th><th>地址 address</th><th>自 since</th><th>原因 reason</th></tr>"
          "</thead><tbody>\n",
          f);
    for (size_t k = 0; k < n; k++) {
        const struct web_target *t = &m->targets[idx[k]];
        fprintf(f, "<tr class=\"device\" data-state=\"%s\"><td>", web_state_name(t->shown));
        badge(f, t->shown);
        fputs("</td><td class=\"name\"><a href=\"/device/", f);
        web_url(f, t->id);
        fputs("\">", f);
        web_html(f, t->name);
        fputs("</a></td><td class=\"id\">", f);
        web_html(f, t->id);
        fputs("</td><td>", f);
        web_html(f, t->type);
        fputs("</td><td>", f);
        web_html(f, t->address);
        fputs("</td><td>", f);
        since(f, r->now, t->since);
        fputs("</td><td class=\"reason\">", f);
        web_html(f, t->shown == WEB_MAINT ? t->maint_reason : t->reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The node at nodes[i] and its subtree, children worst first. */
static void site_tree(struct web_req *r, const struct web_model *m, const bool *keep,
                      const struct site_node *nodes, size_t n, size_t i, size_t *idx)
{
    FILE *f = r->out;
    const struct site_node *node = &nodes[i];
    bool bad = node->counts[WEB_DOWN] || node->counts[WEB_UNKNOWN];
    fprintf(f, "<details class=\"site\"%s><summary><span class=\"path\">", bad ? " open" : "");
    web_html(f, strrchr(node->path, '/') ? strrchr(node->path, '/') + 1 : node->path);
    fputs("</span>", f);
    counts(f, node->counts);
    fputs("</summary>\n", f);
    device_rows(r, m, keep, node->path, idx);
    /* Children: the nodes one level below, worst first. */
    size_t len = strlen(node->path), kids[256], n_kids = 0;
    for (size_t j = i + 1; j < n && n_kids < 256; j++) {
        const char *p = nodes[j].path;
        if (strncmp(p, node->path, len) != 0 || p[len] != '/')
            break; /* sorted: the subtree is contiguous */
        if (!strchr(p + len + 1, '/'))
            kids[n_kids++] = j;
    }
    sort_worst(nodes, kids, n_kids);
    for (size_t k = 0; k < n_kids; k++)
        site_tree(r, m, keep, nodes, n, kids[k], idx);
    fputs("</details>\n", f);
}

static void option(FILE *f, const char *value, const char *label, const char *selected)
{
    fputs("<option value=\"", f);
    web_html(f, value);
    fprintf(f, "\"%s>", selected && strcmp(value, selected) == 0 ? " selected" : "");
    web_html(f, label);
    fputs("</option>", f);
}

static void filter_form(FILE *f, const struct web_model *m, const struct filters *fl)
{
    fputs("<form class=\"filters\" method=\"get\" action=\"/\"><label>类型 type<select "
          "name=\"type\">",
          f);
    option(f, "", "all", fl->type);
    /* The types present, each once (the model is by site: collect). */
    for (size_t i = 0; i < m->n_targets; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(m->targets[j].type, m->targets[i].type) == 0;
        if (!seen)
            option(f, m->targets[i].type, m->targets[i].type, fl->type);
    }
    fputs("</select></label><label>状态 state<select name=\"state\">", f);
    option(f, "", "all", fl->state);
    for (int s = 0; s < WEB_N_STATES; s++)
        option(f, web_state_name((enum web_state)s), web_state_name((enum web_state)s), fl->state);
    fputs("</select></label><label>站点 site<input name=\"site\" value=\"", f);
    web_html(f, fl->site);
    fputs("\" placeholder=\"guizhou/guiyang\"></label><label>名称 name<input name=\"name\" "
          "value=\"",
          f);
    web_html(f, fl->name);
    fputs("\" placeholder=\"名称, id, address\"></label><button>filter</button>"
          " <a href=\"/\">clear</a></form>\n",
          f);
}

static int overview(struct web_req *r, void *arg)
{
    const struct filters fl = *(const struct filters *)arg;
    struct web_model m;
    int rc = web_load(r, NULL, NULL, &m);
    if (rc < 0)
        return rc;
    bool *keep = calloc(m.n_targets + 1, sizeof(*keep));
    size_t *idx = calloc(m.n_targets + 1, sizeof(*idx));
    struct site_node *nodes = NULL;
    size_t n_nodes = 0;
    unsigned total[WEB_N_STATES] = {0};
    if (!keep || !idx) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < m.n_targets; i++)
        if ((keep[i] = shown(&m.targets[i], &fl)))
            total[m.targets[i].shown]++;
    if ((rc = site_nodes(&m, keep, &nodes, &n_nodes)) < 0)
        goto out;
    page_begin(r, "probed 总览", true);
    FILE *f = r->out;
    fputs("<div class=\"tiles\">", f);
    static const enum web_state order[] = {WEB_DOWN, WEB_UNKNOWN, WEB_MAINT, WEB_UP};
    for (size_t i = 0; i < 4; i++)
        fprintf(f, "<a class=\"tile %s\" href=\"/?state=%s\"><b id=\"count-%s\">%u</b>%s</a>",
                web_state_name(order[i]), web_state_name(order[i]), web_state_name(order[i]),
                total[order[i]], web_state_name(order[i]));
    fputs("</div>\n", f);
    if ((rc = web_systems_table(r, &m)) < 0)
        goto out;
    filter_form(f, &m, &fl);
    if (m.n_targets == 0)
        fputs("<p class=\"muted\">No target in service yet.</p>\n", f);
    else if (n_nodes == 0)
        fputs("<p class=\"muted\">No device matches the filters.</p>\n", f);
    /* Top-level sites (provinces), worst first; then targets without site. */
    size_t roots[512], n_roots = 0;
    for (size_t i = 0; i < n_nodes && n_roots < 512; i++)
        if (nodes[i].path[0] && !strchr(nodes[i].path, '/'))
            roots[n_roots++] = i;
    sort_worst(nodes, roots, n_roots);
    for (size_t k = 0; k < n_roots; k++)
        site_tree(r, &m, keep, nodes, n_nodes, roots[k], idx);
    device_rows(r, &m, keep, "", idx);
    page_end(r);
out:
    for (size_t i = 0; i < n_nodes; i++)
        free(nodes[i].path);
    free(nodes);
    free(keep);
    free(idx);
    web_model_free(&m);
    return rc;
}

int web_page_overview(struct web_req *r)
{
    struct filters fl = {web_arg(r, "type"), web_arg(r, "state"), web_arg(r, "site"),
                         web_arg(r, "name")};
    if (fl.site && !pd_site_valid(fl.site))
        return web_error(r, 400, "site '%s' is not a site path (ids joined by /)", fl.site);
    /* Every screen and client with the same filters shares one render for
     * OVERVIEW_SHARED: within the page's own refresh of REFRESH_S, and the
     * time it shows says when it was made. */
    char *key = NULL;
    if (asprintf(&key, "overview\x1f%s\x1f%s\x1f%s\x1f%s", fl.type ? fl.type : "",
                 fl.state ? fl.state : "", fl.site ? fl.site : "", fl.name ? fl.name : "") < 0)
        return -ENOMEM;
    int rc = web_shared_page(r->shared, r, key, OVERVIEW_SHARED, overview, &fl);
    free(key);
    return rc;
}

struct events_ctx {
    struct web_req *r;
    bool show_target;
    size_t n;
};

static int event_row(const struct pd_event_row *e, void *arg)
{
    struct events_ctx *c = arg;
    FILE *f = c->r->out;
    char t[PD_TIME_BUFLEN];
    fprintf(f, "<tr><td>%s</td>", pd_time_format_local(e->at, t, sizeof(t)));
    if (c->show_target) {
        fputs("<td><a href=\"/device/", f);
        web_url(f, e->target_id);
        fputs("\">", f);
        web_html(f, e->name[0] ? e->name : e->target_id);
        fputs("</a></td><td>", f);
        web_html(f, e->site);
        fputs("</td>", f);
    }
    fputs("<td>", f);
    web_html(f, e->check_id[0] ? e->check_id : "(target)");
    fputs("</td><td>", f);
    badge(f, web_state_parse(e->from));
    fputs(" → ", f);
    badge(f, web_state_parse(e->to));
    fputs("</td><td class=\"reason\">", f);
    web_html(f, e->reason);
    fputs("</td></tr>\n", f);
    return ++c->n >= EVENTS_LIMIT;
}

/* The transitions of the filter, oldest first as the store gives them,
 * at most EVENTS_LIMIT: the window of days keeps the count small. */
static int events_table(struct web_req *r, struct pd_event_filter *flt, bool show_target)
{
    FILE *f = r->out;
    fprintf(f, "<table class=\"events\"><thead><tr><th>时间 time (%s)</th>",
            getenv("TZ") ? getenv("TZ") : "local");
    if (show_target)
        fputs("<th>设备 device</th><th>站点 site</th>", f);
    fputs("<th>检查 check</th><th>变化 change</th><th>原因 reason</th></tr></thead><tbody>\n", f);
    struct events_ctx c = {r, show_target, 0};
    int rc = pd_db_events(r->db, flt, event_row, &c);
    fputs("</tbody></table>\n", f);
    if (rc > 0)
        fprintf(f, "<p class=\"muted\">The first %d only: narrow the filter.</p>\n", EVENTS_LIMIT);
    else if (c.n == 0)
        fputs("<p class=\"muted\">No change in this period.</p>\n", f);
    return rc < 0 ? rc : 0;
}

int web_page_events(struct web_req *r)
{
    const char *target = web_arg(r, "target"), *site = web_arg(r, "site");
    const char *days_text = web_arg(r, "days");
    long days = days_text ? strtol(days_text, NULL, 10) : 7;
    if ((target && !pd_id_valid(target)) || (site && !pd_site_valid(site)) || days < 1 ||
        days > 400)
        return web_error(r, 400, "target must be an id, site a site path, days 1..400");
    page_begin(r, "probed 事件 events", false);
    FILE *f = r->out;
    fprintf(f, "<form class=\"filters\" method=\"get\" action=\"/events\"><label>设备 target<input "
               "name=\"target\" value=\"");
    web_html(f, target);
    fputs("\"></label><label>站点 site<input name=\"site\" value=\"", f);
    web_html(f, site);
    fprintf(f,
            "\"></label><label>天 days<input name=\"days\" value=\"%ld\" size=\"4\"></label>"
            "<button>filter</button></form>\n",
            days);
    struct pd_event_filter flt = {
        .target_id = target, .site_prefix = site, .from = r->now - days * PD_DAY};
    int rc = events_table(r, &flt, true);
    page_end(r);
    return rc;
}

int web_page_device(struct web_req *r)
{
    const char *id = r->rest;
    if (!pd_id_valid(id))
        return web_error(r, 404, "'%s' is not a device id", id);
    struct web_model m;
    int rc = web_load(r, NULL, id, &m);
    if (rc < 0)
        return rc;
    if (m.n_targets == 0) {
        web_model_free(&m);
        return web_error(r, 404, "no device '%s' in service", id);
    }
    const struct web_target *t = &m.targets[0];
    page_begin(r, t->name, true);
    FILE *f = r->out;
    fputs("<p class=\"device-head\">", f);
    badge(f, t->shown);
    fputs(" <b class=\"id\">", f);
    web_html(f, t->id);
    fputs("</b> · ", f);
    web_html(f, t->type);
    fputs(" · ", f);
    web_html(f, t->address);
    fputs(" · <a href=\"/?site=", f);
    web_url(f, t->site);
    fputs("\">", f);
    web_html(f, t->site);
    fputs("</a> · since ", f);
    since(f, r->now, t->since);
    fputs("</p>\n", f);
    if (t->maintenance) {
        fputs("<p class=\"badge maintenance\">maintenance: ", f);
        web_html(f, t->maint_reason);
        fputs("</p>\n", f);
    }
    fputs("<h2>检查 Checks</h2>\n<table class=\"checks\"><thead><tr><th>check</th><th>state</th>"
          "<th>since</th><th>last result</th><th>verdict</th><th>reason</th><th>metrics</th>"
          "</tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < t->n_checks; i++) {
        const struct web_check *c = &t->checks[i];
        char metrics[1024];
        pctl_metrics_summary(c->metrics, 0, metrics, sizeof(metrics));
        fputs("<tr class=\"check\"><td class=\"id\">", f);
        web_html(f, c->id);
        fputs("</td><td>", f);
        badge(f, web_state_parse(c->state));
        fputs("</td><td>", f);
        since(f, r->now, c->since);
        fputs("</td><td>", f);
        since(f, r->now, c->last);
        fputs("</td><td>", f);
        web_html(f, c->verdict);
        fputs("</td><td class=\"reason\">", f);
        web_html(f, c->reason);
        fputs("</td><td class=\"metrics\">", f);
        web_html(f, metrics);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    web_graph_section(r, t);
    if ((rc = web_device_systems(r, t->id)) < 0 || (rc = web_device_month(r, t->id)) < 0)
        goto out;
    fputs("<h2>最近事件 Recent changes (30 days)</h2>\n", f);
    struct pd_event_filter flt = {.target_id = t->id, .from = r->now - 30 * PD_DAY};
    rc = events_table(r, &flt, false);
out:
    page_end(r);
    web_model_free(&m);
    return rc;
}
