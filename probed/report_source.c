#include "report_source.h"

#include <errno.h>
#include <stdint.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "csv_read.h"
#include "yaml_tree.h"
#include "hashmap.h"
#include "options.h"
#include "probectl_common.h"
#include "timefmt.h"

_Static_assert(PD_CONFIG_MAX_RESOLVED == PD_SLA_MAX_RESOLVED, "one limit on resolved rules");

#define MAX_ROW_ERRORS 20

static int cmp_source_target(const void *a, const void *b)
{
    const struct pd_source_target *x = a, *y = b;
    return strcmp(x->id, y->id);
}

static struct pd_source_target *find_target(struct pd_report_data *d, const char *id)
{
    struct pd_source_target key = {.id = (char *)id};
    return d->n_targets ? bsearch(&key, d->targets, d->n_targets, sizeof(key), cmp_source_target)
                        : NULL;
}

/* Appends: the caller sorts (qsort) before lookups. */
static struct pd_source_target *add_target(struct pd_report_data *d, const char *id)
{
    if (d->n_targets == d->cap_targets) {
        size_t cap = d->cap_targets ? 2 * d->cap_targets : 64;
        void *p = realloc(d->targets, cap * sizeof(*d->targets));
        if (!p)
            return NULL;
        d->targets = p;
        d->cap_targets = cap;
    }
    struct pd_source_target *t = &d->targets[d->n_targets];
    memset(t, 0, sizeof(*t));
    if (!(t->id = strdup(id)))
        return NULL;
    d->n_targets++;
    return t;
}

static int set_text(char **dst, const char *s)
{
    if (!s || !*s)
        return 0;
    char *c = strdup(s);
    if (!c)
        return -ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

/* Append to a points array and its parallel reasons. */
static int push_point(struct pd_avail_point **points, char ***reasons, size_t *n, size_t *cap,
                      pd_ns at, enum pd_state st, const char *reason)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        struct pd_avail_point *p = realloc(*points, c * sizeof(*p));
        if (!p)
            return -ENOMEM;
        *points = p;
        char **r = realloc(*reasons, c * sizeof(*r));
        if (!r)
            return -ENOMEM;
        *reasons = r;
        *cap = c;
    }
    (*reasons)[*n] = NULL;
    if (reason && *reason && !((*reasons)[*n] = strdup(reason)))
        return -ENOMEM;
    (*points)[(*n)++] = (struct pd_avail_point){.at = at, .state = st};
    return 0;
}

static int add_point(struct pd_source_target *t, pd_ns at, enum pd_state st, const char *reason)
{
    return push_point(&t->points, &t->reasons, &t->n_points, &t->cap_points, at, st, reason);
}

/* The target's record of check id, added when new; NULL: out of memory. */
static struct pd_source_check *target_check(struct pd_source_target *t, const char *id)
{
    for (size_t i = 0; i < t->n_checks; i++)
        if (strcmp(t->checks[i].id, id) == 0)
            return &t->checks[i];
    if (t->n_checks == t->cap_checks) {
        size_t cap = t->cap_checks ? 2 * t->cap_checks : 2;
        void *p = realloc(t->checks, cap * sizeof(*t->checks));
        if (!p)
            return NULL;
        t->checks = p;
        t->cap_checks = cap;
    }
    struct pd_source_check *c = &t->checks[t->n_checks];
    *c = (struct pd_source_check){.id = strdup(id)};
    if (!c->id)
        return NULL;
    t->n_checks++;
    return c;
}

static int add_check_point(struct pd_source_check *c, pd_ns at, enum pd_state st,
                           const char *reason)
{
    return push_point(&c->points, &c->reasons, &c->n_points, &c->cap_points, at, st, reason);
}

static int state_parse(const char *s, enum pd_state *out)
{
    if (strcasecmp(s, "up") == 0)
        *out = PD_STATE_UP;
    else if (strcasecmp(s, "down") == 0)
        *out = PD_STATE_DOWN;
    else if (strcasecmp(s, "unknown") == 0)
        *out = PD_STATE_UNKNOWN;
    else
        return -EINVAL;
    return 0;
}

static const char *state_name(enum pd_state s)
{
    return s == PD_STATE_UP ? "up" : s == PD_STATE_DOWN ? "down" : "unknown";
}

static int add_window(struct pd_report_data *d, pd_ns start, pd_ns end, enum pd_maint_scope scope,
                      const char *what, const char *reason, long long id)
{
    if (d->n_maintenance == d->cap_maintenance) {
        size_t cap = d->cap_maintenance ? 2 * d->cap_maintenance : 16;
        void *p = realloc(d->maintenance, cap * sizeof(*d->maintenance));
        if (!p)
            return -ENOMEM;
        d->maintenance = p;
        d->cap_maintenance = cap;
    }
    struct pd_maint_window *w = &d->maintenance[d->n_maintenance];
    *w = (struct pd_maint_window){.id = id, .span = {start, end}, .scope = scope};
    if ((scope != PD_MAINT_ALL && !(w->what = strdup(what ? what : ""))) ||
        !(w->reason = strdup(reason ? reason : ""))) {
        free(w->what);
        return -ENOMEM;
    }
    d->n_maintenance++;
    return 0;
}

static int config_windows(struct pd_report_data *d, const struct pd_config *cfg)
{
    static const enum pd_maint_scope scopes[] = {PD_MAINT_ALL, PD_MAINT_TARGET, PD_MAINT_SITE,
                                                 PD_MAINT_SYSTEM};
    for (size_t i = 0; i < cfg->n_maintenance; i++) {
        const struct pd_maint_conf *m = &cfg->maintenance[i];
        int rc = add_window(d, m->start, m->end, scopes[m->scope], m->what, m->reason, 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool is_media_check(const struct pd_template *tmpl, const char *id)
{
    for (size_t k = 0; tmpl && k < tmpl->n_checks; k++)
        if (strcmp(tmpl->checks[k].type, "rtp") == 0 &&
            (!id || strcmp(tmpl->checks[k].id, id) == 0))
            return true;
    return false;
}

/* The media checks' states merged into t->media (report.h): DOWN when any
 * is DOWN, else UP when any is UP, else UNKNOWN; one point per change. */
static int merge_media(struct pd_source_target *t)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n_checks; i++)
        total += t->checks[i].media ? t->checks[i].n_points : 0;
    if (total == 0)
        return 0;
    size_t *next = calloc(t->n_checks, sizeof(*next));
    enum pd_state *state = calloc(t->n_checks, sizeof(*state));
    if (!next || !state || !(t->media = calloc(total, sizeof(*t->media)))) {
        free(next);
        free(state);
        return -ENOMEM;
    }
    for (size_t i = 0; i < t->n_checks; i++)
        state[i] = PD_STATE_UNKNOWN;
    for (;;) {
        bool any = false;
        pd_ns at = 0;
        for (size_t i = 0; i < t->n_checks; i++) {
            const struct pd_source_check *c = &t->checks[i];
            if (c->media && next[i] < c->n_points && (!any || c->points[next[i]].at < at)) {
                at = c->points[next[i]].at;
                any = true;
            }
        }
        if (!any)
            break;
        bool down = false, up = false;
        for (size_t i = 0; i < t->n_checks; i++) {
            const struct pd_source_check *c = &t->checks[i];
            while (c->media && next[i] < c->n_points && c->points[next[i]].at == at)
                state[i] = c->points[next[i]++].state;
            down |= c->media && state[i] == PD_STATE_DOWN;
            up |= c->media && state[i] == PD_STATE_UP;
        }
        enum pd_state st = down ? PD_STATE_DOWN : up ? PD_STATE_UP : PD_STATE_UNKNOWN;
        if (t->n_media == 0 || t->media[t->n_media - 1].state != st)
            t->media[t->n_media++] = (struct pd_avail_point){.at = at, .state = st};
    }
    free(next);
    free(state);
    return 0;
}

/* Severities and systems from the config; targets' details and
 * severities; then d->in points at all of it. */
static int finish(struct pd_report_data *d, const struct pd_config *cfg, char *err, size_t errlen)
{
    if (d->n_targets > 1)
        qsort(d->targets, d->n_targets, sizeof(*d->targets), cmp_source_target);
    if (!(d->severities = calloc(cfg->n_severities + 1, sizeof(*d->severities))) ||
        !(d->target_in = calloc(d->n_targets + 1, sizeof(*d->target_in))) ||
        !(d->systems = calloc(cfg->n_systems + 1, sizeof(*d->systems))))
        goto nomem;
    for (size_t i = 0; i < cfg->n_severities; i++) {
        const struct pd_severity_conf *s = &cfg->severities[i];
        struct pd_sla_limits *l = &d->severities[i].limits;
        d->severities[i].name = s->name;
        l->availability_min = s->availability_min;
        l->mtbf_min = s->mtbf_min;
        l->mttr_max = s->mttr_max;
        /* 0 in pd_sla_limits means "the default 99"; a configured 0 means
         * judge whatever was observed, however little. */
        l->coverage_min = cfg->sla_coverage_min > 0 ? cfg->sla_coverage_min : 1e-9;
        l->n_resolved = s->n_resolved;
        for (size_t k = 0; k < s->n_resolved; k++) {
            l->resolved[k].share_pct = s->resolved[k].share_pct;
            l->resolved[k].within = s->resolved[k].within;
        }
    }
    struct pd_hashmap conf;
    pd_hashmap_init(&conf);
    for (size_t k = 0; k < cfg->n_targets; k++)
        if (pd_hashmap_put(&conf, cfg->targets[k].id, &cfg->targets[k]) < 0) {
            pd_hashmap_free(&conf);
            goto nomem;
        }
    for (size_t i = 0; i < d->n_targets; i++) {
        struct pd_source_target *t = &d->targets[i];
        struct pd_report_target_in *o = &d->target_in[i];
        const struct pd_target_conf *tc = pd_hashmap_get(&conf, t->id);
        /* The config names what the records leave empty. */
        if (tc && ((!t->name && set_text(&t->name, tc->name) < 0) ||
                   (!t->site && set_text(&t->site, tc->site) < 0) ||
                   (!t->type && set_text(&t->type, tc->type) < 0))) {
            pd_hashmap_free(&conf);
            goto nomem;
        }
        const struct pd_template *tmpl = tc ? tc->tmpl : NULL;
        if (!tmpl && t->type)
            tmpl = pd_config_template(cfg, t->type);
        for (size_t k = 0; k < t->n_checks; k++)
            t->checks[k].media = is_media_check(tmpl, t->checks[k].id);
        if (merge_media(t) < 0) {
            pd_hashmap_free(&conf);
            goto nomem;
        }
        *o = (struct pd_report_target_in){
            .id = t->id,
            .name = t->name ? t->name : t->id,
            .site = t->site ? t->site : "",
            .type = t->type ? t->type : "",
            .severity = tmpl && tmpl->severity ? tmpl->severity : cfg->sla_default_severity,
            .added = t->added,
            .retired = t->retired,
            .timeline = t->points,
            .n_timeline = t->n_points,
            .has_media = is_media_check(tmpl, NULL),
            .media = t->media,
            .n_media = t->n_media,
        };
    }
    pd_hashmap_free(&conf);
    size_t n_systems = 0;
    for (size_t i = 0; i < cfg->n_systems; i++) {
        const struct pd_system_conf *s = &cfg->systems[i];
        struct pd_report_system_in *o = &d->systems[n_systems];
        /* Members the records never saw are left out: a system named
         * after the month has nothing to say about it. */
        char **members = calloc(s->n_members + 1, sizeof(*members));
        if (!members)
            goto nomem;
        size_t n = 0;
        for (size_t m = 0; m < s->n_members; m++)
            if (find_target(d, s->members[m]))
                members[n++] = s->members[m];
        if (n == 0) {
            free(members);
            continue;
        }
        *o = (struct pd_report_system_in){
            .id = s->id,
            .name = s->name,
            .severity = s->severity,
            .rule = (enum pd_system_rule)s->rule,
            .k = s->k > n ? (unsigned)n : s->k,
            .members = (const char *const *)members,
            .n_members = n,
        };
        n_systems++;
    }
    d->in.severities = d->severities;
    d->in.n_severities = cfg->n_severities;
    d->in.targets = d->target_in;
    d->in.n_targets = d->n_targets;
    d->in.systems = d->systems;
    d->in.n_systems = n_systems;
    d->in.maintenance = d->maintenance;
    d->in.n_maintenance = d->n_maintenance;
    d->in.observed_until = d->observed_until;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

struct store_read {
    struct pd_report_data *d;
    struct pd_source_target *cur;
    int rc;
};

static int store_target(const struct pd_target_row *r, void *arg)
{
    struct store_read *s = arg;
    struct pd_source_target *t = add_target(s->d, r->id);
    if (!t || set_text(&t->name, r->name) < 0 || set_text(&t->site, r->site) < 0 ||
        set_text(&t->type, r->type) < 0)
        return s->rc = -ENOMEM;
    t->added = r->added;
    t->retired = r->retired;
    return 0;
}

static int store_point(const struct pd_point_row *r, void *arg)
{
    struct store_read *s = arg;
    enum pd_state st;
    if (!s->cur || strcmp(s->cur->id, r->target_id) != 0)
        s->cur = find_target(s->d, r->target_id); /* sorted by pd_db_targets */
    if (!s->cur || state_parse(r->state, &st) < 0)
        return 0; /* a target the inventory never listed: nothing to report */
    if (add_point(s->cur, r->at, st, r->reason) < 0)
        return s->rc = -ENOMEM;
    return 0;
}

static int store_check_point(const struct pd_point_row *r, void *arg)
{
    struct store_read *s = arg;
    enum pd_state st;
    if (!s->cur || strcmp(s->cur->id, r->target_id) != 0)
        s->cur = find_target(s->d, r->target_id);
    if (!s->cur || state_parse(r->state, &st) < 0)
        return 0;
    struct pd_source_check *c = target_check(s->cur, r->check_id);
    if (!c || add_check_point(c, r->at, st, r->reason) < 0)
        return s->rc = -ENOMEM;
    return 0;
}

/* The media check ids of every template, each once; NULL: out of memory. */
static const char **media_check_ids(const struct pd_config *cfg, size_t *n)
{
    size_t cap = 1;
    for (size_t i = 0; i < cfg->n_templates; i++)
        cap += cfg->templates[i].n_checks;
    const char **ids = calloc(cap, sizeof(*ids));
    *n = 0;
    for (size_t i = 0; ids && i < cfg->n_templates; i++) {
        const struct pd_template *tm = &cfg->templates[i];
        for (size_t k = 0; k < tm->n_checks; k++) {
            if (strcmp(tm->checks[k].type, "rtp") != 0)
                continue;
            size_t j = 0;
            while (j < *n && strcmp(ids[j], tm->checks[k].id) != 0)
                j++;
            if (j == *n)
                ids[(*n)++] = tm->checks[k].id;
        }
    }
    return ids;
}

/* The store gives changes in recorded order, which is time order in
 * practice; sort anyway, stably (at equal times the later-recorded change
 * holds), in linear time on sorted input. */
static void sort_points(struct pd_avail_point *points, char **reasons, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct pd_avail_point p = points[i];
        char *reason = reasons[i];
        size_t j = i;
        for (; j > 0 && points[j - 1].at > p.at; j--) {
            points[j] = points[j - 1];
            reasons[j] = reasons[j - 1];
        }
        points[j] = p;
        reasons[j] = reason;
    }
}

static void sort_target(struct pd_source_target *t)
{
    sort_points(t->points, t->reasons, t->n_points);
    for (size_t i = 0; i < t->n_checks; i++)
        sort_points(t->checks[i].points, t->checks[i].reasons, t->checks[i].n_points);
}

static int store_window(const struct pd_maint_row *r, void *arg)
{
    struct store_read *s = arg;
    static const char *const names[] = {"all", "target", "site", "system"};
    for (int i = 0; i < 4; i++)
        if (strcmp(r->scope, names[i]) == 0 &&
            add_window(s->d, r->start, r->end, (enum pd_maint_scope)i, r->what, r->reason, r->id) <
                0)
            return s->rc = -ENOMEM;
    return 0;
}

static int store_run(const struct pd_run_row *r, void *arg)
{
    struct pd_report_data *d = arg;
    d->observed_until = r->stopped > r->last_heartbeat ? r->stopped : r->last_heartbeat;
    return 0;
}

int pd_report_data_from_store(struct pd_db *db, const struct pd_config *cfg,
                              const char *const *only, size_t n_only, struct pd_report_data *d,
                              char *err, size_t errlen)
{
    struct store_read s = {.d = d};
    memset(d, 0, sizeof(*d));
    int rc = pd_db_targets(db, only, n_only, store_target, &s);
    if (rc == 0 && d->n_targets > 1)
        qsort(d->targets, d->n_targets, sizeof(*d->targets), cmp_source_target);
    if (rc == 0)
        rc = pd_db_target_points(db, only, n_only, store_point, &s);
    size_t n_media = 0;
    const char **media = rc == 0 ? media_check_ids(cfg, &n_media) : NULL;
    if (rc == 0 && !media)
        rc = s.rc = -ENOMEM;
    s.cur = NULL;
    if (rc == 0 && n_media)
        rc = pd_db_check_points(db, media, n_media, only, n_only, store_check_point, &s);
    free(media);
    for (size_t i = 0; rc == 0 && i < d->n_targets; i++)
        sort_target(&d->targets[i]);
    if (rc == 0)
        rc = pd_db_maintenance(db, 0, 0, 0, store_window, &s);
    if (rc == 0 && (rc = pd_db_last_run(db, store_run, d)) == -ENOENT)
        rc = 0;
    /* A change is committed between two heartbeats: the records reach
     * at least as far as the last one, as the events file says. */
    pd_ns last = 0;
    if (rc == 0 && (rc = pd_db_last_target_point(db, &last)) == 0 && last > d->observed_until)
        d->observed_until = last;
    if (rc == 0)
        rc = config_windows(d, cfg);
    if (rc != 0) {
        rc = s.rc ? s.rc : rc < 0 ? rc : -EIO;
        snprintf(err, errlen, "cannot read the event store: %s", strerror(-rc));
        return rc;
    }
    return finish(d, cfg, err, errlen);
}

static int parse_time(const char *text, pd_ns *out, char *why, size_t len)
{
    return pd_time_parse(text, 0, out, why, len);
}

/* Where the field of named column k (an index into the reader's names)
 * is in the current row: the columns may come in any order. */
static struct pd_mark column_mark(const struct pd_csv *c, const int *column, int k)
{
    for (size_t i = 0; i < c->n_fields; i++)
        if (column[i] == k)
            return pd_csv_mark(c, i);
    return pd_csv_mark(c, c->n_fields);
}

/* Undo the formula guard of the CSV writers (pctl_csv_cell): a leading '
 * before = + - @ was added on export, not typed by anyone. */
static const char *unguard(const char *s)
{
    return s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1]) ? s + 1 : s;
}

enum ev_col { EV_TIME, EV_TARGET, EV_STATE, EV_CHECK, EV_MESSAGE, EV_NAME, EV_SITE, EV_TYPE };

struct events_ctx {
    struct pd_report_data *d;
    struct pd_hashmap ids; /* target id -> index + 1 */
    int have_observed;
};

/* One row of the events file; 0, -EINVAL (reported) or -ENOMEM. */
static int events_row(struct events_ctx *e, struct pd_csv *c, const int *column)
{
    struct pd_report_data *d = e->d;
    int *have_observed = &e->have_observed;
    const char *f[8] = {"", "", "", "", "", "", "", ""};
    for (size_t i = 0; i < c->n_fields; i++)
        f[column[i]] = unguard(pd_csv_field(c, i));
    char why[160];
    pd_ns at;
    if (parse_time(f[EV_TIME], &at, why, sizeof(why)) < 0) {
        struct pd_mark m = column_mark(c, column, EV_TIME);
        pd_error_at(c->err, c->errlen, &m, "time: %s", why);
        return -EINVAL;
    }
    if (strcmp(f[EV_STATE], "observed") == 0) {
        if (at > d->observed_until)
            d->observed_until = at;
        *have_observed = 1;
        return 0;
    }
    if (!*have_observed && at > d->observed_until)
        d->observed_until = at;
    if (f[EV_CHECK][0] && !pd_id_valid(f[EV_CHECK])) {
        struct pd_mark m = column_mark(c, column, EV_CHECK);
        pd_error_at(c->err, c->errlen, &m, "check: expected a check id, got '%s'", f[EV_CHECK]);
        return -EINVAL;
    }
    if (!pd_id_valid(f[EV_TARGET])) {
        struct pd_mark m = column_mark(c, column, EV_TARGET);
        pd_error_at(c->err, c->errlen, &m, "target: expected a target id, got '%s'", f[EV_TARGET]);
        return -EINVAL;
    }
    uintptr_t idx = (uintptr_t)pd_hashmap_get(&e->ids, f[EV_TARGET]);
    struct pd_source_target *t = idx ? &d->targets[idx - 1] : NULL;
    if (!t) {
        if (!(t = add_target(d, f[EV_TARGET])) ||
            pd_hashmap_put(&e->ids, t->id, (void *)(uintptr_t)d->n_targets) < 0)
            return -ENOMEM;
    }
    if (set_text(&t->name, f[EV_NAME]) < 0 || set_text(&t->site, f[EV_SITE]) < 0 ||
        set_text(&t->type, f[EV_TYPE]) < 0)
        return -ENOMEM;
    enum pd_state st;
    if (f[EV_CHECK][0]) {
        if (state_parse(f[EV_STATE], &st) < 0) {
            struct pd_mark m = column_mark(c, column, EV_STATE);
            pd_error_at(c->err, c->errlen, &m,
                        "state: a check's row is up, down or unknown, not '%s'", f[EV_STATE]);
            return -EINVAL;
        }
        struct pd_source_check *k = target_check(t, f[EV_CHECK]);
        if (!k)
            return -ENOMEM;
        if (k->n_points && k->points[k->n_points - 1].at > at) {
            struct pd_mark m = column_mark(c, column, EV_TIME);
            pd_error_at(c->err, c->errlen, &m,
                        "rows of check '%s' of target '%s' out of time order (the export sorts "
                        "them by time)",
                        k->id, t->id);
            return -EINVAL;
        }
        return add_check_point(k, at, st, f[EV_MESSAGE]);
    }
    if (strcmp(f[EV_STATE], "added") == 0) {
        t->added = at;
    } else if (strcmp(f[EV_STATE], "retired") == 0) {
        t->retired = at;
    } else if (state_parse(f[EV_STATE], &st) == 0) {
        if (t->n_points && t->points[t->n_points - 1].at > at) {
            struct pd_mark m = column_mark(c, column, EV_TIME);
            pd_error_at(c->err, c->errlen, &m,
                        "rows of target '%s' out of time order (the export sorts them by time)",
                        t->id);
            return -EINVAL;
        }
        return add_point(t, at, st, f[EV_MESSAGE]);
    } else {
        struct pd_mark m = column_mark(c, column, EV_STATE);
        pd_error_at(c->err, c->errlen, &m,
                    "state: expected up, down, unknown, added, retired or observed, got '%s'",
                    f[EV_STATE]);
        return -EINVAL;
    }
    return 0;
}

/* Parse CSV text, calling row() for each data row after the header;
 * stops after MAX_ROW_ERRORS bad rows. */
static int parse_csv(const char *file, const char *buf, size_t len, const char *const *names,
                     unsigned required, int (*row)(struct pd_csv *, const int *, void *), void *arg,
                     char *err, size_t errlen)
{
    int *column = NULL;
    struct pd_csv c;
    int rc = pd_csv_open(&c, file, buf, len, err, errlen);
    if (rc < 0)
        return rc;
    int got = pd_csv_read_row(&c), bad = 0;
    if (got <= 0) {
        if (got == 0)
            pd_csv_error(&c, 1, 1, "no header row");
        rc = got < 0 ? got : -EINVAL;
        goto out;
    }
    size_t n_columns = c.n_fields;
    if (!(column = calloc(n_columns, sizeof(*column)))) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = pd_csv_columns(&c, names, required, column)) < 0)
        goto out;
    while (bad < MAX_ROW_ERRORS && (got = pd_csv_read_row(&c)) != 0) {
        if (got == -ENOMEM) {
            rc = got;
            break;
        }
        if (got < 0 || c.n_fields != n_columns) {
            if (got > 0) {
                struct pd_mark m = pd_csv_mark(&c, c.n_fields);
                pd_error_at(err, errlen, &m, "expected %zu fields as in the header, got %zu",
                            n_columns, c.n_fields);
            }
            rc = -EINVAL;
            bad++;
            continue;
        }
        int r = row(&c, column, arg);
        if (r == -ENOMEM) {
            rc = r;
            break;
        }
        if (r < 0) {
            rc = r;
            bad++;
        }
    }
out:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "%s: out of memory", file);
    free(column);
    pd_csv_close(&c);
    return rc;
}

static int read_csv(const char *path, const char *const *names, unsigned required,
                    int (*row)(struct pd_csv *, const int *, void *), void *arg, char *err,
                    size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = pd_read_file_max(path, PD_REPORT_FILE_MAX, &buf, &len, err, errlen);
    if (rc < 0)
        return rc;
    rc = parse_csv(path, buf, len, names, required, row, arg, err, errlen);
    free(buf);
    return rc;
}

static int events_cb(struct pd_csv *c, const int *column, void *arg)
{
    return events_row(arg, c, column);
}

int pd_maint_scope_parse(const char *text, const struct pd_config *cfg, enum pd_maint_scope *scope,
                         const char **what, char *err, size_t errlen)
{
    static const struct {
        const char *prefix;
        enum pd_maint_scope scope;
    } prefixes[] = {
        {"target:", PD_MAINT_TARGET}, {"site:", PD_MAINT_SITE}, {"system:", PD_MAINT_SYSTEM}};
    if (strcmp(text, "*") == 0) {
        *scope = PD_MAINT_ALL;
        *what = NULL;
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(prefixes[i].prefix);
        if (strncmp(text, prefixes[i].prefix, n) == 0) {
            *scope = prefixes[i].scope;
            *what = text + n;
            int ok = *scope == PD_MAINT_SITE     ? pd_site_valid(*what)
                     : *scope == PD_MAINT_SYSTEM ? pd_config_system(cfg, *what) != NULL
                                                 : pd_id_valid(*what);
            if (ok)
                return 0;
            snprintf(err, errlen, "no %s '%s'", prefixes[i].prefix, *what);
            return -EINVAL;
        }
    }
    /* A bare word: a target id in the configuration, else a site path
     * that some target is at or below, else a system. */
    *what = text;
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (strcmp(cfg->targets[i].id, text) == 0) {
            *scope = PD_MAINT_TARGET;
            return 0;
        }
    size_t n = strlen(text);
    for (size_t i = 0; pd_site_valid(text) && i < cfg->n_targets; i++) {
        const char *site = cfg->targets[i].site;
        if (site && strncmp(site, text, n) == 0 && (site[n] == '\0' || site[n] == '/')) {
            *scope = PD_MAINT_SITE;
            return 0;
        }
    }
    if (pd_config_system(cfg, text)) {
        *scope = PD_MAINT_SYSTEM;
        return 0;
    }
    snprintf(err, errlen,
             "'%s' names no target, site or system of the configuration (or write target:ID, "
             "site:PATH, system:ID, or * for everything)",
             text);
    return -EINVAL;
}

struct maint_ctx {
    struct pd_report_data *d;
    const struct pd_config *cfg;
};

static int maint_cb(struct pd_csv *c, const int *column, void *arg)
{
    struct maint_ctx *m = arg;
    const char *f[7] = {"", "", "", "", "", "", ""};
    for (size_t i = 0; i < c->n_fields; i++)
        f[column[i]] = unguard(pd_csv_field(c, i));
    char why[256];
    pd_ns start, end;
    enum pd_maint_scope scope;
    const char *what;
    for (int k = 0; k < 2; k++) {
        if (parse_time(f[k], k ? &end : &start, why, sizeof(why)) < 0) {
            struct pd_mark at = column_mark(c, column, k);
            pd_error_at(c->err, c->errlen, &at, "%s: %s", k ? "end" : "start", why);
            return -EINVAL;
        }
    }
    if (end <= start) {
        struct pd_mark at = column_mark(c, column, 1);
        pd_error_at(c->err, c->errlen, &at, "end: the window ends before it starts");
        return -EINVAL;
    }
    if (pd_maint_scope_parse(f[2], m->cfg, &scope, &what, why, sizeof(why)) < 0) {
        struct pd_mark at = column_mark(c, column, 2);
        pd_error_at(c->err, c->errlen, &at, "target_or_site: %s", why);
        return -EINVAL;
    }
    return add_window(m->d, start, end, scope, what, f[3], 0);
}

int pd_report_data_load_maintenance(struct pd_report_data *d, const struct pd_config *cfg,
                                    const char *path, char *err, size_t errlen)
{
    /* id and created come with 'probectl maintenance list --format csv'. */
    static const char *const names[] = {"start", "end",     "target_or_site", "reason",
                                        "id",    "created", "created_by",     NULL};
    struct maint_ctx m = {d, cfg};
    return read_csv(path, names, 0x7, maint_cb, &m, err, errlen);
}

static const char *const event_columns[] = {"time", "target", "state", "check", "message",
                                            "name", "site",   "type",  NULL};

int pd_report_events_parse(struct pd_report_data *d, const char *file, const char *buf, size_t len,
                           char *err, size_t errlen)
{
    struct events_ctx e = {.d = d};
    pd_hashmap_init(&e.ids);
    int rc = parse_csv(file, buf, len, event_columns, 0x7, events_cb, &e, err, errlen);
    pd_hashmap_free(&e.ids);
    return rc;
}

int pd_report_data_finish(struct pd_report_data *d, const struct pd_config *cfg, char *err,
                          size_t errlen)
{
    if (config_windows(d, cfg) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return finish(d, cfg, err, errlen);
}

int pd_report_data_from_files(const char *events_path, const char *maint_path,
                              const struct pd_config *cfg, struct pd_report_data *d, char *err,
                              size_t errlen)
{
    struct events_ctx e = {.d = d};
    memset(d, 0, sizeof(*d));
    pd_hashmap_init(&e.ids);
    int rc = read_csv(events_path, event_columns, 0x7, events_cb, &e, err, errlen);
    pd_hashmap_free(&e.ids);
    if (rc == 0 && maint_path)
        rc = pd_report_data_load_maintenance(d, cfg, maint_path, err, errlen);
    if (rc == 0 && (rc = config_windows(d, cfg)) < 0)
        snprintf(err, errlen, "out of memory");
    if (rc < 0)
        return rc;
    return finish(d, cfg, err, errlen);
}

void pd_report_data_free(struct pd_report_data *d)
{
    for (size_t i = 0; i < d->n_targets; i++) {
        struct pd_source_target *t = &d->targets[i];
        free(t->id);
        free(t->name);
        free(t->site);
        free(t->type);
        for (size_t k = 0; k < t->n_points; k++)
            free(t->reasons[k]);
        free(t->reasons);
        free(t->points);
        for (size_t c = 0; c < t->n_checks; c++) {
            struct pd_source_check *k = &t->checks[c];
            for (size_t j = 0; j < k->n_points; j++)
                free(k->reasons[j]);
            free(k->reasons);
            free(k->points);
            free(k->id);
        }
        free(t->checks);
        free(t->media);
    }
    free(d->targets);
    free(d->target_in);
    free(d->severities);
    for (size_t i = 0; d->systems && i < d->in.n_systems; i++)
        free((void *)d->systems[i].members);
    free(d->systems);
    for (size_t i = 0; i < d->n_maintenance; i++) {
        free(d->maintenance[i].what);
        free(d->maintenance[i].reason);
    }
    free(d->maintenance);
    memset(d, 0, sizeof(*d));
}

/* UP and not overridden by a later point at the same time. */
static int settled_up(const struct pd_avail_point *p, size_t n, size_t i)
{
    return p[i].state == PD_STATE_UP && (i + 1 == n || p[i + 1].at > p[i].at);
}

void pd_report_slice_points(const struct pd_avail_point *p, size_t n, struct pd_span period,
                            size_t *lo, size_t *hi)
{
    size_t i;
    *lo = 0;
    for (i = 0; i < n && p[i].at <= period.start; i++)
        if (settled_up(p, n, i))
            *lo = i;
    *hi = n;
    for (i = 0; i < n; i++) {
        if (p[i].at >= period.end && settled_up(p, n, i)) {
            *hi = i + 1;
            break;
        }
    }
    if (*hi < *lo)
        *hi = *lo;
}

void pd_report_slice(const struct pd_source_target *t, struct pd_span period, size_t *lo,
                     size_t *hi)
{
    pd_report_slice_points(t->points, t->n_points, period, lo, hi);
}

struct export_row {
    size_t seq; /* qsort is not stable: equal times keep their recorded order */
    pd_ns at;
    const struct pd_source_target *t;
    const char *check; /* "" for the target's own rows */
    const char *state, *message;
};

static int cmp_export_row(const void *a, const void *b)
{
    const struct export_row *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    int c = strcmp(x->t->id, y->t->id);
    if (c == 0)
        c = strcmp(x->check, y->check);
    /* Equal times of one target's check keep their recorded order. */
    return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static void export_line(FILE *out, pd_ns at, const char *target, const char *check,
                        const char *state, const char *message, const struct pd_source_target *t)
{
    char buf[PD_TIME_BUFLEN];
    pctl_csv_cell(out, pd_time_format_exact(at, buf, sizeof(buf)), 1, 0);
    pctl_csv_cell(out, target, 0, 0);
    pctl_csv_cell(out, state, 0, 0);
    pctl_csv_cell(out, check, 0, 0);
    pctl_csv_cell(out, message, 0, 1);
    pctl_csv_cell(out, t ? t->name : "", 0, 1);
    pctl_csv_cell(out, t ? t->site : "", 0, 1);
    pctl_csv_cell(out, t ? t->type : "", 0, 1);
    pctl_csv_end_row(out);
}

int pd_report_events_write(const struct pd_report_data *d, struct pd_span period, FILE *out)
{
    static const char *const names[] = {"time",    "target", "state", "check",
                                        "message", "name",   "site",  "type"};
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < d->n_targets; i++) {
        cap += d->targets[i].n_points + 2;
        for (size_t k = 0; k < d->targets[i].n_checks; k++)
            cap += d->targets[i].checks[k].n_points;
    }
    struct export_row *rows = calloc(cap + 1, sizeof(*rows));
    if (!rows)
        return -ENOMEM;
    for (size_t i = 0; i < d->n_targets; i++) {
        const struct pd_source_target *t = &d->targets[i];
        if (t->added >= period.end || (t->retired && t->retired <= period.start))
            continue;
        size_t lo, hi;
        pd_report_slice(t, period, &lo, &hi);
        if (t->added)
            rows[n] = (struct export_row){n, t->added, t, "", "added", ""}, n++;
        if (t->retired)
            rows[n] = (struct export_row){n, t->retired, t, "", "retired", ""}, n++;
        for (size_t k = lo; k < hi; k++, n++)
            rows[n] = (struct export_row){n,
                                          t->points[k].at,
                                          t,
                                          "",
                                          state_name(t->points[k].state),
                                          t->reasons[k] ? t->reasons[k] : ""};
        for (size_t c = 0; c < t->n_checks; c++) {
            const struct pd_source_check *k = &t->checks[c];
            if (!k->media)
                continue;
            pd_report_slice_points(k->points, k->n_points, period, &lo, &hi);
            for (size_t j = lo; j < hi; j++, n++)
                rows[n] = (struct export_row){n,
                                              k->points[j].at,
                                              t,
                                              k->id,
                                              state_name(k->points[j].state),
                                              k->reasons[j] ? k->reasons[j] : ""};
        }
    }
    qsort(rows, n, sizeof(*rows), cmp_export_row);
    pctl_csv_header(out, 0, names, sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < n; i++)
        export_line(out, rows[i].at, rows[i].t->id, rows[i].check, rows[i].state, rows[i].message,
                    rows[i].t);
    if (d->observed_until)
        export_line(out, d->observed_until, "", "", "observed", "records complete up to this time",
                    NULL);
    free(rows);
    return ferror(out) ? -EIO : 0;
}
