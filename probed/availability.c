#include "availability.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Open ends of the first and last pieces of a timeline. */
#define NS_MIN INT64_MIN
#define NS_MAX INT64_MAX

static pd_ns ns_max(pd_ns a, pd_ns b)
{
    return a > b ? a : b;
}

static pd_ns ns_min(pd_ns a, pd_ns b)
{
    return a < b ? a : b;
}

static bool state_valid(enum pd_state s)
{
    return s == PD_STATE_UNKNOWN || s == PD_STATE_UP || s == PD_STATE_DOWN;
}

static int check_timeline(const struct pd_avail_point *tl, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!state_valid(tl[i].state) || (i > 0 && tl[i].at < tl[i - 1].at))
            return -EINVAL;
    return 0;
}

static int span_cmp(const void *a, const void *b)
{
    const struct pd_span *x = a, *y = b;

    return (x->start > y->start) - (x->start < y->start);
}

/* The union of the windows as sorted, disjoint spans in *out (caller frees;
 * NULL when empty). A window that ends before it starts is an error: it is
 * a mistake in the data, and ignoring it would hide downtime. */
static int merge_windows(const struct pd_span *w, size_t n, struct pd_span **out, size_t *n_out)
{
    struct pd_span *m;
    size_t k = 0, j = 0;

    *out = NULL;
    *n_out = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i].end < w[i].start)
            return -EINVAL;
    if (n == 0)
        return 0;
    m = calloc(n, sizeof(*m));
    if (!m)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (w[i].start < w[i].end)
            m[k++] = w[i];
    qsort(m, k, sizeof(*m), span_cmp);
    for (size_t i = 1; i < k; i++) {
        if (m[i].start <= m[j].end)
            m[j].end = ns_max(m[j].end, m[i].end);
        else
            m[++j] = m[i];
    }
    *out = m;
    *n_out = k ? j + 1 : 0;
    return 0;
}

/* Index of the first window ending after t. */
static size_t first_after(const struct pd_span *m, size_t n, pd_ns t)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (m[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool in_windows(const struct pd_span *m, size_t n, pd_ns t)
{
    size_t i = first_after(m, n, t);

    return i < n && m[i].start <= t;
}

/* Length of [a, b) inside the merged windows. */
static pd_ns covered(const struct pd_span *m, size_t n, pd_ns a, pd_ns b)
{
    pd_ns sum = 0;

    if (b <= a)
        return 0;
    for (size_t i = first_after(m, n, a); i < n && m[i].start < b; i++)
        sum += ns_min(b, m[i].end) - ns_max(a, m[i].start);
    return sum;
}

static pd_ns outside(const struct pd_span *m, size_t n, pd_ns a, pd_ns b)
{
    return b > a ? (b - a) - covered(m, n, a, b) : 0;
}

struct walk {
    struct pd_span *m;
    size_t nm;
    pd_ns is, ie; /* in service: [is, ie), is == ie when empty */
    pd_ns unknown, down;
    /* The outage being built. The *_clip sums stop at ie: they are what
     * counts when it turns out to be ongoing. */
    bool open;
    pd_ns start, last_end;
    pd_ns counted, counted_clip, unobserved, unobserved_clip, gap, gap_clip;
    struct pd_outage *list;
    size_t n, cap;
};

static int close_outage(struct walk *w, bool ongoing)
{
    struct pd_outage o = {
        .start = w->start,
        .end = ongoing ? 0 : w->last_end,
        .counted = ongoing ? w->counted_clip : w->counted,
        .unobserved = ongoing ? w->unobserved_clip : w->unobserved,
    };

    w->open = false;
    if (w->is >= w->ie || o.start >= w->ie || (!ongoing && o.end <= w->is))
        return 0;
    o.begins_in_period = o.start >= w->is;
    /* It ends in the period when its last DOWN instant does: one over at
     * midnight on the 1st ended in the month before. */
    o.ends_in_period = !ongoing && o.end > w->is && o.end <= w->ie;
    o.maintenance_only = o.counted == 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        struct pd_outage *p = realloc(w->list, cap * sizeof(*p));

        if (!p)
            return -ENOMEM;
        w->list = p;
        w->cap = cap;
    }
    w->list[w->n++] = o;
    return 0;
}

/* One piece of the timeline: [s, e) in state st. Only the last piece
 * reaches NS_MAX, only the first starts at NS_MIN (and is UNKNOWN). */
static int walk_piece(struct walk *w, pd_ns s, pd_ns e, enum pd_state st)
{
    pd_ns a = ns_max(s, w->is), b = ns_min(e, w->ie);
    pd_ns clip_end = ns_max(s, ns_min(e, w->ie));

    if (st == PD_STATE_UNKNOWN)
        w->unknown += outside(w->m, w->nm, a, b);
    else if (st == PD_STATE_DOWN)
        w->down += outside(w->m, w->nm, a, b);

    switch (st) {
    case PD_STATE_DOWN:
        if (!w->open) {
            w->open = true;
            w->start = s;
            w->counted = w->counted_clip = w->unobserved = w->unobserved_clip = 0;
        } else {
            /* The gap lay between two DOWN pieces: it is inside the outage. */
            w->unobserved += w->gap;
            w->unobserved_clip += w->gap_clip;
        }
        w->gap = w->gap_clip = 0;
        if (e != NS_MAX)
            w->counted += outside(w->m, w->nm, s, e);
        w->counted_clip += outside(w->m, w->nm, s, clip_end);
        w->last_end = e;
        return 0;
    case PD_STATE_UNKNOWN:
        if (w->open && e != NS_MAX) {
            w->gap += e - s;
            w->gap_clip += clip_end - s;
        }
        return 0;
    default:
        return w->open ? close_outage(w, false) : 0;
    }
}

static pd_ns sum_ended(const struct pd_avail *a, pd_ns limit, unsigned *n, unsigned *within)
{
    pd_ns sum = 0;

    *n = *within = 0;
    for (size_t i = 0; i < a->n_outages; i++) {
        const struct pd_outage *o = &a->outages[i];

        if (!o->ends_in_period || o->maintenance_only)
            continue;
        (*n)++;
        *within += o->counted <= limit;
        sum += o->counted;
    }
    return sum;
}

/* Share of part in whole, percent; NAN when whole is 0. Durations are
 * whole nanoseconds, so the one rounding is the division's. */
static double pct(pd_ns part, pd_ns whole)
{
    return whole > 0 ? (double)part * 100.0 / (double)whole : NAN;
}

int pd_avail_compute(const struct pd_avail_input *in, struct pd_avail *out)
{
    const struct pd_avail_point *tl = in->timeline;
    struct walk w = {0};
    pd_ns total, maint, up;
    unsigned ended, unused;
    pd_ns ended_sum;
    int rc;

    memset(out, 0, sizeof(*out));
    if (in->period.start >= in->period.end || check_timeline(tl, in->n_timeline) < 0)
        return -EINVAL;
    rc = merge_windows(in->maintenance, in->n_maintenance, &w.m, &w.nm);
    if (rc < 0)
        return rc;
    w.is = ns_max(in->period.start, in->added);
    w.ie = in->retired ? ns_min(in->period.end, in->retired) : in->period.end;
    w.ie = ns_max(w.ie, w.is);

    rc = walk_piece(&w, NS_MIN, in->n_timeline ? tl[0].at : NS_MAX, PD_STATE_UNKNOWN);
    for (size_t i = 0; rc == 0 && i < in->n_timeline; i++) {
        /* Of points at the same time the last one holds. */
        if (i + 1 < in->n_timeline && tl[i + 1].at == tl[i].at)
            continue;
        rc = walk_piece(&w, tl[i].at, i + 1 < in->n_timeline ? tl[i + 1].at : NS_MAX, tl[i].state);
    }
    if (rc == 0 && w.open)
        rc = close_outage(&w, w.last_end == NS_MAX);
    if (rc < 0)
        goto fail;

    total = w.ie - w.is;
    maint = covered(w.m, w.nm, w.is, w.ie);
    up = total - maint - w.unknown - w.down;
    out->total_s = (double)total / PD_SEC;
    out->maintenance_s = (double)maint / PD_SEC;
    out->unknown_s = (double)w.unknown / PD_SEC;
    out->downtime_s = (double)w.down / PD_SEC;
    out->up_s = (double)up / PD_SEC;
    out->availability_pct = pct(total - w.down, total);
    out->coverage_pct = pct(total - w.unknown, total);
    out->observed_availability_pct = pct(up, up + w.down);
    out->outages = w.list;
    out->n_outages = w.n;
    w.list = NULL;

    for (size_t i = 0; i < out->n_outages; i++)
        out->failures += out->outages[i].begins_in_period && !out->outages[i].maintenance_only;
    out->mtbf_h = out->failures ? (double)up / ((double)out->failures * 3600.0 * PD_SEC) : NAN;
    ended_sum = sum_ended(out, 0, &ended, &unused);
    out->ended = ended;
    out->mttr_min = ended ? (double)ended_sum / ((double)ended * 60.0 * PD_SEC) : NAN;
    rc = 0;
fail:
    free(w.list);
    free(w.m);
    return rc;
}

void pd_avail_free(struct pd_avail *a)
{
    free(a->outages);
    a->outages = NULL;
    a->n_outages = 0;
}

double pd_avail_resolved_within(const struct pd_avail *a, pd_ns limit)
{
    unsigned n, within;

    sum_ended(a, limit, &n, &within);
    return n ? within * 100.0 / n : NAN;
}

static enum pd_sla_verdict judge(bool unverified, bool met)
{
    if (unverified)
        return PD_SLA_UNVERIFIED;
    return met ? PD_SLA_MET : PD_SLA_NOT_MET;
}

static void combine(enum pd_sla_verdict *overall, enum pd_sla_verdict v)
{
    static const int rank[] = {
        [PD_SLA_NO_LIMIT] = 0, [PD_SLA_MET] = 1, [PD_SLA_UNVERIFIED] = 2, [PD_SLA_NOT_MET] = 3};

    if (rank[v] > rank[*overall])
        *overall = v;
}

void pd_sla_judge(const struct pd_avail *a, const struct pd_sla_limits *lim,
                  struct pd_sla_result *out)
{
    double cov_min = lim->coverage_min > 0 ? lim->coverage_min : 99.0;
    bool unverified = isnan(a->coverage_pct) || a->coverage_pct < cov_min;
    size_t n_rules = lim->n_resolved < PD_SLA_MAX_RESOLVED ? lim->n_resolved : PD_SLA_MAX_RESOLVED;
    unsigned ended, within;
    pd_ns sum = sum_ended(a, 0, &ended, &within), allowed;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < PD_SLA_MAX_RESOLVED; i++)
        out->resolved_pct[i] = NAN;

    if (lim->availability_min > 0)
        out->availability = judge(unverified, a->availability_pct >= lim->availability_min);
    /* Compared as totals, not as rounded means: up >= min x failures. */
    if (lim->mtbf_min > 0)
        out->mtbf = judge(unverified, a->failures == 0 || a->up_s * (double)PD_SEC >=
                                                              (double)lim->mtbf_min * a->failures);
    if (lim->mttr_max > 0)
        out->mttr =
            judge(unverified, ended == 0 ||
                                  __builtin_mul_overflow(lim->mttr_max, (pd_ns)ended, &allowed) ||
                                  sum <= allowed);
    for (size_t i = 0; i < n_rules; i++) {
        if (!(lim->resolved[i].share_pct > 0) || lim->resolved[i].within <= 0)
            continue;
        sum_ended(a, lim->resolved[i].within, &ended, &within);
        out->resolved_pct[i] = ended ? within * 100.0 / ended : NAN;
        out->resolved[i] =
            judge(unverified, ended == 0 || within * 100.0 >= lim->resolved[i].share_pct * ended);
    }

    combine(&out->overall, out->availability);
    combine(&out->overall, out->mtbf);
    combine(&out->overall, out->mttr);
    for (size_t i = 0; i < n_rules; i++)
        combine(&out->overall, out->resolved[i]);
}

const char *pd_sla_verdict_name(enum pd_sla_verdict v)
{
    switch (v) {
    case PD_SLA_NO_LIMIT:
        return "no_limit";
    case PD_SLA_MET:
        return "met";
    case PD_SLA_NOT_MET:
        return "not_met";
    case PD_SLA_UNVERIFIED:
        return "unverified";
    }
    return "?";
}

struct sys_event {
    pd_ns at;
    size_t member;
};

static int event_cmp(const void *a, const void *b)
{
    const struct sys_event *x = a, *y = b;

    if (x->at != y->at)
        return x->at > y->at ? 1 : -1;
    return (x->member > y->member) - (x->member < y->member);
}

/* One event per member point and per edge of its merged maintenance
 * windows; the members' states are updated only where they may change,
 * so the sweep costs O(E log E) for E events. */
int pd_system_timeline(const struct pd_system_member *members, size_t n, enum pd_system_rule rule,
                       unsigned k, struct pd_avail_point **out, size_t *n_out)
{
    struct pd_span **win = NULL;
    size_t *n_win = NULL, *pos = NULL, n_ev = 0, n_pts = 0;
    enum pd_state *cur = NULL;
    struct sys_event *ev = NULL;
    struct pd_avail_point *pts = NULL;
    size_t u = 0, x = n;
    int rc = -EINVAL;

    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return -EINVAL;
    if (rule == PD_SYSTEM_ALL)
        k = (unsigned)n;
    else if (rule == PD_SYSTEM_ANY)
        k = 1;
    else if (rule != PD_SYSTEM_K_OF_N || k < 1 || k > n)
        return -EINVAL;

    rc = -ENOMEM;
    win = calloc(n, sizeof(*win));
    n_win = calloc(n, sizeof(*n_win));
    pos = calloc(n, sizeof(*pos));
    cur = calloc(n, sizeof(*cur)); /* PD_STATE_UNKNOWN */
    if (!win || !n_win || !pos || !cur)
        goto fail;
    for (size_t j = 0; j < n; j++) {
        rc = check_timeline(members[j].timeline, members[j].n_timeline);
        if (rc == 0)
            rc =
                merge_windows(members[j].maintenance, members[j].n_maintenance, &win[j], &n_win[j]);
        if (rc < 0)
            goto fail;
        n_ev += members[j].n_timeline + 2 * n_win[j];
    }
    rc = 0;
    if (n_ev == 0)
        goto fail;

    rc = -ENOMEM;
    ev = calloc(n_ev, sizeof(*ev));
    pts = calloc(n_ev, sizeof(*pts));
    if (!ev || !pts)
        goto fail;
    n_ev = 0;
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < members[j].n_timeline; i++)
            ev[n_ev++] = (struct sys_event){members[j].timeline[i].at, j};
        for (size_t i = 0; i < n_win[j]; i++) {
            ev[n_ev++] = (struct sys_event){win[j][i].start, j};
            ev[n_ev++] = (struct sys_event){win[j][i].end, j};
        }
    }
    qsort(ev, n_ev, sizeof(*ev), event_cmp);

    for (size_t i = 0; i < n_ev;) {
        pd_ns t = ev[i].at;
        enum pd_state sys;

        for (; i < n_ev && ev[i].at == t; i++) {
            size_t j = ev[i].member;
            const struct pd_avail_point *tl = members[j].timeline;
            enum pd_state st;

            while (pos[j] < members[j].n_timeline && tl[pos[j]].at <= t)
                pos[j]++;
            if (in_windows(win[j], n_win[j], t))
                st = PD_STATE_UP;
            else
                st = pos[j] ? tl[pos[j] - 1].state : PD_STATE_UNKNOWN;
            u -= cur[j] == PD_STATE_UP;
            x -= cur[j] == PD_STATE_UNKNOWN;
            cur[j] = st;
            u += st == PD_STATE_UP;
            x += st == PD_STATE_UNKNOWN;
        }
        if (u >= k)
            sys = PD_STATE_UP;
        else if (u + x < k)
            sys = PD_STATE_DOWN;
        else
            sys = PD_STATE_UNKNOWN;
        if (n_pts == 0 || pts[n_pts - 1].state != sys)
            pts[n_pts++] = (struct pd_avail_point){t, sys};
    }
    *out = pts;
    *n_out = n_pts;
    pts = NULL;
    rc = 0;
fail:
    for (size_t j = 0; win && j < n; j++)
        free(win[j]);
    free(win);
    free(n_win);
    free(pos);
    free(cur);
    free(ev);
    free(pts);
    return rc;
}
