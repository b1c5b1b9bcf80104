#include "alert_engine.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "report.h"
#include "timefmt.h"

/* Flapping is judged over at most this many changes. */
#define FLAP_RING 32
/* Without a group waiting, the engine ticks this often (reminders,
 * windows that end, flapping that settles). */
#define IDLE_TICK PD_SEC

struct subject {
    char *key; /* "t/<target>", "m/<target>/<check>", "s/<system>" */
    enum pd_alert_subject kind;
    char *id;    /* target or system id */
    char *check; /* media: the check; target: its availability check that went DOWN last; else "" */
    enum pd_state cur;      /* the last state seen */
    enum pd_state definite; /* the last UP or DOWN (UNKNOWN: none yet) */
    pd_ns since;            /* when definite began */
    pd_ns down_since;       /* the current outage's start */
    bool said;              /* a problem was said for the current outage */
    bool flapping;
    pd_ns changes[FLAP_RING]; /* the latest UP/DOWN changes, a ring */
    unsigned n_changes, head;
    pd_ns next_remind; /* 0: none */
    char *reason;      /* the latest, for reminders */
};

/* An item waiting for its group, with its own copies of the text. */
struct held {
    struct pd_alert_item item;
    int64_t transition_id; /* 0: not from a transition (reminder, ...) */
    char *strings[8];
};

struct window {
    pd_ns start, end;
    enum pd_maint_scope scope;
    char *what;
};

struct pd_alert_engine {
    const struct pd_config *cfg;
    struct pd_hashmap targets;  /* id -> const struct pd_target_conf * */
    struct pd_hashmap subjects; /* key -> struct subject * */
    struct subject **all;
    size_t n_all, cap_all;
    struct window *store_windows;
    size_t n_store_windows;
    struct held *held;
    size_t n_held, cap_held;
    pd_ns group_due;  /* 0: no group */
    size_t n_emitted; /* the group was emitted, not yet stored (pd_alert_engine_sent) */
    unsigned emitted_messages, emitted_unrouted;
    pd_ns emitted_at, last_sent; /* of the group emitted; of the last group stored (0: none) */
    int64_t fed;                 /* the newest transition given */
    struct pd_alert_engine_stats stats;
};

static int map_targets(struct pd_alert_engine *e, const struct pd_config *cfg)
{
    pd_hashmap_free(&e->targets);
    pd_hashmap_init(&e->targets);
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (pd_hashmap_put(&e->targets, cfg->targets[i].id, &cfg->targets[i]) < 0)
            return -ENOMEM;
    e->cfg = cfg;
    return 0;
}

int pd_alert_engine_new(const struct pd_config *cfg, struct pd_alert_engine **out)
{
    struct pd_alert_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    pd_hashmap_init(&e->targets);
    pd_hashmap_init(&e->subjects);
    if (map_targets(e, cfg) < 0) {
        pd_alert_engine_free(e);
        return -ENOMEM;
    }
    *out = e;
    return 0;
}

static void free_held(struct held *h)
{
    for (size_t i = 0; i < sizeof(h->strings) / sizeof(h->strings[0]); i++)
        free(h->strings[i]);
}

static void free_windows(struct pd_alert_engine *e)
{
    for (size_t i = 0; i < e->n_store_windows; i++)
        free(e->store_windows[i].what);
    free(e->store_windows);
    e->store_windows = NULL;
    e->n_store_windows = 0;
}

void pd_alert_engine_free(struct pd_alert_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_all; i++) {
        free(e->all[i]->key);
        free(e->all[i]->id);
        free(e->all[i]->check);
        free(e->all[i]->reason);
        free(e->all[i]);
    }
    free(e->all);
    for (size_t i = 0; i < e->n_held; i++)
        free_held(&e->held[i]);
    free(e->held);
    free_windows(e);
    pd_hashmap_free(&e->targets);
    pd_hashmap_free(&e->subjects);
    free(e);
}

int pd_alert_engine_set_config(struct pd_alert_engine *e, const struct pd_config *cfg)
{
    return map_targets(e, cfg);
}

int pd_alert_engine_store_windows(struct pd_alert_engine *e, const struct pd_maint_row *w, size_t n)
{
    static const char *const scopes[] = {"all", "target", "site", "system"};
    struct window *copy = calloc(n + 1, sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (int s = 0; s < 4; s++) {
            if (strcmp(w[i].scope, scopes[s]) != 0)
                continue;
            copy[k] = (struct window){w[i].start, w[i].end, (enum pd_maint_scope)s,
                                      strdup(w[i].what ? w[i].what : "")};
            if (!copy[k++].what) {
                for (size_t j = 0; j < k; j++)
                    free(copy[j].what);
                free(copy);
                return -ENOMEM;
            }
        }
    }
    free_windows(e);
    e->store_windows = copy;
    e->n_store_windows = k;
    return 0;
}

static bool site_under(const char *site, const char *path)
{
    size_t n = strlen(path);
    return strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static bool system_has(const struct pd_system_conf *s, const char *target_id)
{
    for (size_t i = 0; i < s->n_members; i++)
        if (strcmp(s->members[i], target_id) == 0)
            return true;
    return false;
}

/* Does a window of scope/what cover the subject (target t, or system)? */
static bool covers(const struct pd_alert_engine *e, enum pd_maint_scope scope, const char *what,
                   const struct subject *s, const struct pd_target_conf *t)
{
    switch (scope) {
    case PD_MAINT_ALL:
        return true;
    case PD_MAINT_TARGET:
        return t && strcmp(t->id, what) == 0;
    case PD_MAINT_SITE:
        return t && site_under(t->site ? t->site : "", what);
    case PD_MAINT_SYSTEM: {
        if (s->kind == PD_SUBJECT_SYSTEM)
            return strcmp(s->id, what) == 0;
        const struct pd_system_conf *sys = pd_config_system(e->cfg, what);
        return t && sys && system_has(sys, t->id);
    }
    }
    return false;
}

static bool in_maintenance(const struct pd_alert_engine *e, const struct subject *s, pd_ns at)
{
    const struct pd_target_conf *t =
        s->kind == PD_SUBJECT_SYSTEM ? NULL : pd_hashmap_get(&e->targets, s->id);
    const struct pd_config *cfg = e->cfg;
    for (size_t i = 0; i < cfg->n_maintenance; i++) {
        const struct pd_maint_conf *w = &cfg->maintenance[i];
        /* The configuration's scopes are the store's, in the same order. */
        if (w->start <= at && at < w->end &&
            covers(e, (enum pd_maint_scope)w->scope, w->what ? w->what : "", s, t))
            return true;
    }
    for (size_t i = 0; i < e->n_store_windows; i++) {
        const struct window *w = &e->store_windows[i];
        if (w->start <= at && (w->end == 0 || at < w->end) && covers(e, w->scope, w->what, s, t))
            return true;
    }
    return false;
}

static struct subject *subject(struct pd_alert_engine *e, enum pd_alert_subject kind,
                               const char *id, const char *check)
{
    char key[2 * PD_ID_MAX + 8];
    snprintf(key, sizeof(key), "%c/%s%s%s",
             kind == PD_SUBJECT_TARGET  ? 't'
             : kind == PD_SUBJECT_MEDIA ? 'm'
                                        : 's',
             id, check[0] ? "/" : "", check);
    struct subject *s = pd_hashmap_get(&e->subjects, key);
    if (s)
        return s;
    if (e->n_all == e->cap_all) {
        size_t cap = 2 * e->cap_all + 64;
        struct subject **grown = realloc(e->all, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        e->all = grown;
        e->cap_all = cap;
    }
    if (!(s = calloc(1, sizeof(*s))) || !(s->key = strdup(key)) || !(s->id = strdup(id)) ||
        !(s->check = strdup(check)) || pd_hashmap_put(&e->subjects, s->key, s) < 0) {
        if (s) {
            free(s->key);
            free(s->id);
            free(s->check);
        }
        free(s);
        return NULL;
    }
    s->kind = kind;
    e->all[e->n_all++] = s;
    return s;
}

static const struct pd_check_conf *check_of(const struct pd_target_conf *t, const char *check)
{
    for (size_t i = 0; t && t->tmpl && i < t->tmpl->n_checks; i++)
        if (strcmp(t->tmpl->checks[i].id, check) == 0)
            return &t->tmpl->checks[i];
    return NULL;
}

/* Is check a media (rtp) check of the target's template? */
static bool media_check(const struct pd_target_conf *t, const char *check)
{
    const struct pd_check_conf *c = check_of(t, check);
    return c && strcmp(c->type, "rtp") == 0;
}

/* An availability check of the target went DOWN: the target's items name
 * it as the failing check (its own transition, which follows, has none). */
static int note_failing_check(struct pd_alert_engine *e, const struct pd_alert_change *c,
                              const struct pd_target_conf *t)
{
    const struct pd_check_conf *cc = check_of(t, c->check_id);
    if (!cc || !cc->availability || c->to != PD_STATE_DOWN)
        return 0;
    struct subject *s = subject(e, PD_SUBJECT_TARGET, c->target_id, "");
    char *check = s ? strdup(c->check_id) : NULL;
    if (!check)
        return -ENOMEM;
    free(s->check);
    s->check = check;
    return 0;
}

static const char *severity_of(const struct pd_alert_engine *e, const struct subject *s,
                               const struct pd_target_conf *t)
{
    if (s->kind == PD_SUBJECT_SYSTEM) {
        const struct pd_system_conf *sys = pd_config_system(e->cfg, s->id);
        if (sys && sys->severity)
            return sys->severity;
    } else if (t && t->tmpl && t->tmpl->severity) {
        return t->tmpl->severity;
    }
    return e->cfg->sla_default_severity ? e->cfg->sla_default_severity : "";
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Hold an item of kind about s for the group. 0 or -ENOMEM. */
static int hold(struct pd_alert_engine *e, struct subject *s, enum pd_alert_kind kind,
                enum pd_state from, enum pd_state to, pd_ns at, pd_ns duration, int64_t tid,
                pd_ns now)
{
    if (e->n_held == e->cap_held) {
        size_t cap = 2 * e->cap_held + 16;
        struct held *grown = realloc(e->held, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        e->held = grown;
        e->cap_held = cap;
    }
    const struct pd_target_conf *t =
        s->kind == PD_SUBJECT_SYSTEM ? NULL : pd_hashmap_get(&e->targets, s->id);
    const struct pd_system_conf *sys =
        s->kind == PD_SUBJECT_SYSTEM ? pd_config_system(e->cfg, s->id) : NULL;
    const char *name = t ? t->name : sys && sys->name ? sys->name : s->id;
    struct held *h = &e->held[e->n_held];
    memset(h, 0, sizeof(*h));
    const char *text[] = {s->id,
                          name,
                          t && t->site ? t->site : "",
                          t && t->type ? t->type : "",
                          severity_of(e, s, t),
                          s->check,
                          s->reason};
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (!(h->strings[i] = dup_or_empty(text[i]))) {
            free_held(h);
            return -ENOMEM;
        }
    h->item = (struct pd_alert_item){
        .kind = kind,
        .subject = s->kind,
        .id = h->strings[0],
        .name = h->strings[1],
        .site = h->strings[2],
        .type = h->strings[3],
        .severity = h->strings[4],
        .check = h->strings[5],
        .reason = h->strings[6],
        .from = pd_state_name(from),
        .to = pd_state_name(to),
        .since = s->down_since ? s->down_since : at,
        .at = at,
        .duration = duration,
    };
    h->transition_id = tid;
    e->n_held++;
    e->stats.items++;
    if (!e->group_due) {
        /* Changes that follow a message closely (a site's devices, probed
         * at different moments of their interval, going down one after
         * the other) wait for group_interval after it, to come together. */
        const struct pd_alerts_conf *a = &e->cfg->alerts;
        e->group_due = now + a->group_wait;
        if (e->last_sent && e->last_sent + a->group_interval > e->group_due)
            e->group_due = e->last_sent + a->group_interval;
    }
    return 0;
}

/* Record an UP/DOWN change for flapping; true when it starts flapping now. */
static bool flap_record(const struct pd_alert_engine *e, struct subject *s, pd_ns at)
{
    unsigned limit = e->cfg->alerts.flap_changes;
    if (limit < 2 || limit > FLAP_RING)
        limit = limit < 2 ? 0 : FLAP_RING;
    s->changes[s->head] = at;
    s->head = (s->head + 1) % FLAP_RING;
    if (s->n_changes < FLAP_RING)
        s->n_changes++;
    if (!limit || s->flapping || s->n_changes < limit)
        return false;
    /* The limit-th latest change within the window of the latest. */
    unsigned i = (s->head + FLAP_RING - limit) % FLAP_RING;
    return at - s->changes[i] <= e->cfg->alerts.flap_window;
}

static pd_ns last_change(const struct subject *s)
{
    return s->n_changes ? s->changes[(s->head + FLAP_RING - 1) % FLAP_RING] : 0;
}

static void schedule_reminder(const struct pd_alert_engine *e, struct subject *s, pd_ns now)
{
    pd_ns every = e->cfg->alerts.remind_every;
    s->next_remind = 0;
    if (every <= 0)
        return;
    s->next_remind = s->down_since + every;
    if (s->next_remind <= now)
        s->next_remind += ((now - s->next_remind) / every + 1) * every;
}

/* Say the problem of s (DOWN since at), unless a window covers it at
 * `when` (its start, or now for an outage a window hid until now). */
static int say_problem(struct pd_alert_engine *e, struct subject *s, enum pd_state from, pd_ns at,
                       pd_ns when, int64_t tid, pd_ns now)
{
    if (in_maintenance(e, s, when)) {
        e->stats.muted++;
        return 0;
    }
    s->said = true;
    schedule_reminder(e, s, now);
    return hold(e, s, PD_ALERT_PROBLEM, from, PD_STATE_DOWN, at, 0, tid, now);
}

/* A subject's state changed to `to` at `at`: what to say, if anything. */
static int changed(struct pd_alert_engine *e, struct subject *s, enum pd_state from,
                   enum pd_state to, pd_ns at, const char *reason, int64_t tid, pd_ns now,
                   bool seeding)
{
    if (reason && reason[0]) {
        char *r = strdup(reason);
        if (!r)
            return -ENOMEM;
        free(s->reason);
        s->reason = r;
    }
    bool unobserved = s->cur == PD_STATE_UNKNOWN; /* just before this change */
    s->cur = to;
    if (to == PD_STATE_UNKNOWN || to == s->definite)
        return 0;
    bool real = s->definite != PD_STATE_UNKNOWN; /* a change, not the first state */
    enum pd_state before = s->definite;
    s->definite = to;
    s->since = at;
    if (to == PD_STATE_DOWN)
        s->down_since = at;
    if (seeding) {
        /* An outage open at the cursor was said before the restart. */
        s->said = to == PD_STATE_DOWN;
        if (real)
            flap_record(e, s, at);
        if (s->said)
            schedule_reminder(e, s, now);
        return 0;
    }
    if (real && flap_record(e, s, at)) {
        s->flapping = true;
        char why[96];
        snprintf(why, sizeof(why), "changed state %u times within %lld s",
                 e->cfg->alerts.flap_changes, (long long)(e->cfg->alerts.flap_window / PD_SEC));
        char *r = strdup(why);
        if (!r)
            return -ENOMEM;
        free(s->reason);
        s->reason = r;
        return hold(e, s, PD_ALERT_FLAPPING, from, to, at, 0, tid, now);
    }
    if (s->flapping) {
        e->stats.suppressed_flapping++;
        return 0;
    }
    if (to == PD_STATE_DOWN && !s->said)
        return say_problem(e, s, before == PD_STATE_UNKNOWN ? from : before, at, at, tid, now);
    if (to == PD_STATE_UP && s->said) {
        s->said = false;
        s->next_remind = 0;
        if (unobserved) {
            /* Down when last seen, up when seen again: the length includes
             * time nobody observed (reports count that part apart). */
            char *r = strdup("up when observed again; not observed for part of the outage "
                             "(probed stopped, or the probe could not run)");
            if (!r)
                return -ENOMEM;
            free(s->reason);
            s->reason = r;
        }
        return hold(e, s, PD_ALERT_RECOVERY, PD_STATE_DOWN, PD_STATE_UP, at, at - s->down_since,
                    tid, now);
    }
    return 0;
}

/* A system's state now from its members' current states (as reports and
 * the dashboard judge it: a member in maintenance at `at` counts as UP). */
static enum pd_state system_state(struct pd_alert_engine *e, const struct pd_system_conf *sys,
                                  pd_ns at, unsigned *up_out, unsigned *need_out)
{
    unsigned up = 0, unknown = 0, n = 0;
    for (size_t i = 0; i < sys->n_members; i++) {
        if (!pd_hashmap_get(&e->targets, sys->members[i]))
            continue; /* not in service */
        n++;
        char key[PD_ID_MAX + 3];
        snprintf(key, sizeof(key), "t/%s", sys->members[i]);
        const struct subject *m = pd_hashmap_get(&e->subjects, key);
        enum pd_state st = m ? m->cur : PD_STATE_UNKNOWN;
        if (st == PD_STATE_UP || (m && in_maintenance(e, m, at)))
            up++;
        else if (st == PD_STATE_UNKNOWN)
            unknown++;
    }
    unsigned need = sys->rule == 0 ? n : sys->rule == 1 ? 1 : sys->k;
    if (need > n)
        need = n;
    *up_out = up;
    *need_out = need;
    if (n == 0)
        return PD_STATE_UNKNOWN;
    return up >= need ? PD_STATE_UP : up + unknown < need ? PD_STATE_DOWN : PD_STATE_UNKNOWN;
}

static int systems_of(struct pd_alert_engine *e, const char *target_id, pd_ns at, int64_t tid,
                      pd_ns now, bool seeding)
{
    for (size_t i = 0; i < e->cfg->n_systems; i++) {
        const struct pd_system_conf *sys = &e->cfg->systems[i];
        if (target_id && !system_has(sys, target_id))
            continue;
        unsigned up, need;
        enum pd_state st = system_state(e, sys, at, &up, &need);
        struct subject *s = subject(e, PD_SUBJECT_SYSTEM, sys->id, "");
        if (!s)
            return -ENOMEM;
        if (st == s->cur)
            continue;
        char why[128];
        snprintf(why, sizeof(why), "%u of %zu members up, %u needed", up, sys->n_members, need);
        int rc = changed(e, s, s->cur, st, at, why, tid, now, seeding);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int feed(struct pd_alert_engine *e, const struct pd_alert_change *c, pd_ns now, bool seeding)
{
    if (c->id > e->fed)
        e->fed = c->id;
    const struct pd_target_conf *t = pd_hashmap_get(&e->targets, c->target_id);
    struct subject *s;
    if (c->check_id[0]) {
        if (!media_check(t, c->check_id))
            return note_failing_check(e, c, t); /* they speak through their target */
        s = subject(e, PD_SUBJECT_MEDIA, c->target_id, c->check_id);
    } else {
        s = subject(e, PD_SUBJECT_TARGET, c->target_id, "");
    }
    if (!s)
        return -ENOMEM;
    int rc = changed(e, s, c->from, c->to, c->at, c->reason, c->id, now, seeding);
    if (rc == 0 && !c->check_id[0] && !seeding)
        rc = systems_of(e, c->target_id, c->at, c->id, now, false);
    return rc;
}

int pd_alert_engine_seed(struct pd_alert_engine *e, const struct pd_alert_change *c)
{
    return feed(e, c, c->at, true);
}

void pd_alert_engine_seeded(struct pd_alert_engine *e)
{
    /* Silently: with no member state yet, a system is UNKNOWN. */
    systems_of(e, NULL, 0, 0, 0, true);
}

int pd_alert_engine_change(struct pd_alert_engine *e, const struct pd_alert_change *c, pd_ns now)
{
    return feed(e, c, now, false);
}

/* Reminders, settled flapping, and outages a window hid, due at now. */
/* Still in the configuration? A retired device or a removed system keeps
 * its subject (it may come back) but is reminded of no more. */
static bool configured(const struct pd_alert_engine *e, const struct subject *s)
{
    if (s->kind == PD_SUBJECT_SYSTEM)
        return pd_config_system(e->cfg, s->id) != NULL;
    const struct pd_target_conf *t = pd_hashmap_get(&e->targets, s->id);
    return t && (s->kind == PD_SUBJECT_TARGET || media_check(t, s->check));
}

static int due_items(struct pd_alert_engine *e, pd_ns now)
{
    const struct pd_alerts_conf *a = &e->cfg->alerts;
    for (size_t i = 0; i < e->n_all; i++) {
        struct subject *s = e->all[i];
        int rc = 0;
        if (!configured(e, s))
            continue;
        if (s->flapping) {
            if (now - last_change(s) < a->flap_window)
                continue;
            s->flapping = false;
            s->n_changes = 0;
            /* Say where it settled, if that differs from what was said. */
            if (s->definite == PD_STATE_DOWN && !s->said)
                rc = say_problem(e, s, PD_STATE_UP, s->down_since, now, 0, now);
            else if (s->definite == PD_STATE_UP && s->said) {
                s->said = false;
                s->next_remind = 0;
                rc = hold(e, s, PD_ALERT_RECOVERY, PD_STATE_DOWN, PD_STATE_UP, s->since,
                          s->since - s->down_since, 0, now);
            }
        } else if (s->definite == PD_STATE_DOWN && s->cur == PD_STATE_DOWN && !s->said &&
                   !in_maintenance(e, s, now)) {
            rc = say_problem(e, s, PD_STATE_UP, s->down_since, now, 0, now);
        } else if (s->said && s->cur == PD_STATE_DOWN && s->next_remind && now >= s->next_remind) {
            pd_ns every = a->remind_every;
            s->next_remind += ((now - s->next_remind) / every + 1) * every;
            rc = hold(e, s, PD_ALERT_REMINDER, PD_STATE_DOWN, PD_STATE_DOWN, now,
                      now - s->down_since, 0, now);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool in_list(char *const *list, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], v) == 0)
            return true;
    return false;
}

static bool route_matches(const struct pd_alert_engine *e, const struct pd_route_conf *r,
                          const struct pd_alert_item *it)
{
    if (it->kind == PD_ALERT_RECOVERY && !r->recoveries)
        return false;
    if (r->n_severities && !in_list(r->severities, r->n_severities, it->severity))
        return false;
    if (r->n_types && !in_list(r->types, r->n_types, it->type))
        return false;
    if (r->n_sites) {
        bool any = false;
        for (size_t i = 0; i < r->n_sites && !any; i++)
            any = it->site[0] && site_under(it->site, r->sites[i]);
        if (!any)
            return false;
    }
    if (r->n_systems) {
        bool any = false;
        for (size_t i = 0; i < r->n_systems && !any; i++) {
            if (it->subject == PD_SUBJECT_SYSTEM) {
                any = strcmp(it->id, r->systems[i]) == 0;
            } else {
                const struct pd_system_conf *sys = pd_config_system(e->cfg, r->systems[i]);
                any = sys && system_has(sys, it->id);
            }
        }
        if (!any)
            return false;
    }
    return true;
}

/* One message per channel with the held items its routes match. */
static int flush(struct pd_alert_engine *e, pd_ns now, pd_alert_emit_fn emit, void *arg)
{
    const struct pd_alerts_conf *a = &e->cfg->alerts;
    struct pd_alert_item *items = calloc(e->n_held + 1, sizeof(*items));
    bool *routed = calloc(e->n_held + 1, sizeof(*routed));
    bool *used = calloc(a->n_routes + 1, sizeof(*used)); /* per channel: routes that matched */
    char *routes = NULL;
    int rc = 0, sent = 0;
    if (!items || !routed || !used) {
        rc = -ENOMEM;
        goto out;
    }
    size_t routes_cap = 1;
    for (size_t r = 0; r < a->n_routes; r++)
        routes_cap += strlen(a->routes[r].id) + 1;
    if (!(routes = malloc(routes_cap))) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t c = 0; c < a->n_channels; c++) {
        const struct pd_channel_conf *ch = &a->channels[c];
        size_t n = 0;
        memset(used, 0, (a->n_routes + 1) * sizeof(*used));
        /* Items in the order they happened, each once however many
         * routes lead it here. */
        for (size_t i = 0; i < e->n_held; i++) {
            bool in = false;
            for (size_t r = 0; r < a->n_routes; r++) {
                const struct pd_route_conf *rt = &a->routes[r];
                if (!in_list(rt->channels, rt->n_channels, ch->id) ||
                    !route_matches(e, rt, &e->held[i].item))
                    continue;
                in = used[r] = true;
            }
            if (in) {
                routed[i] = true;
                items[n++] = e->held[i].item;
            }
        }
        if (!n)
            continue;
        routes[0] = '\0';
        for (size_t r = 0; r < a->n_routes; r++)
            if (used[r]) {
                if (routes[0])
                    strcat(routes, ",");
                strcat(routes, a->routes[r].id);
            }
        const char *kind = pd_alert_kind_name(items[0].kind);
        for (size_t i = 1; i < n; i++)
            if (items[i].kind != items[0].kind)
                kind = "mixed";
        struct pd_alert_out o = {
            .channel = ch,
            .routes = routes,
            .kind = kind,
            .msg = {.route = routes, .created = now, .items = items, .n_items = n},
        };
        if ((rc = emit(&o, arg)) != 0)
            goto out;
        sent++;
    }
    e->emitted_unrouted = 0;
    for (size_t i = 0; i < e->n_held; i++)
        e->emitted_unrouted += !routed[i];
    /* Kept until the caller says the messages are stored. */
    e->n_emitted = e->n_held;
    e->emitted_messages = (unsigned)sent;
    e->emitted_at = now;
    rc = sent;
out:
    free(items);
    free(routed);
    free(used);
    free(routes);
    return rc;
}

int pd_alert_engine_tick(struct pd_alert_engine *e, pd_ns now, pd_alert_emit_fn emit, void *arg)
{
    e->n_emitted = 0; /* a group emitted and never confirmed is emitted again */
    int rc = due_items(e, now);
    if (rc < 0)
        return rc;
    if (!e->group_due || now < e->group_due)
        return 0;
    return flush(e, now, emit, arg);
}

void pd_alert_engine_sent(struct pd_alert_engine *e, bool stored)
{
    if (!e->n_emitted)
        return;
    if (stored) {
        for (size_t i = 0; i < e->n_held; i++)
            free_held(&e->held[i]);
        e->n_held = 0;
        e->group_due = 0;
        e->stats.messages += e->emitted_messages;
        e->stats.unrouted += e->emitted_unrouted;
        if (e->emitted_messages)
            e->last_sent = e->emitted_at;
    }
    e->n_emitted = 0;
}

pd_ns pd_alert_engine_next(const struct pd_alert_engine *e, pd_ns now)
{
    if (e->group_due && e->group_due < now + IDLE_TICK)
        return e->group_due;
    return now + IDLE_TICK;
}

int64_t pd_alert_engine_cursor(const struct pd_alert_engine *e)
{
    int64_t c = e->fed;
    for (size_t i = e->n_emitted; i < e->n_held; i++)
        if (e->held[i].transition_id && e->held[i].transition_id - 1 < c)
            c = e->held[i].transition_id - 1;
    return c;
}

void pd_alert_engine_stats(const struct pd_alert_engine *e, struct pd_alert_engine_stats *out)
{
    *out = e->stats;
}
