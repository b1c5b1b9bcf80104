/*
 * Templates (device type -> checks): the main file's `templates:` and the
 * template files that `template_files:` names (docs/templates.md).
 *
 * A template file is a YAML mapping of template name to template, the
 * syntax of `templates:`. The files are read first, in the order of their
 * patterns (each pattern's matches sorted), then the main file's
 * templates. A name is defined once: a later definition replaces an earlier
 * one only when it says `override: true`, so that replacing a shipped
 * template is always deliberate and visible (`probectl check-config` shows
 * what replaced what). `extends: NAME` builds a template on one defined
 * before it: the base's severity and checks, less those of
 * `remove_checks:`, with the checks written here merged into the base's of
 * the same id, key by key, and new ids added.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_priv.h"

static const char *const check_own_keys[] = {
    "id", "type", "interval", "timeout", "fail_after", "recover_after", "availability", NULL};

static void check_defaults(struct pd_check_conf *c)
{
    c->interval = 60 * PD_SEC;
    c->fail_after = 3;
    c->recover_after = 2;
}

static void free_check(struct pd_check_conf *c)
{
    pd_config_free_params(c->params, c->n_params);
    free(c->id);
    free(c->type);
}

/* A deep copy of from into to (zeroed); 0 or -ENOMEM, to freed whole by
 * the template that holds it either way. */
static int copy_check(struct pd_check_conf *to, const struct pd_check_conf *from)
{
    *to = *from;
    to->id = to->type = NULL;
    to->params = NULL;
    to->n_params = 0;
    /* A check of the base that had errors may lack them: the load fails
     * anyway, but must get there. */
    if ((from->id && !(to->id = strdup(from->id))) ||
        (from->type && !(to->type = strdup(from->type))))
        return -ENOMEM;
    to->n_params = from->n_params; /* set first: a partial copy is freed whole */
    return pd_config_copy_params(from->params, from->n_params, &to->params);
}

/* The params written in a check (taken) into c's: one of the same key
 * replaces the base's, a new one is added. */
static int merge_params(struct pd_check_conf *c, struct pd_param *add, size_t n_add)
{
    if (c->n_params == 0) {
        pd_config_free_params(c->params, 0);
        c->params = add;
        c->n_params = n_add;
        return 0;
    }
    struct pd_param *all = realloc(c->params, (c->n_params + n_add + 1) * sizeof(*all));
    if (!all) {
        pd_config_free_params(add, n_add);
        return -ENOMEM;
    }
    c->params = all;
    for (size_t i = 0; i < n_add; i++) {
        size_t k = 0;
        while (k < c->n_params && strcmp(c->params[k].key, add[i].key) != 0)
            k++;
        if (k < c->n_params) {
            free(c->params[k].key);
            free(c->params[k].value);
        } else {
            c->n_params++;
        }
        c->params[k] = add[i];
    }
    free(add);
    return 0;
}

/* Read the check node onto c, which holds either the defaults (a new
 * check) or a copy of the base template's check of the same id. The
 * caller has read the id. */
static void read_check(struct pd_yreader *r, const struct pd_ynode *node, struct pd_check_conf *c,
                       const char *base)
{
    const struct pd_ynode *v, *interval, *timeout;
    struct pd_param *params = NULL;
    size_t n_params = 0;
    char buf[32], buf2[32];
    long n;

    c->at = pd_ymark(r, node);
    if (pd_config_collect_params(r, node, check_own_keys, &params, &n_params) < 0)
        return;
    if (merge_params(c, params, n_params) < 0) {
        pd_yfail_nomem(r, node);
        return;
    }
    if ((v = pd_yget(node, "type"))) {
        if (base && c->type && pd_ywant(r, v, PD_YSCALAR, "check type") == 0 &&
            strcmp(v->text, c->type) != 0)
            pd_yfail(r, v,
                     "check '%s' of template '%s' is of type %s: a check that changes it cannot "
                     "change its type (give this one another id)",
                     c->id ? c->id : "?", base, c->type);
        else if (!base || !c->type)
            pd_yread_id(r, v, "check type", &c->type);
    } else if (!c->type && !base) { /* a base's check without one was reported there */
        pd_yfail(r, node, "missing required key 'type' in check");
    }
    if ((interval = pd_yget(node, "interval")))
        pd_yread_duration(r, interval, "interval", PD_SEC, PD_DAY, &c->interval);
    /* A round must end, timeout included, before its next slot: one still
     * running then is skipped. 10% of the interval is left for that. */
    if ((timeout = pd_yget(node, "timeout"))) {
        if (pd_yread_duration(r, timeout, "timeout", PD_MSEC, PD_DAY, &c->timeout) == 0) {
            c->timeout_written = 1;
            if (c->timeout > c->interval / 10 * 9)
                pd_yfail(r, timeout,
                         "timeout (%s) must be at most 90%% of the interval (%s), so that a "
                         "round ends before the next one starts",
                         timeout->text, pd_duration_format(c->interval, buf, sizeof(buf)));
        }
    } else if (!c->timeout_written) {
        c->timeout = c->interval / 2 < 10 * PD_SEC ? c->interval / 2 : 10 * PD_SEC;
    } else if (interval && c->timeout > c->interval / 10 * 9) {
        pd_yfail(r, interval,
                 "the timeout of check '%s' of template '%s' (%s) must be at most 90%% of the "
                 "interval (%s): set a shorter timeout here too",
                 c->id ? c->id : "?", base, pd_duration_format(c->timeout, buf, sizeof(buf)),
                 pd_duration_format(c->interval, buf2, sizeof(buf2)));
    }
    if ((v = pd_yget(node, "fail_after")) && pd_yread_long(r, v, "fail_after", 1, 100, &n) == 0)
        c->fail_after = (int)n;
    if ((v = pd_yget(node, "recover_after")) &&
        pd_yread_long(r, v, "recover_after", 1, 100, &n) == 0)
        c->recover_after = (int)n;
    if ((v = pd_yget(node, "availability")) &&
        pd_yread_bool(r, v, "availability", &c->availability) == 0)
        c->availability_written = 1;
}

/* The checks that say `availability:` decide as written; without any that
 * says true, the first icmp check (or the first check) decides. */
static void pick_availability(struct pd_template *tmpl)
{
    int any = 0;
    for (size_t i = 0; i < tmpl->n_checks; i++) {
        struct pd_check_conf *c = &tmpl->checks[i];
        if (!c->availability_written)
            c->availability = 0;
        any |= c->availability;
    }
    if (any)
        return;
    for (size_t i = 0; i < tmpl->n_checks; i++) {
        if (tmpl->checks[i].type && strcmp(tmpl->checks[i].type, "icmp") == 0) {
            tmpl->checks[i].availability = 1;
            return;
        }
    }
    if (tmpl->n_checks > 0)
        tmpl->checks[0].availability = 1;
}

static void template_names(const struct pd_config *cfg, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        const char *name = cfg->templates[i].name ? cfg->templates[i].name : "?";
        int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The template named, among those defined so far, or -1. */
static long template_index(const struct pd_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_templates; i++)
        if (cfg->templates[i].name && strcmp(cfg->templates[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* The base's checks, copied into tmpl->checks (room for n_more more). */
static int copy_base_checks(struct pd_template *tmpl, const struct pd_template *base, size_t n_more)
{
    if (!(tmpl->checks = calloc(base->n_checks + n_more + 1, sizeof(*tmpl->checks))))
        return -ENOMEM;
    for (size_t i = 0; i < base->n_checks; i++)
        if (copy_check(&tmpl->checks[tmpl->n_checks++], &base->checks[i]) < 0)
            return -ENOMEM;
    return 0;
}

/* `remove_checks: [id, ...]` (or one id): the base's checks left out. */
static void remove_checks(struct pd_yreader *r, struct pd_template *tmpl,
                          const struct pd_template *base, const struct pd_ynode *node)
{
    const struct pd_ynode *const *items = (const struct pd_ynode *const *)&node;
    size_t n = 1;
    if (node->kind == PD_YSEQ) {
        items = (const struct pd_ynode *const *)node->items;
        n = node->n;
    }
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *v = items[i];
        if (pd_ywant(r, v, PD_YSCALAR, "a check id to remove") < 0)
            continue;
        size_t k = 0;
        while (k < tmpl->n_checks &&
               !(tmpl->checks[k].id && strcmp(tmpl->checks[k].id, v->text) == 0))
            k++;
        if (k < tmpl->n_checks) {
            free_check(&tmpl->checks[k]);
            memmove(&tmpl->checks[k], &tmpl->checks[k + 1],
                    (tmpl->n_checks - k - 1) * sizeof(*tmpl->checks));
            memset(&tmpl->checks[--tmpl->n_checks], 0, sizeof(*tmpl->checks));
            continue;
        }
        char ids[512];
        size_t used = 0;
        int twice = 0;
        ids[0] = '\0';
        for (size_t c = 0; c < base->n_checks && used < sizeof(ids); c++) {
            const char *id = base->checks[c].id ? base->checks[c].id : "?";
            int w = snprintf(ids + used, sizeof(ids) - used, "%s%s", c ? ", " : "", id);
            used += w > 0 ? (size_t)w : 0;
            twice |= strcmp(id, v->text) == 0;
        }
        if (twice)
            pd_yfail(r, v, "remove_checks: check '%s' is removed twice", v->text);
        else
            pd_yfail(r, v, "remove_checks: template '%s' has no check '%s' (its checks: %s)",
                     base->name, v->text, ids);
    }
}

static void load_checks(struct pd_yreader *r, struct pd_template *tmpl,
                        const struct pd_ynode *checks, const struct pd_template *base)
{
    size_t n_base = tmpl->n_checks;
    /* Which checks a node of this template wrote: a second node of the
     * same id is a duplicate, whether the id is the base's or new. */
    const struct pd_ynode **by = calloc(n_base + checks->n + 1, sizeof(*by));
    if (!by) {
        pd_yfail_nomem(r, checks);
        return;
    }
    for (size_t i = 0; i < checks->n; i++) {
        const struct pd_ynode *node = checks->items[i], *id;
        char *name = NULL;
        if (pd_ywant(r, node, PD_YMAP, "a check") < 0)
            continue;
        if (!(id = pd_yget(node, "id")))
            pd_yfail(r, node, "missing required key 'id' in check");
        else
            pd_yread_id(r, id, "check id", &name);
        size_t k = 0;
        while (name && k < tmpl->n_checks &&
               !(tmpl->checks[k].id && strcmp(tmpl->checks[k].id, name) == 0))
            k++;
        if (name && k < tmpl->n_checks && by[k]) {
            pd_yfail(r, id, "duplicate check id '%s' in template '%s' (first at line %d)", name,
                     tmpl->name ? tmpl->name : "?", by[k]->line);
            free(name);
            continue;
        }
        if (!name || k == tmpl->n_checks) {
            k = tmpl->n_checks++;
            check_defaults(&tmpl->checks[k]);
            tmpl->checks[k].id = name;
        } else {
            free(name);
        }
        by[k] = node;
        read_check(r, node, &tmpl->checks[k], k < n_base ? base->name : NULL);
    }
    free(by);
}

/* One template from key: node into tmpl (zeroed), with the templates
 * defined before it in cfg for extends. */
static void load_template(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *key,
                          const struct pd_ynode *node, struct pd_template *tmpl)
{
    static const char *const keys[] = {"severity", "checks",        "extends",
                                       "override", "remove_checks", NULL};
    const struct pd_ynode *v, *checks;
    const struct pd_template *base = NULL;

    tmpl->at = pd_ymark(r, key);
    pd_yread_id(r, key, "template name", &tmpl->name);
    if (pd_ywant(r, node, PD_YMAP, "a template") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "template");
    if ((v = pd_yget(node, "extends")) && pd_yread_id(r, v, "extends", &tmpl->extends) == 0) {
        long b = template_index(cfg, tmpl->extends);
        if (b >= 0) {
            base = &cfg->templates[b];
        } else {
            char names[512];
            template_names(cfg, cfg->n_templates, names, sizeof(names));
            pd_yfail(r, v,
                     "extends '%s': no template of that name is defined before this one "
                     "(defined: %s)",
                     v->text, names[0] ? names : "none");
        }
    }
    if ((v = pd_yget(node, "severity"))) {
        if (pd_yread_id(r, v, "severity", &tmpl->severity) == 0 &&
            !pd_config_severity(cfg, v->text)) {
            char names[256];
            pd_config_severity_names(cfg, names, sizeof(names));
            pd_yfail(r, v, "unknown severity '%s' (configured: %s)", v->text, names);
        }
    } else if (base && base->severity) {
        if (!(tmpl->severity = strdup(base->severity)))
            pd_yfail_nomem(r, node);
    } else if (cfg->sla_default_severity && !(tmpl->severity = strdup(cfg->sla_default_severity))) {
        pd_yfail_nomem(r, node);
    }
    checks = pd_yget(node, "checks");
    if (checks && pd_ywant(r, checks, PD_YSEQ, "checks") < 0)
        return;
    if ((v = pd_yget(node, "remove_checks")) && !base && !pd_yget(node, "extends"))
        pd_yfail(r, v, "remove_checks is for a template that extends another");
    if (base) {
        /* Only what differs needs writing: the checks may be left out. */
        if (copy_base_checks(tmpl, base, checks ? checks->n : 0) < 0) {
            pd_yfail_nomem(r, node);
            return;
        }
        if (v)
            remove_checks(r, tmpl, base, v);
    } else if (!checks) {
        pd_yfail(r, node, "missing required key 'checks' in template");
        return;
    } else if (checks->n == 0) {
        pd_yfail(r, checks, "expected at least one check");
        return;
    } else if (!(tmpl->checks = calloc(checks->n, sizeof(*tmpl->checks)))) {
        pd_yfail_nomem(r, checks);
        return;
    }
    if (checks)
        load_checks(r, tmpl, checks, base);
    if (base && tmpl->n_checks == 0)
        pd_yfail(r, key, "template '%s' has no check left: expected at least one",
                 tmpl->name ? tmpl->name : "?");
    pick_availability(tmpl);
}

/* The templates of one mapping (the main file's `templates:` or a
 * template file's root), added to cfg->templates. where: for messages. */
static void load_mapping(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *map)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(map, i), *node = pd_ymap_value(map, i);
        const struct pd_ynode *ov = node->kind == PD_YMAP ? pd_yget(node, "override") : NULL;
        int override = 0;
        if (ov)
            pd_yread_bool(r, ov, "override", &override);
        long was = template_index(cfg, key->text);
        struct pd_template tmpl = {0};
        load_template(r, cfg, key, node, &tmpl);
        if (was >= 0 && !override) {
            const struct pd_mark *at = &cfg->templates[was].at;
            pd_yfail(r, key,
                     "template '%s' is already defined at %s:%d:%d; to replace it, write "
                     "'override: true' in this one",
                     key->text, at->file, at->line, at->col);
            pd_config_free_template(&tmpl);
            continue;
        }
        if (was < 0 && override) {
            pd_yfail(r, ov,
                     "override: template '%s' replaces nothing: no template of that name is "
                     "defined before this one",
                     key->text);
            pd_config_free_template(&tmpl);
            continue;
        }
        if (was >= 0) {
            tmpl.replaced = cfg->templates[was].at;
            pd_config_free_template(&cfg->templates[was]);
            cfg->templates[was] = tmpl;
            continue;
        }
        struct pd_template *all =
            realloc(cfg->templates, (cfg->n_templates + 1) * sizeof(*cfg->templates));
        if (!all) {
            pd_yfail_nomem(r, key);
            pd_config_free_template(&tmpl);
            return;
        }
        cfg->templates = all;
        cfg->templates[cfg->n_templates++] = tmpl;
    }
}

void pd_config_load_templates(struct pd_yreader *r, struct pd_config *cfg,
                              const struct pd_ynode *node)
{
    if (pd_ywant(r, node, PD_YMAP, "templates") == 0)
        load_mapping(r, cfg, node);
}

/* The same file, by device and inode: the main file may be named by a
 * relative path, a pattern's matches are absolute. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* One template file: its errors name it. */
static void load_file(struct pd_yreader *main, struct pd_config *cfg, const char *label)
{
    struct pd_yreader r = *main;
    struct pd_ynode *root = NULL;
    char *text = NULL;
    size_t len;

    r.file = label;
    r.rc = 0;
    if (pd_read_file(label, &text, &len, r.err, r.errlen) < 0 ||
        pd_yaml_parse(label, text, len, &root, r.err, r.errlen) < 0) {
        main->rc = -EINVAL;
        goto done;
    }
    if (root && root->kind == PD_YMAP && root->n == 1 &&
        strcmp(pd_ymap_key(root, 0)->text, "templates") == 0) {
        /* The easy mistake: a main file's section pasted whole. */
        pd_yfail(&r, pd_ymap_key(root, 0),
                 "a template file maps template names to templates directly; write them "
                 "without the 'templates:' key");
    } else if (root &&
               pd_ywant(&r, root, PD_YMAP, "a template file (template names to templates)") == 0) {
        load_mapping(&r, cfg, root);
    }
    if (r.rc < 0 && main->rc != -ENOMEM)
        main->rc = r.rc;
done:
    pd_ynode_free(root);
    free(text);
}

void pd_config_load_template_files(struct pd_yreader *r, struct pd_config *cfg,
                                   const struct pd_ynode *node)
{
    const struct pd_ynode *const *items = (const struct pd_ynode *const *)&node;
    size_t n = 1;

    /* A single pattern may be written without the list. */
    if (node->kind == PD_YSEQ) {
        items = (const struct pd_ynode *const *)node->items;
        n = node->n;
    }
    if (n && !(cfg->template_files = calloc(n, sizeof(*cfg->template_files)))) {
        pd_yfail_nomem(r, node);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *v = items[i];
        char **pattern = &cfg->template_files[cfg->n_template_files++];
        glob_t g;
        if (pd_yread_path(r, v, "a template file or pattern", pattern) < 0)
            continue;
        int grc = glob(*pattern, 0, NULL, &g);
        /* Unlike an inventory directory, templates are configuration:
         * a pattern that matches nothing is a path that is wrong (the
         * package installed elsewhere), found here rather than as an
         * unknown type at every target. */
        if (grc == GLOB_NOMATCH && strpbrk(*pattern, "*?[") == NULL)
            pd_yfail(r, v, "template file %s: %s", *pattern, strerror(ENOENT));
        else if (grc == GLOB_NOMATCH)
            pd_yfail(r, v, "template_files: %s matches no file", *pattern);
        else if (grc == GLOB_NOSPACE)
            pd_yfail_nomem(r, v);
        else if (grc == GLOB_ABORTED)
            pd_yfail(r, v, "cannot read the directories of %s", *pattern);
        for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++) {
            /* A file matched twice is read once; the main file never. */
            int seen = same_file(cfg->files[0], g.gl_pathv[k]);
            for (size_t j = 1; j < cfg->n_files && !seen; j++)
                seen = strcmp(cfg->files[j], g.gl_pathv[k]) == 0;
            if (seen)
                continue;
            const char *label = pd_config_file_label(cfg, g.gl_pathv[k]);
            if (!label) {
                pd_yfail_nomem(r, v);
                break;
            }
            load_file(r, cfg, label);
        }
        globfree(&g);
    }
}

void pd_config_free_template(struct pd_template *t)
{
    for (size_t c = 0; c < t->n_checks; c++)
        free_check(&t->checks[c]);
    free(t->checks);
    free(t->name);
    free(t->severity);
    free(t->extends);
}

const char *pd_config_template_origin(const struct pd_template *t, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s:%d:%d", t->at.file ? t->at.file : "?", t->at.line, t->at.col);
    size_t used = n > 0 ? (size_t)n : 0;
    if (t->extends && used < len) {
        n = snprintf(buf + used, len - used, ", extends %s", t->extends);
        used += n > 0 ? (size_t)n : 0;
    }
    if (t->replaced.file && used < len)
        snprintf(buf + used, len - used, ", overrides %s:%d:%d", t->replaced.file, t->replaced.line,
                 t->replaced.col);
    return buf;
}
