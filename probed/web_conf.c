#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "web_priv.h"

/* The request threads' copy of the configuration: only what reports and
 * system pages read (report_source.c: targets with their template,
 * templates' severities and check types, severities, systems, windows
 * (also every page's "in maintenance now"),
 * the SLA defaults; the files for the configuration's hash), so that a
 * reload never frees what a request is reading. */

static int dup_to(char **dst, const char *src)
{
    if (!src) {
        *dst = NULL;
        return 0;
    }
    return (*dst = strdup(src)) ? 0 : -ENOMEM;
}

static void free_conf(struct pd_config *c)
{
    for (size_t i = 0; i < c->n_templates; i++) {
        struct pd_template *t = &c->templates[i];
        for (size_t k = 0; k < t->n_checks; k++) {
            free(t->checks[k].id);
            free(t->checks[k].type);
        }
        free(t->checks);
        free(t->name);
        free(t->severity);
    }
    free(c->templates);
    for (size_t i = 0; i < c->n_targets; i++) {
        struct pd_target_conf *t = &c->targets[i];
        free(t->id);
        free(t->name);
        free(t->address);
        free(t->type);
        free(t->site);
    }
    free(c->targets);
    for (size_t i = 0; i < c->n_severities; i++)
        free(c->severities[i].name);
    free(c->severities);
    for (size_t i = 0; i < c->n_systems; i++) {
        struct pd_system_conf *s = &c->systems[i];
        for (size_t k = 0; k < s->n_members; k++)
            free(s->members[k]);
        free(s->members);
        free(s->id);
        free(s->name);
        free(s->severity);
    }
    free(c->systems);
    for (size_t i = 0; i < c->n_maintenance; i++) {
        free(c->maintenance[i].what);
        free(c->maintenance[i].reason);
    }
    free(c->maintenance);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    free(c->data_dir);
    free(c->timezone);
    free(c->sla_default_severity);
}

/* Each array is counted as it fills, so free_conf() frees what a failed
 * copy made so far. */
static int copy_conf(const struct pd_config *s, struct pd_config *c)
{
    c->sla_availability_min = s->sla_availability_min;
    c->sla_mtbf_min = s->sla_mtbf_min;
    c->sla_coverage_min = s->sla_coverage_min;
    if (dup_to(&c->data_dir, s->data_dir) < 0 || dup_to(&c->timezone, s->timezone) < 0 ||
        dup_to(&c->sla_default_severity, s->sla_default_severity) < 0)
        return -ENOMEM;
    if (!(c->templates = calloc(s->n_templates + 1, sizeof(*c->templates))) ||
        !(c->targets = calloc(s->n_targets + 1, sizeof(*c->targets))) ||
        !(c->severities = calloc(s->n_severities + 1, sizeof(*c->severities))) ||
        !(c->systems = calloc(s->n_systems + 1, sizeof(*c->systems))) ||
        !(c->maintenance = calloc(s->n_maintenance + 1, sizeof(*c->maintenance))) ||
        !(c->files = calloc(s->n_files + 1, sizeof(*c->files))))
        return -ENOMEM;
    for (size_t i = 0; i < s->n_templates; i++) {
        const struct pd_template *from = &s->templates[i];
        struct pd_template *t = &c->templates[c->n_templates++];
        if (dup_to(&t->name, from->name) < 0 || dup_to(&t->severity, from->severity) < 0 ||
            !(t->checks = calloc(from->n_checks + 1, sizeof(*t->checks))))
            return -ENOMEM;
        for (size_t k = 0; k < from->n_checks; k++) {
            struct pd_check_conf *ck = &t->checks[t->n_checks++];
            ck->availability = from->checks[k].availability;
            if (dup_to(&ck->id, from->checks[k].id) < 0 ||
                dup_to(&ck->type, from->checks[k].type) < 0)
                return -ENOMEM;
        }
    }
    for (size_t i = 0; i < s->n_targets; i++) {
        const struct pd_target_conf *from = &s->targets[i];
        struct pd_target_conf *t = &c->targets[c->n_targets++];
        if (dup_to(&t->id, from->id) < 0 || dup_to(&t->name, from->name) < 0 ||
            dup_to(&t->address, from->address) < 0 || dup_to(&t->type, from->type) < 0 ||
            dup_to(&t->site, from->site) < 0)
            return -ENOMEM;
        /* The template by position: the same index in the copy. */
        if (from->tmpl)
            t->tmpl = &c->templates[from->tmpl - s->templates];
    }
    for (size_t i = 0; i < s->n_severities; i++) {
        c->severities[i] = s->severities[i];
        c->severities[i].name = NULL;
        c->n_severities++;
        if (dup_to(&c->severities[i].name, s->severities[i].name) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < s->n_systems; i++) {
        const struct pd_system_conf *from = &s->systems[i];
        struct pd_system_conf *y = &c->systems[c->n_systems++];
        y->rule = from->rule;
        y->k = from->k;
        if (dup_to(&y->id, from->id) < 0 || dup_to(&y->name, from->name) < 0 ||
            dup_to(&y->severity, from->severity) < 0 ||
            !(y->members = calloc(from->n_members + 1, sizeof(*y->members))))
            return -ENOMEM;
        for (size_t k = 0; k < from->n_members; k++)
            if (dup_to(&y->members[y->n_members++], from->members[k]) < 0)
                return -ENOMEM;
    }
    for (size_t i = 0; i < s->n_maintenance; i++) {
        const struct pd_maint_conf *from = &s->maintenance[i];
        struct pd_maint_conf *m = &c->maintenance[c->n_maintenance++];
        m->start = from->start;
        m->end = from->end;
        m->scope = from->scope;
        if (dup_to(&m->what, from->what) < 0 || dup_to(&m->reason, from->reason) < 0)
            return -ENOMEM;
    }
    /* The secrets file is not part of the report's hash (probectl report). */
    for (size_t i = 0; i < s->n_files; i++)
        if ((!s->secrets || strcmp(s->files[i], s->secrets) != 0) &&
            dup_to(&c->files[c->n_files++], s->files[i]) < 0)
            return -ENOMEM;
    return 0;
}

int web_conf_new(const struct pd_config *cfg, struct web_conf **out)
{
    struct web_conf *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return -ENOMEM;
    c->refs = 1;
    if (copy_conf(cfg, &c->cfg) < 0) {
        free_conf(&c->cfg);
        free(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void web_conf_free(struct web_conf *c)
{
    if (!c)
        return;
    free_conf(&c->cfg);
    free(c);
}

const struct pd_system_conf *web_conf_system(const struct web_conf *c, const char *id)
{
    for (size_t i = 0; i < c->cfg.n_systems; i++)
        if (strcmp(c->cfg.systems[i].id, id) == 0)
            return &c->cfg.systems[i];
    return NULL;
}
