#include "web_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *web_state_name(enum web_state s)
{
    static const char *const names[] = {"up", "down", "unknown", "maintenance"};
    return s < WEB_N_STATES ? names[s] : "unknown";
}

enum web_state web_state_parse(const char *stored)
{
    if (strcmp(stored, "UP") == 0)
        return WEB_UP;
    if (strcmp(stored, "DOWN") == 0)
        return WEB_DOWN;
    return WEB_UNKNOWN;
}

struct load {
    struct web_model *m;
    int rc;
};

static char *dup(const char *s)
{
    return strdup(s ? s : "");
}

static int status_row(const struct pd_status_row *r, void *arg)
{
    struct load *l = arg;
    struct web_model *m = l->m;
    struct web_target *t = m->n_targets ? &m->targets[m->n_targets - 1] : NULL;
    if (!t || strcmp(t->id, r->target_id) != 0) {
        if (m->n_targets == m->cap_targets) {
            size_t cap = m->cap_targets ? 2 * m->cap_targets : 64;
            void *p = realloc(m->targets, cap * sizeof(*m->targets));
            if (!p)
                return l->rc = -ENOMEM;
            m->targets = p;
            m->cap_targets = cap;
        }
        t = &m->targets[m->n_targets++];
        *t = (struct web_target){.id = dup(r->target_id),
                                 .name = dup(r->name),
                                 .address = dup(r->address),
                                 .type = dup(r->type),
                                 .site = dup(r->site),
                                 .state = dup("UNKNOWN"),
                                 .reason = dup("")};
        if (!t->id || !t->name || !t->address || !t->type || !t->site || !t->state || !t->reason)
            return l->rc = -ENOMEM;
    }
    if (!r->check_id[0]) {
        free(t->state);
        free(t->reason);
        t->state = dup(r->state);
        t->reason = dup(r->last_reason);
        t->since = r->since;
        return t->state && t->reason ? 0 : (l->rc = -ENOMEM);
    }
    if (t->n_checks == t->cap_checks) {
        size_t cap = t->cap_checks ? 2 * t->cap_checks : 4;
        void *p = realloc(t->checks, cap * sizeof(*t->checks));
        if (!p)
            return l->rc = -ENOMEM;
        t->checks = p;
        t->cap_checks = cap;
    }
    struct web_check *c = &t->checks[t->n_checks++];
    *c = (struct web_check){.id = dup(r->check_id),
                            .state = dup(r->state),
                            .verdict = dup(r->last_verdict),
                            .reason = dup(r->last_reason),
                            .metrics = dup(r->last_metrics),
                            .since = r->since,
                            .last = r->last};
    if (!c->id || !c->state || !c->verdict || !c->reason || !c->metrics)
        return l->rc = -ENOMEM;
    return 0;
}

/* site is path itself or below it. */
static bool site_under(const char *site, const char *path)
{
    size_t n = strlen(path);
    return strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static bool covers(const char *scope, const char *what, const struct web_target *t)
{
    if (strcmp(scope, "all") == 0)
        return true;
    if (strcmp(scope, "target") == 0)
        return strcmp(what, t->id) == 0;
    if (strcmp(scope, "site") == 0)
        return site_under(t->site, what);
    return false; /* a system's window covers the system's own timeline */
}

static int mark(struct web_model *m, const char *scope, const char *what, const char *reason)
{
    for (size_t i = 0; i < m->n_targets; i++) {
        struct web_target *t = &m->targets[i];
        if (t->maintenance || !covers(scope, what, t))
            continue;
        t->maintenance = true;
        if (!(t->maint_reason = dup(reason)))
            return -ENOMEM;
    }
    return 0;
}

static int maint_row(const struct pd_maint_row *r, void *arg)
{
    struct load *l = arg;
    if (r->start <= l->m->now && l->m->now < r->end && mark(l->m, r->scope, r->what, r->reason) < 0)
        return l->rc = -ENOMEM;
    return 0;
}

int web_model_load(struct pd_db *db, const struct pd_maint_conf *conf_windows, size_t n_windows,
                   const char *site, const char *target, pd_ns now, struct web_model *m)
{
    struct load l = {m, 0};
    memset(m, 0, sizeof(*m));
    m->now = now;
    int rc = pd_db_status(db, site, target, status_row, &l);
    if (rc == 0)
        rc = pd_db_maintenance(db, now, now + 1, 0, maint_row, &l);
    for (size_t i = 0; rc == 0 && i < n_windows; i++) {
        /* The store names a window's scope as text: the same words. */
        static const char *const scopes[] = {[PD_MAINT_CONF_ALL] = "all",
                                             [PD_MAINT_CONF_TARGET] = "target",
                                             [PD_MAINT_CONF_SITE] = "site",
                                             [PD_MAINT_CONF_SYSTEM] = "system"};
        const struct pd_maint_conf *w = &conf_windows[i];
        if (w->start <= now && now < w->end &&
            mark(m, scopes[w->scope], w->what ? w->what : "", w->reason) < 0)
            rc = -ENOMEM;
    }
    if (l.rc)
        rc = l.rc;
    for (size_t i = 0; rc == 0 && i < m->n_targets; i++) {
        struct web_target *t = &m->targets[i];
        enum web_state s = web_state_parse(t->state);
        t->shown = t->maintenance && s != WEB_UP ? WEB_MAINT : s;
        /* The target's own row carries no reason: that of its first check
         * in the same state says why. */
        for (size_t k = 0; !t->reason[0] && s != WEB_UP && k < t->n_checks; k++)
            if (strcmp(t->checks[k].state, t->state) == 0) {
                char *r = dup(t->checks[k].reason);
                if (!r) {
                    rc = -ENOMEM;
                    break;
                }
                free(t->reason);
                t->reason = r;
            }
    }
    if (rc < 0)
        web_model_free(m);
    return rc < 0 ? rc : 0;
}

void web_model_free(struct web_model *m)
{
    for (size_t i = 0; i < m->n_targets; i++) {
        struct web_target *t = &m->targets[i];
        free(t->id);
        free(t->name);
        free(t->address);
        free(t->type);
        free(t->site);
        free(t->state);
        free(t->reason);
        free(t->maint_reason);
        for (size_t k = 0; k < t->n_checks; k++) {
            struct web_check *c = &t->checks[k];
            free(c->id);
            free(c->state);
            free(c->verdict);
            free(c->reason);
            free(c->metrics);
        }
        free(t->checks);
    }
    free(m->targets);
    memset(m, 0, sizeof(*m));
}
