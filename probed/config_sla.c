/*
 * The configuration's contract side: the SLA policy and its severities,
 * systems (groups of targets judged as one) and maintenance windows.
 */
#include "config_priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

const struct pd_severity_conf *pd_config_severity(const struct pd_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_severities; i++)
        if (cfg->severities[i].name && strcmp(cfg->severities[i].name, name) == 0)
            return &cfg->severities[i];
    return NULL;
}

const struct pd_system_conf *pd_config_system(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; id && i < cfg->n_systems; i++)
        if (cfg->systems[i].id && strcmp(cfg->systems[i].id, id) == 0)
            return &cfg->systems[i];
    return NULL;
}

void pd_config_severity_names(const struct pd_config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_severities && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         cfg->severities[i].name ? cfg->severities[i].name : "?");
        used += n > 0 ? (size_t)n : 0;
    }
}

/* The service levels of REQUIREMENTS.md: MTTR by severity and the share
 * of faults resolved in time, with its floor. */
static int default_severities(struct pd_config *cfg)
{
    static const struct {
        const char *name;
        pd_ns mttr, within95, within90;
    } defs[] = {
        {"emergency", 60 * PD_MINUTE, 30 * PD_MINUTE, 60 * PD_MINUTE},
        {"important", 25 * PD_MINUTE, 15 * PD_MINUTE, 25 * PD_MINUTE},
        {"general", 15 * PD_MINUTE, 5 * PD_MINUTE, 10 * PD_MINUTE},
    };
    cfg->severities = calloc(3, sizeof(*cfg->severities));
    if (!cfg->severities)
        return -ENOMEM;
    for (size_t i = 0; i < 3; i++) {
        struct pd_severity_conf *s = &cfg->severities[i];
        if (!(s->name = strdup(defs[i].name)))
            return -ENOMEM;
        cfg->n_severities++;
        s->availability_min = NAN;
        s->mtbf_min = -1;
        s->mttr_max = defs[i].mttr;
        s->resolved[0].share_pct = 95;
        s->resolved[0].within = defs[i].within95;
        s->resolved[1].share_pct = 90;
        s->resolved[1].within = defs[i].within90;
        s->n_resolved = 2;
    }
    return 0;
}

static int read_percent(struct pd_yreader *r, const struct pd_ynode *v, const char *what,
                        double *out)
{
    double d;
    if (pd_ywant(r, v, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (pd_text_double(v->text, &d) < 0 || d < 0 || d > 100) {
        pd_yfail(r, v, "expected a percentage 0..100 for %s, got '%s'", what, v->text);
        return -EINVAL;
    }
    *out = d;
    return 0;
}

static void load_resolved(struct pd_yreader *r, const struct pd_ynode *list,
                          struct pd_severity_conf *s)
{
    static const char *const keys[] = {"share", "within", NULL};
    if (pd_ywant(r, list, PD_YSEQ, "resolved") < 0)
        return;
    if (list->n > PD_CONFIG_MAX_RESOLVED) {
        pd_yfail(r, list, "at most %d resolved-within rules per severity, got %zu",
                 PD_CONFIG_MAX_RESOLVED, list->n);
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct pd_ynode *rule = list->items[i], *v;
        if (pd_ywant(r, rule, PD_YMAP, "a rule { share: 95, within: 30m }") < 0)
            continue;
        pd_ycheck_keys(r, rule, keys, "resolved rule");
        if (!(v = pd_yget(rule, "share")) || !pd_yget(rule, "within")) {
            pd_yfail(r, rule,
                     "a resolved rule needs both 'share' (percent) and 'within' "
                     "(duration), e.g. { share: 95, within: 30m }");
            continue;
        }
        read_percent(r, v, "share", &s->resolved[s->n_resolved].share_pct);
        pd_yread_duration(r, pd_yget(rule, "within"), "within", PD_SEC, 365 * PD_DAY,
                          &s->resolved[s->n_resolved].within);
        s->n_resolved++;
    }
}

static void load_severities(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *sev)
{
    static const char *const keys[] = {"availability_min", "mtbf_min", "mttr_max", "resolved",
                                       NULL};
    if (pd_ywant(r, sev, PD_YMAP, "severities") < 0)
        return;
    if (sev->n == 0) {
        pd_yfail(r, sev, "expected at least one severity");
        return;
    }
    if (!(cfg->severities = calloc(sev->n, sizeof(*cfg->severities)))) {
        pd_yfail_nomem(r, sev);
        return;
    }
    for (size_t i = 0; i < sev->n; i++) {
        struct pd_severity_conf *s = &cfg->severities[cfg->n_severities++];
        const struct pd_ynode *v = pd_ymap_value(sev, i), *x;
        s->availability_min = NAN;
        s->mtbf_min = -1;
        pd_yread_id(r, pd_ymap_key(sev, i), "severity name", &s->name);
        if (pd_ynode_is_null(v))
            continue;
        if (pd_ywant(r, v, PD_YMAP, "a severity") < 0)
            continue;
        pd_ycheck_keys(r, v, keys, "severity");
        if ((x = pd_yget(v, "availability_min")))
            read_percent(r, x, "availability_min", &s->availability_min);
        if ((x = pd_yget(v, "mtbf_min")))
            pd_yread_duration(r, x, "mtbf_min", 0, 366 * PD_DAY, &s->mtbf_min);
        if ((x = pd_yget(v, "mttr_max")))
            pd_yread_duration(r, x, "mttr_max", 0, 365 * PD_DAY, &s->mttr_max);
        if ((x = pd_yget(v, "resolved")))
            load_resolved(r, x, s);
    }
}

void pd_config_load_sla(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *sla)
{
    static const char *const keys[] = {"availability_min", "mtbf_min",   "coverage_min",
                                       "default_severity", "severities", NULL};
    const struct pd_ynode *v, *def = NULL, *sev = NULL;

    if (sla && pd_ywant(r, sla, PD_YMAP, "sla") == 0) {
        pd_ycheck_keys(r, sla, keys, "sla");
        if ((v = pd_yget(sla, "availability_min")))
            read_percent(r, v, "availability_min", &cfg->sla_availability_min);
        if ((v = pd_yget(sla, "mtbf_min")))
            pd_yread_duration(r, v, "mtbf_min", 0, 366 * PD_DAY, &cfg->sla_mtbf_min);
        if ((v = pd_yget(sla, "coverage_min")))
            read_percent(r, v, "coverage_min", &cfg->sla_coverage_min);
        if ((def = pd_yget(sla, "default_severity")))
            pd_yread_id(r, def, "default_severity", &cfg->sla_default_severity);
        sev = pd_yget(sla, "severities");
    }
    if (sev)
        load_severities(r, cfg, sev);
    else if (default_severities(cfg) < 0)
        pd_yfail_nomem(r, sla);
    for (size_t i = 0; i < cfg->n_severities; i++) {
        struct pd_severity_conf *s = &cfg->severities[i];
        if (isnan(s->availability_min))
            s->availability_min = cfg->sla_availability_min;
        if (s->mtbf_min < 0)
            s->mtbf_min = cfg->sla_mtbf_min;
    }
    if (cfg->sla_default_severity && cfg->n_severities > 0 &&
        !pd_config_severity(cfg, cfg->sla_default_severity)) {
        char names[256];
        pd_config_severity_names(cfg, names, sizeof(names));
        pd_yfail(r, def ? def : sev, "unknown severity '%s' for default_severity (configured: %s)",
                 cfg->sla_default_severity, names);
    }
}

static const struct pd_target_conf *find_target(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (cfg->targets[i].id && strcmp(cfg->targets[i].id, id) == 0)
            return &cfg->targets[i];
    return NULL;
}

static int site_under(const char *site, const char *path)
{
    size_t n = strlen(path);
    return site && strncmp(site, path, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static int add_member(struct pd_system_conf *s, size_t *cap, const char *id)
{
    for (size_t i = 0; i < s->n_members; i++)
        if (strcmp(s->members[i], id) == 0)
            return 0;
    if (s->n_members == *cap) {
        size_t ncap = *cap ? 2 * *cap : 8;
        char **p = realloc(s->members, ncap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        s->members = p;
        *cap = ncap;
    }
    if (!(s->members[s->n_members] = strdup(id)))
        return -ENOMEM;
    s->n_members++;
    return 0;
}

/* One entry of `members`: a target id, "site:PATH" (every target there
 * and below) or "type:NAME" (every target of that device type). */
static void expand_member(struct pd_yreader *r, const struct pd_config *cfg,
                          struct pd_system_conf *s, size_t *cap, const struct pd_ynode *v)
{
    if (pd_ywant(r, v, PD_YSCALAR, "a member") < 0)
        return;
    const char *text = v->text;
    int by_site = strncmp(text, "site:", 5) == 0, by_type = strncmp(text, "type:", 5) == 0;
    if (!by_site && !by_type) {
        if (!find_target(cfg, text))
            pd_yfail(r, v, "system member '%s' is not a target id (or use site:PATH, type:NAME)",
                     text);
        else if (add_member(s, cap, text) < 0)
            pd_yfail_nomem(r, v);
        return;
    }
    const char *arg = text + 5;
    size_t matched = 0;
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const struct pd_target_conf *t = &cfg->targets[i];
        if (!(by_site ? site_under(t->site, arg) : t->type && strcmp(t->type, arg) == 0))
            continue;
        matched++;
        if (add_member(s, cap, t->id) < 0) {
            pd_yfail_nomem(r, v);
            return;
        }
    }
    if (!matched)
        pd_yfail(r, v, "system member '%s' matches no target", text);
}

static void load_system(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *key,
                        const struct pd_ynode *node, struct pd_system_conf *s)
{
    static const char *const keys[] = {"name", "rule", "k", "severity", "members", NULL};
    const struct pd_ynode *v, *members;
    size_t cap = 0;

    s->at = pd_ymark(r, key);
    pd_yread_id(r, key, "system id", &s->id);
    if (pd_ywant(r, node, PD_YMAP, "a system") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "system");
    if ((v = pd_yget(node, "name")))
        pd_yread_string(r, v, "name", &s->name);
    else if (s->id && !(s->name = strdup(s->id)))
        pd_yfail_nomem(r, node);
    if ((v = pd_yget(node, "severity"))) {
        if (pd_yread_id(r, v, "severity", &s->severity) == 0 && !pd_config_severity(cfg, v->text)) {
            char names[256];
            pd_config_severity_names(cfg, names, sizeof(names));
            pd_yfail(r, v, "unknown severity '%s' (configured: %s)", v->text, names);
        }
    } else if (cfg->sla_default_severity && !(s->severity = strdup(cfg->sla_default_severity))) {
        pd_yfail_nomem(r, node);
    }
    if (!(members = pd_yget(node, "members"))) {
        pd_yfail(r, node, "missing required key 'members' in system");
        return;
    }
    if (pd_ywant(r, members, PD_YSEQ, "members") < 0)
        return;
    for (size_t i = 0; i < members->n; i++)
        expand_member(r, cfg, s, &cap, members->items[i]);
    if (members->n == 0)
        pd_yfail(r, members, "a system needs at least one member");

    s->rule = 0;
    if ((v = pd_yget(node, "rule")) && pd_ywant(r, v, PD_YSCALAR, "rule") == 0) {
        if (strcmp(v->text, "all") == 0)
            s->rule = 0;
        else if (strcmp(v->text, "any") == 0)
            s->rule = 1;
        else if (strcmp(v->text, "k_of_n") == 0)
            s->rule = 2;
        else
            pd_yfail(r, v, "unknown rule '%s' (expected all, any or k_of_n)", v->text);
    }
    const struct pd_ynode *k = pd_yget(node, "k");
    if (s->rule == 2 && !k) {
        pd_yfail(r, node, "rule k_of_n needs k, the number of members that must be up");
    } else if (s->rule != 2 && k) {
        pd_yfail(r, k, "k applies only to rule k_of_n");
    } else if (k) {
        long n;
        if (pd_yread_long(r, k, "k", 1, 1000000, &n) == 0) {
            if ((size_t)n > s->n_members && s->n_members > 0)
                pd_yfail(r, k, "k is %ld but the system has only %zu member%s", n, s->n_members,
                         s->n_members == 1 ? "" : "s");
            s->k = (unsigned)n;
        }
    }
}

void pd_config_load_systems(struct pd_yreader *r, struct pd_config *cfg,
                            const struct pd_ynode *node)
{
    if (pd_ywant(r, node, PD_YMAP, "systems") < 0 || node->n == 0)
        return;
    if (!(cfg->systems = calloc(node->n, sizeof(*cfg->systems)))) {
        pd_yfail_nomem(r, node);
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(node, i);
        if (key->text && (pd_config_system(cfg, key->text) || find_target(cfg, key->text)))
            pd_yfail(r, key, "system id '%s' is already used by a %s", key->text,
                     pd_config_system(cfg, key->text) ? "system" : "target");
        load_system(r, cfg, key, pd_ymap_value(node, i), &cfg->systems[cfg->n_systems++]);
    }
}

/* A configured window means the same whatever the zone of the process
 * that reads it: its times carry their UTC offset (Z, +08:00, -0500),
 * after the date. */
static int has_offset(const char *text)
{
    return strlen(text) > 10 && strpbrk(text + 10, "+-Zz") != NULL;
}

static int read_time(struct pd_yreader *r, const struct pd_ynode *v, const char *what, pd_ns *out)
{
    char err[160];
    if (pd_ywant(r, v, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (!has_offset(v->text) || v->text[0] == '+' || v->text[0] == '-') {
        pd_yfail(r, v,
                 "expected %s as a date and time with its UTC offset, e.g. "
                 "2026-11-05T14:30+08:00, got '%s'",
                 what, v->text);
        return -EINVAL;
    }
    if (pd_time_parse(v->text, 0, out, err, sizeof(err)) < 0) {
        pd_yfail(r, v, "%s: %s", what, err);
        return -EINVAL;
    }
    return 0;
}

static void load_window(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *node,
                        struct pd_maint_conf *w)
{
    static const char *const keys[] = {"start",  "end", "target", "site",
                                       "system", "all", "reason", NULL};
    static const char *const scopes[] = {"all", "target", "site", "system"};
    const struct pd_ynode *v, *scope_node = NULL;

    w->at = pd_ymark(r, node);
    if (pd_ywant(r, node, PD_YMAP, "a maintenance window") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "maintenance window");
    int n_scopes = 0;
    for (int i = 0; i < 4; i++) {
        if ((v = pd_yget(node, scopes[i]))) {
            n_scopes++;
            scope_node = v;
            w->scope = (enum pd_maint_conf_scope)i;
        }
    }
    if (n_scopes != 1) {
        pd_yfail(r, node,
                 "a maintenance window names exactly one of target, site, system or "
                 "all: true");
        return;
    }
    if (w->scope == PD_MAINT_CONF_ALL) {
        int all = 0;
        if (pd_yread_bool(r, scope_node, "all", &all) == 0 && !all)
            pd_yfail(r, scope_node, "all: false covers nothing; name a target, site or system");
    } else if (pd_yread_string(r, scope_node, scopes[w->scope], &w->what) == 0) {
        int known = w->scope == PD_MAINT_CONF_TARGET   ? find_target(cfg, w->what) != NULL
                    : w->scope == PD_MAINT_CONF_SYSTEM ? pd_config_system(cfg, w->what) != NULL
                                                       : pd_site_valid(w->what);
        if (!known)
            pd_yfail(r, scope_node, "maintenance window: %s '%s'%s", scopes[w->scope], w->what,
                     w->scope == PD_MAINT_CONF_SITE ? " is not a site path (expected ids joined "
                                                      "by '/', e.g. guizhou/zunyi)"
                                                    : " does not exist");
    }
    if (!(v = pd_yget(node, "start")) || read_time(r, v, "start", &w->start) < 0 ||
        !(v = pd_yget(node, "end")) || read_time(r, v, "end", &w->end) < 0) {
        if (!pd_yget(node, "start") || !pd_yget(node, "end"))
            pd_yfail(r, node, "a maintenance window needs start and end");
        return;
    }
    if (w->end <= w->start)
        pd_yfail(r, v, "maintenance window must end after it starts");
    if ((v = pd_yget(node, "reason")))
        pd_yread_string(r, v, "reason", &w->reason);
}

void pd_config_load_maintenance(struct pd_yreader *r, struct pd_config *cfg,
                                const struct pd_ynode *node)
{
    if (pd_ywant(r, node, PD_YSEQ, "maintenance") < 0 || node->n == 0)
        return;
    if (!(cfg->maintenance = calloc(node->n, sizeof(*cfg->maintenance)))) {
        pd_yfail_nomem(r, node);
        return;
    }
    for (size_t i = 0; i < node->n; i++)
        load_window(r, cfg, node->items[i], &cfg->maintenance[cfg->n_maintenance++]);
}

void pd_config_free_sla(struct pd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_severities; i++)
        free(cfg->severities[i].name);
    free(cfg->severities);
    for (size_t i = 0; i < cfg->n_systems; i++) {
        struct pd_system_conf *s = &cfg->systems[i];
        free(s->id);
        free(s->name);
        free(s->severity);
        for (size_t m = 0; m < s->n_members; m++)
            free(s->members[m]);
        free(s->members);
    }
    free(cfg->systems);
    for (size_t i = 0; i < cfg->n_maintenance; i++) {
        free(cfg->maintenance[i].what);
        free(cfg->maintenance[i].reason);
    }
    free(cfg->maintenance);
    free(cfg->sla_default_severity);
}
