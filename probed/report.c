#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pd_maint_scope_name(enum pd_maint_scope s)
{
    switch (s) {
    case PD_MAINT_ALL:
        return "all";
    case PD_MAINT_TARGET:
        return "target";
    case PD_MAINT_SITE:
        return "site";
    case PD_MAINT_SYSTEM:
        return "system";
    }
    return "?";
}

const char *pd_report_scope_name(enum pd_report_scope s)
{
    switch (s) {
    case PD_SCOPE_ALL:
        return "all";
    case PD_SCOPE_TARGET:
        return "target";
    case PD_SCOPE_SITE:
        return "site";
    case PD_SCOPE_SYSTEM:
        return "system";
    }
    return "?";
}

const char *pd_system_rule_name(enum pd_system_rule r)
{
    switch (r) {
    case PD_SYSTEM_ALL:
        return "all";
    case PD_SYSTEM_ANY:
        return "any";
    case PD_SYSTEM_K_OF_N:
        return "k_of_n";
    }
    return "?";
}

/* site is path itself or below it ("a/b" is under "a", "a-b" is not). */
static bool site_under(const char *site, const char *path)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n == 0)
        return true;
    return strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

bool pd_maint_covers_target(const struct pd_maint_window *w, const char *id, const char *site)
{
    switch (w->scope) {
    case PD_MAINT_ALL:
        return true;
    case PD_MAINT_TARGET:
        return w->what && strcmp(w->what, id) == 0;
    case PD_MAINT_SITE:
        return w->what && site_under(site, w->what);
    case PD_MAINT_SYSTEM:
        return false;
    }
    return false;
}

static bool maint_covers_system(const struct pd_maint_window *w, const char *id)
{
    return (w->scope == PD_MAINT_SYSTEM && w->what && strcmp(w->what, id) == 0) ||
           w->scope == PD_MAINT_ALL;
}

/* Site paths in tree order: '/' sorts before every other byte, so that
 * "a/b" follows "a" and precedes "a.c". */
static int cmp_path(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca == cb) {
            if (ca == 0)
                return 0;
            continue;
        }
        ca = ca == '/' ? 1 : ca == 0 ? 0 : ca + 1;
        cb = cb == '/' ? 1 : cb == 0 ? 0 : cb + 1;
        return ca < cb ? -1 : 1;
    }
}

static int cmp_target(const void *a, const void *b)
{
    const struct pd_report_target *x = a, *y = b;
    int c = cmp_path(x->site, y->site);
    return c ? c : strcmp(x->id, y->id);
}

static int cmp_system(const void *a, const void *b)
{
    const struct pd_report_system *x = a, *y = b;
    return strcmp(x->id, y->id);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static const struct pd_report_severity *find_severity(const struct pd_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_severities; i++)
        if (name && strcmp(r->severities[i].name, name) == 0)
            return &r->severities[i];
    return NULL;
}

static const struct pd_report_target_in *find_target_in(const struct pd_report_input *in,
                                                        const char *id)
{
    for (size_t i = 0; i < in->n_targets; i++)
        if (strcmp(in->targets[i].id, id) == 0)
            return &in->targets[i];
    return NULL;
}

static const struct pd_report_system_in *find_system_in(const struct pd_report_input *in,
                                                        const char *id)
{
    for (size_t i = 0; i < in->n_systems; i++)
        if (strcmp(in->systems[i].id, id) == 0)
            return &in->systems[i];
    return NULL;
}

static bool system_has_member(const struct pd_report_system_in *s, const char *id)
{
    for (size_t i = 0; i < s->n_members; i++)
        if (strcmp(s->members[i], id) == 0)
            return true;
    return false;
}

static bool in_service(const struct pd_report_input *in, const struct pd_report_target_in *t);

/* In service during the period, and in the scope. A target retired
 * before the month, or added after it, has nothing to report. */
static bool target_in_scope(const struct pd_report_input *in, const struct pd_report_target_in *t)
{
    if (!in_service(in, t))
        return false;
    switch (in->scope) {
    case PD_SCOPE_ALL:
        return true;
    case PD_SCOPE_TARGET:
        return strcmp(t->id, in->scope_what) == 0;
    case PD_SCOPE_SITE:
        return site_under(t->site ? t->site : "", in->scope_what);
    case PD_SCOPE_SYSTEM: {
        const struct pd_report_system_in *s = find_system_in(in, in->scope_what);
        return s && system_has_member(s, t->id);
    }
    }
    return false;
}

static bool in_service(const struct pd_report_input *in, const struct pd_report_target_in *t)
{
    return t && t->added < in->period.end && (!t->retired || t->retired > in->period.start);
}

/* A site report holds the systems whose members all lie in the site; a
 * system none of whose members was in service has nothing to report. */
static bool system_in_scope(const struct pd_report_input *in, const struct pd_report_system_in *s)
{
    bool any = false;
    for (size_t i = 0; i < s->n_members && !any; i++)
        any = in_service(in, find_target_in(in, s->members[i]));
    if (!any)
        return false;
    switch (in->scope) {
    case PD_SCOPE_ALL:
        return true;
    case PD_SCOPE_TARGET:
        return false;
    case PD_SCOPE_SYSTEM:
        return strcmp(s->id, in->scope_what) == 0;
    case PD_SCOPE_SITE:
        for (size_t i = 0; i < s->n_members; i++) {
            const struct pd_report_target_in *t = find_target_in(in, s->members[i]);
            if (!t || !site_under(t->site ? t->site : "", in->scope_what))
                return false;
        }
        return s->n_members > 0;
    }
    return false;
}

static int check_scope(const struct pd_report_input *in, char *err, size_t errlen)
{
    const char *w = in->scope_what;
    switch (in->scope) {
    case PD_SCOPE_ALL:
        return 0;
    case PD_SCOPE_TARGET:
        if (w && find_target_in(in, w))
            return 0;
        snprintf(err, errlen, "no target '%s' in the configuration or the records", w ? w : "");
        return -ENOENT;
    case PD_SCOPE_SYSTEM:
        if (w && find_system_in(in, w))
            return 0;
        snprintf(err, errlen, "no system '%s' in the configuration", w ? w : "");
        return -ENOENT;
    case PD_SCOPE_SITE:
        for (size_t i = 0; w && i < in->n_targets; i++)
            if (site_under(in->targets[i].site ? in->targets[i].site : "", w))
                return 0;
        snprintf(err, errlen, "no target at site '%s' or below it", w ? w : "");
        return -ENOENT;
    }
    return -EINVAL;
}

/* The spans of the windows that cover target t (or, t NULL, system id). */
static int maint_spans(const struct pd_report_input *in, const struct pd_report_target_in *t,
                       const char *system_id, struct pd_span **spans, size_t *n)
{
    *n = 0;
    free(*spans);
    *spans = NULL;
    if (in->n_maintenance == 0)
        return 0;
    if (!(*spans = calloc(in->n_maintenance, sizeof(**spans))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_maintenance; i++) {
        const struct pd_maint_window *w = &in->maintenance[i];
        bool covers = t ? pd_maint_covers_target(w, t->id, t->site ? t->site : "")
                        : maint_covers_system(w, system_id);
        if (covers)
            (*spans)[(*n)++] = w->span;
    }
    return 0;
}

/* Seen UP or DOWN after the period ended: no later record can change a
 * figure. A gap across the month's end keeps it open (docs/reports.md). */
static bool target_final(const struct pd_report_input *in, const struct pd_report_target_in *t)
{
    pd_ns end = in->period.end;
    if (t->retired && t->retired <= end)
        return in->observed_until >= t->retired;
    if (in->observed_until < end)
        return false;
    enum pd_state at_end = PD_STATE_UNKNOWN;
    for (size_t i = 0; i < t->n_timeline; i++) {
        if (t->timeline[i].at < end)
            at_end = t->timeline[i].state;
        else if (t->timeline[i].state != PD_STATE_UNKNOWN)
            return true;
    }
    return at_end != PD_STATE_UNKNOWN;
}

static void count_verdict(enum pd_sla_verdict v, unsigned *met, unsigned *not_met,
                          unsigned *unverified, unsigned *no_limit)
{
    switch (v) {
    case PD_SLA_MET:
        (*met)++;
        break;
    case PD_SLA_NOT_MET:
        (*not_met)++;
        break;
    case PD_SLA_UNVERIFIED:
        (*unverified)++;
        break;
    case PD_SLA_NO_LIMIT:
        (*no_limit)++;
        break;
    }
}

static bool in_spans(pd_ns at, const struct pd_span *spans, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (at >= spans[i].start && at < spans[i].end)
            return true;
    return false;
}

/* Degraded periods: DOWN runs of the media timeline that begin in the
 * in-service part of the period, outside maintenance. A run is not
 * joined across time without media, unlike an outage across a gap of the
 * monitor: no call between two degraded calls is not part of a fault. */
static void media_periods(const struct pd_report_target_in *t, struct pd_span svc,
                          const struct pd_span *spans, size_t n_spans, struct pd_report_media *m)
{
    pd_ns run_start = 0;
    bool down = false;
    for (size_t i = 0; i <= t->n_media; i++) {
        /* Of several points at one time the last holds. */
        if (i < t->n_media && i + 1 < t->n_media && t->media[i + 1].at == t->media[i].at)
            continue;
        bool now_down = i < t->n_media && t->media[i].state == PD_STATE_DOWN;
        if (!down && now_down) {
            run_start = t->media[i].at;
        } else if (down && !now_down) {
            pd_ns end = i < t->n_media && t->media[i].at < svc.end ? t->media[i].at : svc.end;
            if (run_start >= svc.start && run_start < svc.end &&
                !in_spans(run_start, spans, n_spans)) {
                m->periods++;
                if (pd_report_seconds(end - run_start) > m->longest_s)
                    m->longest_s = pd_report_seconds(end - run_start);
            }
        }
        down = now_down;
    }
}

static int build_media(const struct pd_report_input *in, const struct pd_report_target_in *t,
                       const struct pd_span *spans, size_t n_spans, struct pd_report_media *m)
{
    *m = (struct pd_report_media){.has = t->has_media, .degraded_pct = NAN};
    if (!t->has_media)
        return 0;
    struct pd_avail a;
    struct pd_avail_input ai = {
        .period = in->period,
        .added = t->added,
        .retired = t->retired,
        .timeline = t->media,
        .n_timeline = t->n_media,
        .maintenance = spans,
        .n_maintenance = n_spans,
    };
    int rc = pd_avail_compute(&ai, &a);
    if (rc < 0)
        return rc;
    m->degraded_s = a.downtime_s;
    m->observed_s = a.up_s + a.downtime_s;
    m->no_media_s = a.unknown_s;
    m->maintenance_s = a.maintenance_s;
    if (m->observed_s > 0)
        m->degraded_pct = m->degraded_s / m->observed_s * 100.0;
    pd_avail_free(&a);
    struct pd_span svc = in->period;
    if (t->added > svc.start)
        svc.start = t->added;
    if (t->retired && t->retired < svc.end)
        svc.end = t->retired;
    media_periods(t, svc, spans, n_spans, m);
    return 0;
}

static int build_target(const struct pd_report_input *in, const struct pd_report_target_in *t,
                        struct pd_report *r, struct pd_span **spans, char *err, size_t errlen)
{
    struct pd_report_target *o = &r->targets[r->n_targets];
    const struct pd_report_severity *sev = find_severity(r, t->severity);
    if (!sev) {
        snprintf(err, errlen, "target '%s': unknown severity '%s'", t->id,
                 t->severity ? t->severity : "");
        return -EINVAL;
    }
    size_t n_spans;
    int rc = maint_spans(in, t, NULL, spans, &n_spans);
    if (rc < 0)
        return rc;
    struct pd_avail_input ai = {
        .period = in->period,
        .added = t->added,
        .retired = t->retired,
        .timeline = t->timeline,
        .n_timeline = t->n_timeline,
        .maintenance = *spans,
        .n_maintenance = n_spans,
    };
    if ((rc = pd_avail_compute(&ai, &o->avail)) < 0) {
        snprintf(err, errlen, "target '%s': %s", t->id,
                 rc == -ENOMEM ? "out of memory" : "state records out of order or invalid");
        return rc;
    }
    r->n_targets++;
    if ((rc = build_media(in, t, *spans, n_spans, &o->media)) < 0) {
        snprintf(err, errlen, "target '%s': %s", t->id,
                 rc == -ENOMEM ? "out of memory" : "media records out of order or invalid");
        return rc;
    }
    o->severity = sev;
    o->added = t->added;
    o->retired = t->retired;
    o->final = target_final(in, t);
    pd_sla_judge(&o->avail, &sev->limits, &o->sla);
    if (!(o->id = strdup(t->id)) || !(o->name = dup_or_empty(t->name ? t->name : t->id)) ||
        !(o->site = dup_or_empty(t->site)) || !(o->type = dup_or_empty(t->type)))
        return -ENOMEM;
    return 0;
}

static int build_system(const struct pd_report_input *in, const struct pd_report_system_in *s,
                        struct pd_report *r, struct pd_span **spans, char *err, size_t errlen)
{
    struct pd_report_system *o = &r->systems[r->n_systems];
    struct pd_system_member *m = NULL;
    struct pd_span **member_spans = NULL;
    struct pd_avail_point *tl = NULL;
    const char **ids = NULL; /* borrowed from s: the members in service */
    size_t n_tl = 0, n = 0;
    int rc = -ENOMEM;

    const struct pd_report_severity *sev = find_severity(r, s->severity);
    if (!sev || s->n_members == 0) {
        snprintf(err, errlen, "system '%s': %s", s->id, sev ? "no members" : "unknown severity");
        return -EINVAL;
    }
    if (!(m = calloc(s->n_members, sizeof(*m))) ||
        !(member_spans = calloc(s->n_members, sizeof(*member_spans))))
        goto fail;
    /* Members out of service all month are not members of that month
     * (the events export leaves them out too). */
    if (!(ids = calloc(s->n_members, sizeof(*ids))))
        goto fail;
    for (size_t i = 0; i < s->n_members; i++) {
        const struct pd_report_target_in *t = find_target_in(in, s->members[i]);
        if (!t) {
            snprintf(err, errlen, "system '%s': no target '%s'", s->id, s->members[i]);
            rc = -EINVAL;
            goto fail;
        }
        if (!in_service(in, t))
            continue;
        if ((rc = maint_spans(in, t, NULL, &member_spans[n], &m[n].n_maintenance)) < 0)
            goto fail;
        m[n].maintenance = member_spans[n];
        m[n].timeline = t->timeline;
        m[n].n_timeline = t->n_timeline;
        ids[n++] = s->members[i];
    }
    unsigned k = s->rule == PD_SYSTEM_ALL   ? (unsigned)n
                 : s->rule == PD_SYSTEM_ANY ? 1
                 : s->k > n                 ? (unsigned)n
                                            : s->k;
    if ((rc = pd_system_timeline(m, n, s->rule, k, &tl, &n_tl)) < 0) {
        snprintf(err, errlen, "system '%s': %s", s->id,
                 rc == -EINVAL ? "k must be 1 to the number of members" : "out of memory");
        goto fail;
    }
    size_t n_spans;
    if ((rc = maint_spans(in, NULL, s->id, spans, &n_spans)) < 0)
        goto fail;
    struct pd_avail_input ai = {
        .period = in->period,
        .timeline = tl,
        .n_timeline = n_tl,
        .maintenance = *spans,
        .n_maintenance = n_spans,
    };
    if ((rc = pd_avail_compute(&ai, &o->avail)) < 0) {
        snprintf(err, errlen, "system '%s': cannot compute its figures", s->id);
        goto fail;
    }
    r->n_systems++;
    o->severity = sev;
    o->rule = s->rule;
    o->k = k;
    pd_sla_judge(&o->avail, &sev->limits, &o->sla);
    rc = -ENOMEM;
    if (!(o->id = strdup(s->id)) || !(o->name = dup_or_empty(s->name ? s->name : s->id)) ||
        !(o->members = calloc(n, sizeof(*o->members))))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (!(o->members[i] = strdup(ids[i])))
            goto fail;
        o->n_members++;
    }
    rc = 0;
fail:
    free(ids);
    for (size_t i = 0; member_spans && i < s->n_members; i++)
        free(member_spans[i]);
    free(member_spans);
    free(m);
    free(tl);
    return rc;
}

#define SITE_DEPTH_MAX 32

static struct pd_report_site *new_site(struct pd_report *r, size_t *cap, const char *path,
                                       size_t len, unsigned level)
{
    if (r->n_sites == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        void *p = realloc(r->sites, ncap * sizeof(*r->sites));
        if (!p)
            return NULL;
        r->sites = p;
        *cap = ncap;
    }
    struct pd_report_site *s = &r->sites[r->n_sites];
    memset(s, 0, sizeof(*s));
    if (!(s->path = strndup(path, len)))
        return NULL;
    s->level = level;
    r->n_sites++;
    return s;
}

/* Every prefix of every target's site path gets a node. The targets are
 * in tree order already, so the targets under one node are contiguous: a
 * stack of the nodes of the current path finds each in one step.
 * availability_mean holds the sum until the end. */
static int build_sites(struct pd_report *r)
{
    size_t cap = 0;
    size_t stack[SITE_DEPTH_MAX];
    unsigned depth = 0;

    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        const char *site = t->site;
        unsigned level = 0;
        for (size_t len = 0; *site && level < SITE_DEPTH_MAX; len++) {
            if (site[len] != '/' && site[len] != '\0')
                continue;
            size_t idx = level < depth ? stack[level] : 0;
            if (level >= depth || strncmp(r->sites[idx].path, site, len) != 0 ||
                r->sites[idx].path[len] != '\0') {
                if (!new_site(r, &cap, site, len, level + 1))
                    return -ENOMEM;
                idx = stack[level] = r->n_sites - 1;
                depth = level + 1;
            }
            level++;
            struct pd_report_site *s = &r->sites[idx];
            s->devices++;
            count_verdict(t->sla.overall, &s->met, &s->not_met, &s->unverified, &s->no_limit);
            s->failures += t->avail.failures;
            s->downtime_s += t->avail.downtime_s;
            s->unknown_s += t->avail.unknown_s;
            if (!isnan(t->avail.availability_pct)) {
                s->availability_mean += t->avail.availability_pct;
                s->measured++;
            }
            if (site[len] == '\0')
                break;
        }
    }
    for (size_t j = 0; j < r->n_sites; j++)
        r->sites[j].availability_mean =
            r->sites[j].measured ? r->sites[j].availability_mean / r->sites[j].measured : NAN;
    return 0;
}

/* The windows that touch the period and cover something reported. */
static int copy_maintenance(const struct pd_report_input *in, struct pd_report *r)
{
    if (in->n_maintenance == 0)
        return 0;
    if (!(r->maintenance = calloc(in->n_maintenance, sizeof(*r->maintenance))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_maintenance; i++) {
        const struct pd_maint_window *w = &in->maintenance[i];
        if (w->span.end <= in->period.start || w->span.start >= in->period.end)
            continue;
        bool used = false;
        for (size_t t = 0; !used && t < r->n_targets; t++)
            used = pd_maint_covers_target(w, r->targets[t].id, r->targets[t].site);
        for (size_t s = 0; !used && s < r->n_systems; s++)
            used = maint_covers_system(w, r->systems[s].id);
        if (!used)
            continue;
        struct pd_maint_window *o = &r->maintenance[r->n_maintenance++];
        *o = *w;
        o->what = NULL;
        o->reason = NULL;
        if ((w->what && !(o->what = strdup(w->what))) || !(o->reason = dup_or_empty(w->reason)))
            return -ENOMEM;
    }
    return 0;
}

static int copy_header(const struct pd_report_input *in, struct pd_report *r)
{
    r->period = in->period;
    r->generated = in->generated;
    r->scope = in->scope;
    if (!(r->month = dup_or_empty(in->month)) || !(r->timezone = dup_or_empty(in->timezone)) ||
        !(r->version = dup_or_empty(in->version)) ||
        !(r->config_hash = dup_or_empty(in->config_hash)) ||
        !(r->source = dup_or_empty(in->source)))
        return -ENOMEM;
    if (in->scope != PD_SCOPE_ALL && !(r->scope_what = dup_or_empty(in->scope_what)))
        return -ENOMEM;
    if (in->n_severities && !(r->severities = calloc(in->n_severities, sizeof(*r->severities))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_severities; i++) {
        r->severities[i].limits = in->severities[i].limits;
        if (!(r->severities[i].name = dup_or_empty(in->severities[i].name)))
            return -ENOMEM;
        r->n_severities++;
    }
    return 0;
}

int pd_report_build(const struct pd_report_input *in, struct pd_report **out, char *err,
                    size_t errlen)
{
    struct pd_span *spans = NULL;
    struct pd_report *r = calloc(1, sizeof(*r));
    int rc = -ENOMEM;

    *out = NULL;
    if (!r)
        goto nomem;
    if ((rc = check_scope(in, err, errlen)) < 0)
        goto fail;
    if ((rc = copy_header(in, r)) < 0)
        goto nomem;
    if ((in->n_targets && !(r->targets = calloc(in->n_targets, sizeof(*r->targets)))) ||
        (in->n_systems && !(r->systems = calloc(in->n_systems, sizeof(*r->systems)))))
        goto nomem;
    size_t in_scope = 0, done = 0;
    for (size_t i = 0; i < in->n_targets; i++)
        in_scope += target_in_scope(in, &in->targets[i]);
    for (size_t i = 0; i < in->n_targets; i++) {
        const struct pd_report_target_in *t = &in->targets[i];
        if (!target_in_scope(in, t))
            continue;
        if ((rc = build_target(in, t, r, &spans, err, errlen)) < 0)
            goto fail;
        const struct pd_report_target *o = &r->targets[r->n_targets - 1];
        count_verdict(o->sla.overall, &r->met, &r->not_met, &r->unverified, &r->no_limit);
        r->failures += o->avail.failures;
        r->outages += (unsigned)o->avail.n_outages;
        r->provisional |= !o->final;
        if (o->media.has) {
            r->media_targets++;
            r->media_periods += o->media.periods;
            r->media_degraded_s += o->media.degraded_s;
        }
        if (in->progress)
            in->progress(++done, in_scope, in->progress_arg);
    }
    for (size_t i = 0; i < in->n_systems; i++)
        if (system_in_scope(in, &in->systems[i]) &&
            (rc = build_system(in, &in->systems[i], r, &spans, err, errlen)) < 0)
            goto fail;
    if (in->observed_until < in->period.end || in->so_far)
        r->provisional = true;
    if (r->n_targets > 1)
        qsort(r->targets, r->n_targets, sizeof(*r->targets), cmp_target);
    if (r->n_systems > 1)
        qsort(r->systems, r->n_systems, sizeof(*r->systems), cmp_system);
    if ((rc = build_sites(r)) < 0 || (rc = copy_maintenance(in, r)) < 0)
        goto nomem;
    free(spans);
    *out = r;
    return 0;
nomem:
    rc = -ENOMEM;
    snprintf(err, errlen, "out of memory");
fail:
    free(spans);
    pd_report_free(r);
    return rc;
}

bool pd_report_period_so_far(struct pd_report_input *in, pd_ns start, pd_ns end, pd_ns now)
{
    in->period = (struct pd_span){start, end};
    in->so_far = now < end;
    if (!in->so_far)
        return false;
    pd_ns reach = in->observed_until > start ? in->observed_until : now;
    if (reach > end)
        reach = end;
    in->period.end = reach > start ? reach : start + 1; /* never empty */
    return true;
}

void pd_report_free(struct pd_report *r)
{
    if (!r)
        return;
    free(r->month);
    free(r->timezone);
    free(r->version);
    free(r->config_hash);
    free(r->source);
    free(r->scope_what);
    for (size_t i = 0; i < r->n_severities; i++)
        free(r->severities[i].name);
    free(r->severities);
    for (size_t i = 0; i < r->n_targets; i++) {
        struct pd_report_target *t = &r->targets[i];
        free(t->id);
        free(t->name);
        free(t->site);
        free(t->type);
        pd_avail_free(&t->avail);
    }
    free(r->targets);
    for (size_t i = 0; i < r->n_systems; i++) {
        struct pd_report_system *s = &r->systems[i];
        free(s->id);
        free(s->name);
        for (size_t m = 0; m < s->n_members; m++)
            free(s->members[m]);
        free(s->members);
        pd_avail_free(&s->avail);
    }
    free(r->systems);
    for (size_t i = 0; i < r->n_sites; i++)
        free(r->sites[i].path);
    free(r->sites);
    for (size_t i = 0; i < r->n_maintenance; i++) {
        free(r->maintenance[i].what);
        free(r->maintenance[i].reason);
    }
    free(r->maintenance);
    free(r);
}
