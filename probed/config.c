#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "inventory.h"
#include "log.h"
#include "options.h"
#include "config_priv.h"
#include "yaml_tree.h"

struct loader {
    struct pd_yreader r; /* r.file is owned by cfg->files, r.dir is dir */
    struct pd_config *cfg;
    char *dir; /* absolute directory of the main file */
    struct pd_target_list targets;
    const struct pd_ynode *const *rra_nodes; /* borrowed from the tree */
    const struct pd_config_subst *subst;     /* borrowed; NULL: every file from disk */
    int subst_read;                          /* subst's text was read */
};

int pd_id_valid(const char *id)
{
    if (!id)
        return 0;
    size_t len = strlen(id);
    if (len == 0 || len > PD_ID_MAX)
        return 0;
    if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
        return 0;
    return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

int pd_site_valid(const char *site)
{
    if (!site || strlen(site) > 255)
        return 0;
    char seg[PD_ID_MAX + 1];
    for (const char *p = site;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n > PD_ID_MAX)
            return 0;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (!pd_id_valid(seg))
            return 0;
        if (p[n] == '\0')
            return 1;
        p += n + 1;
    }
}

int pd_duration_parse(const char *text, pd_ns *out)
{
    pd_ns total = 0;
    const char *p = text;

    if (!p || !*p)
        return -EINVAL;
    if (strcmp(p, "0") == 0) { /* zero needs no unit */
        *out = 0;
        return 0;
    }
    while (*p) {
        pd_ns n = 0, unit;
        if (*p < '0' || *p > '9')
            return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++)
            if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, *p - '0', &n))
                return -EINVAL;
        if (p[0] == 'm' && p[1] == 's')
            unit = PD_MSEC, p += 2;
        else if (p[0] == 'u' && p[1] == 's')
            unit = PD_MSEC / 1000, p += 2;
        else if (*p == 's')
            unit = PD_SEC, p++;
        else if (*p == 'm')
            unit = PD_MINUTE, p++;
        else if (*p == 'h')
            unit = PD_HOUR, p++;
        else if (*p == 'd')
            unit = PD_DAY, p++;
        else if (*p == 'w')
            unit = 7 * PD_DAY, p++;
        else
            return -EINVAL;
        if (__builtin_mul_overflow(n, unit, &n) || __builtin_add_overflow(total, n, &total))
            return -EINVAL;
    }
    *out = total;
    return 0;
}

const struct pd_template *pd_config_template(const struct pd_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_templates; i++)
        if (cfg->templates[i].name && strcmp(cfg->templates[i].name, name) == 0)
            return &cfg->templates[i];
    return NULL;
}

const char *pd_target_profile(const struct pd_target_conf *t, const char *plugin)
{
    return plugin && strcmp(plugin, "snmp") == 0 ? t->snmp_profile : NULL;
}

const char *pd_config_file_label(struct pd_config *cfg, const char *path)
{
    char **files = realloc(cfg->files, (cfg->n_files + 1) * sizeof(*files));
    if (!files)
        return NULL;
    cfg->files = files;
    if (!(files[cfg->n_files] = strdup(path)))
        return NULL;
    return files[cfg->n_files++];
}

static void load_timezone(struct loader *ld, const struct pd_ynode *node)
{
    const char *dir = getenv("TZDIR");
    char path[PATH_MAX];
    struct stat st;

    if (pd_yread_string(&ld->r, node, "timezone", &ld->cfg->timezone) < 0)
        return;
    const char *tz = ld->cfg->timezone;
    int ok = tz[0] != '/' && !strstr(tz, "..") &&
             strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
                 strlen(tz);
    if (ok) {
        int n =
            snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
        ok = n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    }
    if (!ok)
        pd_yfail(&ld->r, node,
                 "unknown time zone '%s': expected an IANA name such as Asia/Shanghai or UTC", tz);
}

static void load_log(struct loader *ld, const struct pd_ynode *log)
{
    static const char *const keys[] = {"level", "target", NULL};
    const struct pd_ynode *v;
    if (pd_ywant(&ld->r, log, PD_YMAP, "log") < 0)
        return;
    pd_ycheck_keys(&ld->r, log, keys, "log");
    if ((v = pd_yget(log, "level")) && pd_ywant(&ld->r, v, PD_YSCALAR, "log level") == 0) {
        int level = pd_log_level_parse(v->text);
        if (level < 0)
            pd_yfail(&ld->r, v,
                     "unknown log level '%s' (expected one of: error, warning, notice, info, "
                     "debug)",
                     v->text);
        else
            ld->cfg->log_level = level;
    }
    if ((v = pd_yget(log, "target")) && pd_ywant(&ld->r, v, PD_YSCALAR, "log target") == 0) {
        if (strcmp(v->text, "stderr") == 0 || strcmp(v->text, "syslog") == 0)
            ld->cfg->log_syslog = strcmp(v->text, "syslog") == 0;
        else
            pd_yfail(&ld->r, v, "unknown log target '%s' (expected stderr or syslog)", v->text);
    }
}

static void load_storage(struct loader *ld, const struct pd_ynode *st)
{
    static const char *const keys[] = {"queue_size", "heartbeat", "status_refresh", NULL};
    const struct pd_ynode *v;
    long n;
    if (pd_ywant(&ld->r, st, PD_YMAP, "storage") < 0)
        return;
    pd_ycheck_keys(&ld->r, st, keys, "storage");
    if ((v = pd_yget(st, "queue_size")) &&
        pd_yread_long(&ld->r, v, "queue_size", 1024, 16777216, &n) == 0)
        ld->cfg->queue_size = (size_t)n;
    if ((v = pd_yget(st, "heartbeat")))
        pd_yread_duration(&ld->r, v, "heartbeat", PD_SEC, 10 * PD_MINUTE, &ld->cfg->heartbeat);
    if ((v = pd_yget(st, "status_refresh")))
        pd_yread_duration(&ld->r, v, "status_refresh", 0, 10 * PD_MINUTE, &ld->cfg->status_refresh);
}

static int cf_bit(struct loader *ld, const struct pd_ynode *node, unsigned *mask)
{
    static const char *const names[] = {"AVERAGE", "MIN", "MAX", "LAST"};
    if (pd_ywant(&ld->r, node, PD_YSCALAR, "cf") < 0)
        return -EINVAL;
    for (unsigned i = 0; i < 4; i++) {
        if (strcasecmp(node->text, names[i]) == 0) {
            *mask |= 1u << i;
            return 0;
        }
    }
    pd_yfail(&ld->r, node,
             "unknown consolidation function '%s' (expected AVERAGE, MIN, MAX or LAST)",
             node->text);
    return -EINVAL;
}

static void load_rra(struct loader *ld, const struct pd_ynode *node, struct pd_rra_conf *rra)
{
    static const char *const keys[] = {"step", "keep", "cf", NULL};
    const struct pd_ynode *v;
    char buf[32];

    rra->cf = PD_CF_AVERAGE;
    if (pd_ywant(&ld->r, node, PD_YMAP, "an archive") < 0)
        return;
    pd_ycheck_keys(&ld->r, node, keys, "rra");
    if ((v = pd_yget(node, "step")) && !(v->kind == PD_YSCALAR && strcmp(v->text, "1x") == 0)) {
        if (pd_yread_duration(&ld->r, v, "step", PD_SEC, 366 * PD_DAY, &rra->step) == 0 &&
            rra->step % PD_SEC)
            pd_yfail(&ld->r, v, "step must be a whole number of seconds, got %s", v->text);
    }
    if (!(v = pd_yget(node, "keep"))) {
        pd_yfail(&ld->r, node, "missing required key 'keep' in rra");
    } else if (pd_yread_duration(&ld->r, v, "keep", PD_SEC, 100 * 366 * PD_DAY, &rra->keep) == 0 &&
               rra->keep <= rra->step) {
        pd_yfail(&ld->r, v, "keep (%s) must be longer than step (%s)", v->text,
                 pd_duration_format(rra->step, buf, sizeof(buf)));
    }
    if ((v = pd_yget(node, "cf"))) {
        rra->cf = 0;
        if (v->kind == PD_YSEQ) {
            for (size_t i = 0; i < v->n; i++)
                cf_bit(ld, v->items[i], &rra->cf);
            if (v->n == 0)
                pd_yfail(&ld->r, v, "expected at least one consolidation function");
        } else {
            cf_bit(ld, v, &rra->cf);
        }
    }
}

const struct pd_rra_conf pd_rra_defaults[] = {
    {0, 2 * PD_DAY, PD_CF_AVERAGE},
    {5 * PD_MINUTE, 14 * PD_DAY, PD_CF_AVERAGE | PD_CF_MIN | PD_CF_MAX},
    {PD_HOUR, 90 * PD_DAY, PD_CF_AVERAGE | PD_CF_MIN | PD_CF_MAX},
    {PD_DAY, 1825 * PD_DAY, PD_CF_AVERAGE | PD_CF_MIN | PD_CF_MAX},
};
const size_t pd_n_rra_defaults = sizeof(pd_rra_defaults) / sizeof(pd_rra_defaults[0]);

static void load_rrd(struct loader *ld, const struct pd_ynode *rrd)
{
    static const char *const keys[] = {"rras", "write_delay", NULL};
    struct pd_config *cfg = ld->cfg;
    const struct pd_ynode *rras = NULL, *v;

    if (rrd && pd_ywant(&ld->r, rrd, PD_YMAP, "rrd") == 0) {
        pd_ycheck_keys(&ld->r, rrd, keys, "rrd");
        rras = pd_yget(rrd, "rras");
        if ((v = pd_yget(rrd, "write_delay")))
            pd_yread_duration(&ld->r, v, "write_delay", 0, PD_HOUR, &cfg->rrd_write_delay);
    }
    if (rras && pd_ywant(&ld->r, rras, PD_YSEQ, "rras") == 0) {
        if (rras->n == 0)
            pd_yfail(&ld->r, rras, "expected at least one archive in rras");
        if (rras->n && !(cfg->rras = calloc(rras->n, sizeof(*cfg->rras)))) {
            pd_yfail_nomem(&ld->r, rras);
            return;
        }
        for (size_t i = 0; i < rras->n; i++)
            load_rra(ld, rras->items[i], &cfg->rras[cfg->n_rras++]);
        ld->rra_nodes = (const struct pd_ynode *const *)rras->items;
        return;
    }
    if (!(cfg->rras = malloc(sizeof(pd_rra_defaults[0]) * pd_n_rra_defaults))) {
        pd_yfail_nomem(&ld->r, rrd);
        return;
    }
    memcpy(cfg->rras, pd_rra_defaults, sizeof(pd_rra_defaults[0]) * pd_n_rra_defaults);
    cfg->n_rras = pd_n_rra_defaults;
}

/* A list option's items joined by '\n' (its items are one-line values:
 * headers, status ranges), in *out (taken by the caller). */
static int join_list(struct pd_yreader *r, const char *key, const struct pd_ynode *seq, char **out)
{
    size_t len = 1;
    for (size_t i = 0; i < seq->n; i++) {
        const struct pd_ynode *item = seq->items[i];
        if (item->kind != PD_YSCALAR) {
            pd_yfail(r, item, "option '%s': list items must be single values, not %s", key,
                     pd_ykind_name(item));
            return -EINVAL;
        }
        if (strpbrk(item->text, "\r\n")) {
            pd_yfail(r, item, "option '%s': list items must be one line each", key);
            return -EINVAL;
        }
        len += strlen(item->text) + 1;
    }
    char *text = calloc(1, len), *p = text;
    if (!text) {
        pd_yfail_nomem(r, seq);
        return -ENOMEM;
    }
    for (size_t i = 0; i < seq->n; i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", seq->items[i]->text);
    *out = text;
    return 0;
}

/* The values of a mapping (scalars, or lists of scalars), except the keys
 * in skip, as plugin parameters for an option table to parse later. */
int pd_config_collect_params(struct pd_yreader *r, const struct pd_ynode *node,
                             const char *const *skip, struct pd_param **out, size_t *n_out)
{
    struct pd_param *params = calloc(node->n ? node->n : 1, sizeof(*params));
    size_t n = 0;
    if (!params) {
        pd_yfail_nomem(r, node);
        return -ENOMEM;
    }
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(node, i), *v = pd_ymap_value(node, i);
        size_t k = 0;
        while (skip[k] && strcmp(skip[k], key->text) != 0)
            k++;
        if (skip[k] || pd_ynode_is_null(v))
            continue;
        char *value = NULL;
        if (v->kind == PD_YSEQ) {
            if (join_list(r, key->text, v, &value) < 0)
                continue;
        } else if (v->kind != PD_YSCALAR) {
            pd_yfail(r, v, "option '%s' must be a value or a list of values, not %s", key->text,
                     pd_ykind_name(v));
            continue;
        } else if (!(value = strdup(v->text))) {
            pd_yfail_nomem(r, v);
            continue;
        }
        struct pd_param *p = &params[n++];
        p->at = pd_ymark(r, key);
        p->value = value;
        p->is_list = v->kind == PD_YSEQ;
        if (!(p->key = strdup(key->text)))
            pd_yfail_nomem(r, v);
    }
    *out = params;
    *n_out = n;
    return 0;
}

/* The secrets file: its own YAML, merged into the plugins' profiles. It
 * must not be readable by every user: probed refuses to start otherwise,
 * rather than run on credentials anyone on the host can read. */
static void load_secrets(struct loader *ld, const struct pd_ynode *node)
{
    struct pd_config *cfg = ld->cfg;
    struct pd_ynode *root = NULL;
    char *text = NULL;
    size_t len;
    struct stat st;

    if (pd_yread_path(&ld->r, node, "secrets", &cfg->secrets) < 0)
        return;
    const char *label = pd_config_file_label(cfg, cfg->secrets);
    if (!label) {
        pd_yfail_nomem(&ld->r, node);
        return;
    }
    if (stat(label, &st) == 0 && (st.st_mode & S_IROTH)) {
        pd_yfail(&ld->r, node,
                 "secrets file %s is readable by every user (mode %04o); make it private, "
                 "e.g. chmod 600 %s",
                 label, (unsigned)(st.st_mode & 07777), label);
        return;
    }
    if (pd_read_file(label, &text, &len, ld->r.err, ld->r.errlen) < 0) {
        ld->r.rc = -EINVAL;
        return;
    }
    struct pd_yreader r = ld->r;
    r.file = label;
    if (pd_yaml_parse(label, text, len, &root, ld->r.err, ld->r.errlen) < 0) {
        ld->r.rc = -EINVAL;
    } else {
        pd_config_merge_secrets(&r, cfg, root);
        if (r.rc < 0)
            ld->r.rc = r.rc;
    }
    pd_ynode_free(root);
    /* The text held secrets: leave nothing of it in freed memory. */
    explicit_bzero(text, len);
    free(text);
}

static void load_plugins(struct loader *ld, const struct pd_ynode *node)
{
    static const char *const own[] = {"profiles", NULL};
    struct pd_config *cfg = ld->cfg;
    if (pd_ywant(&ld->r, node, PD_YMAP, "plugins") < 0)
        return;
    if (!(cfg->plugins = calloc(node->n ? node->n : 1, sizeof(*cfg->plugins)))) {
        pd_yfail_nomem(&ld->r, node);
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(node, i), *v = pd_ymap_value(node, i);
        struct pd_plugin_conf *pc = &cfg->plugins[cfg->n_plugins];
        if (pd_ynode_is_null(v) || pd_ywant(&ld->r, v, PD_YMAP, "plugin settings") < 0)
            continue;
        pc->at = pd_ymark(&ld->r, key);
        if (pd_yread_id(&ld->r, key, "plugin name", &pc->name) < 0)
            continue;
        cfg->n_plugins++;
        pd_config_collect_params(&ld->r, v, own, &pc->params, &pc->n_params);
        const struct pd_ynode *profiles = pd_yget(v, "profiles");
        if (profiles)
            pd_config_load_profiles(&ld->r, pc, profiles);
    }
}

/* A 1x archive holds rows of the check's interval: keep must exceed it. */
static void check_rra_keeps(struct loader *ld)
{
    const struct pd_config *cfg = ld->cfg;
    pd_ns longest = 0;
    char keep[32], interval[32];
    for (size_t t = 0; t < cfg->n_templates; t++)
        for (size_t c = 0; c < cfg->templates[t].n_checks; c++)
            if (cfg->templates[t].checks[c].interval > longest)
                longest = cfg->templates[t].checks[c].interval;
    for (size_t i = 0; i < cfg->n_rras && ld->rra_nodes; i++) {
        const struct pd_rra_conf *r = &cfg->rras[i];
        if (r->step == 0 && r->keep > 0 && r->keep <= longest)
            pd_yfail(
                &ld->r, pd_yget(ld->rra_nodes[i], "keep"),
                "keep (%s) of a 1x archive must be longer than the longest check interval (%s)",
                pd_duration_format(r->keep, keep, sizeof(keep)),
                pd_duration_format(longest, interval, sizeof(interval)));
    }
}

static void load_target(struct loader *ld, const struct pd_ynode *node)
{
    static const char *const keys[] = {"id",   "name",         "address", "type",
                                       "site", "snmp_profile", NULL};
    struct pd_target_conf t = {.at = pd_ymark(&ld->r, node)};
    char **slot[PD_TF_COUNT] = {&t.id, &t.name, &t.address, &t.type, &t.site, &t.snmp_profile};
    struct pd_mark at[PD_TF_COUNT];
    int ok = 1;

    if (pd_ywant(&ld->r, node, PD_YMAP, "a target") < 0)
        return;
    pd_ycheck_keys(&ld->r, node, keys, "target");
    for (int f = 0; f < PD_TF_COUNT; f++) {
        const struct pd_ynode *v = pd_yget(node, keys[f]);
        at[f] = pd_ymark(&ld->r, v ? v : node);
        if (!v && f != PD_TF_NAME && f != PD_TF_SNMP_PROFILE) {
            pd_yfail(&ld->r, node, "missing required key '%s' in target", keys[f]);
            ok = 0;
        } else if (v && pd_yread_string(&ld->r, v, keys[f], slot[f]) < 0) {
            ok = 0;
        }
    }
    if (!ok) {
        for (int f = 0; f < PD_TF_COUNT; f++)
            free(*slot[f]);
        return;
    }
    int rc = pd_target_add(&ld->targets, ld->cfg, &t, at, ld->r.err, ld->r.errlen);
    if (rc < 0 && ld->r.rc == 0)
        ld->r.rc = rc;
}

/* The inventory file probectl is about to write, read from its text
 * instead of from the disk; once, whichever pattern names it first. */
static void load_subst(struct loader *ld, const struct pd_ynode *v)
{
    const struct pd_config_subst *s = ld->subst;
    const char *label = pd_config_file_label(ld->cfg, s->label ? s->label : s->path);
    ld->subst_read = 1;
    if (!label) {
        pd_yfail_nomem(&ld->r, v);
        return;
    }
    int rc =
        pd_inventory_parse(&ld->targets, ld->cfg, label, s->text, s->len, ld->r.err, ld->r.errlen);
    if (rc < 0 && ld->r.rc == 0)
        ld->r.rc = rc;
}

static void load_inventory(struct loader *ld, const struct pd_ynode *node)
{
    struct pd_config *cfg = ld->cfg;
    const struct pd_ynode *const *items = (const struct pd_ynode *const *)&node;
    size_t n = 1;

    /* A single pattern may be written without the list. */
    if (node->kind == PD_YSEQ) {
        items = (const struct pd_ynode *const *)node->items;
        n = node->n;
    }
    if (n && !(cfg->inventory = calloc(n, sizeof(*cfg->inventory)))) {
        pd_yfail_nomem(&ld->r, node);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *v = items[i];
        char **pattern = &cfg->inventory[cfg->n_inventory++];
        glob_t g;
        if (pd_yread_path(&ld->r, v, "an inventory file or pattern", pattern) < 0)
            continue;
        /* A substituted file that does not exist yet is one of this
         * pattern's matches if its name fits. */
        int subst_here = ld->subst && !ld->subst_read &&
                         fnmatch(*pattern, ld->subst->path, FNM_PATHNAME | FNM_PERIOD) == 0;
        int grc = glob(*pattern, 0, NULL, &g);
        if (grc == GLOB_NOMATCH && strpbrk(*pattern, "*?[") == NULL && !subst_here)
            pd_yfail(&ld->r, v, "inventory file %s: %s", *pattern, strerror(ENOENT));
        else if (grc == GLOB_NOSPACE)
            pd_yfail_nomem(&ld->r, v);
        else if (grc == GLOB_ABORTED)
            pd_yfail(&ld->r, v, "cannot read the directories of %s", *pattern);
        for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++) {
            if (ld->subst && strcmp(g.gl_pathv[k], ld->subst->path) == 0) {
                if (!ld->subst_read)
                    load_subst(ld, v);
                continue;
            }
            int seen = 0;
            for (size_t j = 0; j < cfg->n_files && !seen; j++)
                seen = strcmp(cfg->files[j], g.gl_pathv[k]) == 0;
            if (seen)
                continue;
            const char *label = pd_config_file_label(cfg, g.gl_pathv[k]);
            if (!label) {
                pd_yfail_nomem(&ld->r, v);
                break;
            }
            int rc = pd_inventory_load(&ld->targets, cfg, label, ld->r.err, ld->r.errlen);
            if (rc < 0 && ld->r.rc == 0)
                ld->r.rc = rc;
        }
        if (subst_here && !ld->subst_read)
            load_subst(ld, v);
        globfree(&g);
    }
}

static int set_defaults(struct pd_config *cfg)
{
    cfg->log_level = PD_LOG_INFO;
    cfg->sla_availability_min = 95;
    cfg->sla_mtbf_min = 360 * PD_HOUR;
    cfg->sla_coverage_min = 99;
    cfg->queue_size = 65536;
    cfg->heartbeat = 60 * PD_SEC;
    cfg->status_refresh = 30 * PD_SEC;
    cfg->rrd_write_delay = 60 * PD_SEC;
    cfg->dns_refresh = 5 * PD_MINUTE;
    cfg->dns_retry = 30 * PD_SEC;
    cfg->data_dir = strdup("/var/lib/probed");
    cfg->timezone = strdup("UTC");
    cfg->sla_default_severity = strdup("general");
    if (pd_config_web_defaults(&cfg->web) < 0 || pd_config_alerts_defaults(&cfg->alerts) < 0)
        return -ENOMEM;
    pd_config_inspection_defaults(&cfg->inspection);
    return cfg->data_dir && cfg->timezone && cfg->sla_default_severity ? 0 : -ENOMEM;
}

static void load_root(struct loader *ld, const struct pd_ynode *root)
{
    static const char *const keys[] = {
        "data_dir",  "timezone",    "user",           "pid_file",   "plugin_dir", "log",
        "inventory", "templates",   "template_files", "targets",    "sla",        "rrd",
        "storage",   "dns_refresh", "dns_retry",      "plugins",    "systems",    "maintenance",
        "secrets",   "web",         "alerts",         "inspection", NULL};
    struct pd_config *cfg = ld->cfg;
    const struct pd_ynode *v;

    if (root && pd_ywant(&ld->r, root, PD_YMAP, "the configuration") < 0)
        root = NULL;
    if (root)
        pd_ycheck_keys(&ld->r, root, keys, "the configuration");
    if ((v = pd_yget(root, "data_dir")))
        pd_yread_path(&ld->r, v, "data_dir", &cfg->data_dir);
    if ((v = pd_yget(root, "timezone")))
        load_timezone(ld, v);
    if ((v = pd_yget(root, "user")))
        pd_yread_string(&ld->r, v, "user", &cfg->user);
    if ((v = pd_yget(root, "pid_file")))
        pd_yread_path(&ld->r, v, "pid_file", &cfg->pid_file);
    if ((v = pd_yget(root, "plugin_dir")))
        pd_yread_path(&ld->r, v, "plugin_dir", &cfg->plugin_dir);
    if ((v = pd_yget(root, "log")))
        load_log(ld, v);
    if ((v = pd_yget(root, "storage")))
        load_storage(ld, v);
    if ((v = pd_yget(root, "dns_refresh")))
        pd_yread_duration(&ld->r, v, "dns_refresh", PD_SEC, PD_DAY, &cfg->dns_refresh);
    if ((v = pd_yget(root, "dns_retry")))
        pd_yread_duration(&ld->r, v, "dns_retry", PD_SEC, PD_DAY, &cfg->dns_retry);
    if ((v = pd_yget(root, "plugins")))
        load_plugins(ld, v);
    pd_config_load_web(&ld->r, &cfg->web, pd_yget(root, "web"));
    pd_config_load_inspection(&ld->r, &cfg->inspection, pd_yget(root, "inspection"));
    pd_config_load_sla(&ld->r, cfg, pd_yget(root, "sla"));
    load_rrd(ld, pd_yget(root, "rrd"));
    /* The template files first: the main file's templates may extend or
     * (saying so) override theirs. */
    if ((v = pd_yget(root, "template_files")))
        pd_config_load_template_files(&ld->r, cfg, v);
    if ((v = pd_yget(root, "templates")))
        pd_config_load_templates(&ld->r, cfg, v);
    check_rra_keeps(ld);
    if ((v = pd_yget(root, "targets")) && pd_ywant(&ld->r, v, PD_YSEQ, "targets") == 0)
        for (size_t i = 0; i < v->n; i++)
            load_target(ld, v->items[i]);
    if ((v = pd_yget(root, "inventory")))
        load_inventory(ld, v);
}

/* The main file's directory, absolute, so that paths stay right after the
 * daemon changes directory. */
static char *main_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *abs = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    return abs;
}

int pd_config_load(const char *path, struct pd_config **out, char *err, size_t errlen)
{
    return pd_config_load_subst(path, NULL, out, err, errlen);
}

int pd_config_load_subst(const char *path, const struct pd_config_subst *subst,
                         struct pd_config **out, char *err, size_t errlen)
{
    struct loader ld = {.r = {.err = err, .errlen = errlen}, .subst = subst};
    struct pd_ynode *root = NULL;
    char *text = NULL;
    size_t len;
    int rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    pd_target_list_init(&ld.targets);
    if (!(ld.cfg = calloc(1, sizeof(*ld.cfg))) || !(ld.cfg->path = strdup(path)) ||
        set_defaults(ld.cfg) < 0 || !(ld.r.file = pd_config_file_label(ld.cfg, path))) {
        rc = -ENOMEM;
        pd_error_at(err, errlen, NULL, "out of memory");
        goto fail;
    }
    if ((rc = pd_read_file(path, &text, &len, err, errlen)) < 0)
        goto fail;
    if (!(ld.dir = main_dir(path))) {
        rc = -errno;
        struct pd_mark at = {.file = path};
        pd_error_at(err, errlen, &at, "%s", strerror(errno));
        goto fail;
    }
    ld.r.dir = ld.dir;
    if ((rc = pd_yaml_parse(ld.r.file, text, len, &root, err, errlen)) < 0)
        goto fail;
    load_root(&ld, root);
    ld.cfg->targets = ld.targets.v;
    ld.cfg->n_targets = ld.targets.n;
    ld.targets.v = NULL;
    ld.targets.n = 0;
    /* After every target, YAML and CSV: both name targets. */
    if (root && root->kind == PD_YMAP) {
        const struct pd_ynode *v;
        if ((v = pd_yget(root, "systems")))
            pd_config_load_systems(&ld.r, ld.cfg, v);
        if ((v = pd_yget(root, "maintenance")))
            pd_config_load_maintenance(&ld.r, ld.cfg, v);
        /* Routes name severities, templates and systems; the secrets
         * file completes the alert channels as well as the profiles. */
        pd_config_load_alerts(&ld.r, ld.cfg, pd_yget(root, "alerts"));
        if ((v = pd_yget(root, "secrets")))
            load_secrets(&ld, v);
        pd_config_check_alerts(&ld.r, ld.cfg);
    }
    if ((rc = ld.r.rc) < 0)
        goto fail;
    *out = ld.cfg;
    ld.cfg = NULL;
fail:
    pd_target_list_free(&ld.targets);
    pd_config_free(ld.cfg);
    pd_ynode_free(root);
    free(text);
    free(ld.dir);
    return rc;
}

void pd_config_free_params(struct pd_param *params, size_t n)
{
    for (size_t p = 0; params && p < n; p++) {
        free(params[p].key);
        free(params[p].value);
    }
    free(params);
}

void pd_config_free(struct pd_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n_targets; i++) {
        struct pd_target_conf *t = &cfg->targets[i];
        free(t->id);
        free(t->name);
        free(t->address);
        free(t->type);
        free(t->site);
        free(t->snmp_profile);
    }
    free(cfg->targets);
    for (size_t i = 0; i < cfg->n_templates; i++)
        pd_config_free_template(&cfg->templates[i]);
    free(cfg->templates);
    for (size_t i = 0; i < cfg->n_template_files; i++)
        free(cfg->template_files[i]);
    free(cfg->template_files);
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        free(cfg->plugins[i].name);
        pd_config_free_params(cfg->plugins[i].params, cfg->plugins[i].n_params);
        for (size_t k = 0; k < cfg->plugins[i].n_profiles; k++) {
            free(cfg->plugins[i].profiles[k].name);
            pd_config_free_params(cfg->plugins[i].profiles[k].params,
                                  cfg->plugins[i].profiles[k].n_params);
        }
        free(cfg->plugins[i].profiles);
    }
    free(cfg->plugins);
    pd_config_free_sla(cfg);
    pd_config_free_web(&cfg->web);
    pd_config_free_alerts(&cfg->alerts);
    pd_config_free_inspection(&cfg->inspection);
    for (size_t i = 0; i < cfg->n_inventory; i++)
        free(cfg->inventory[i]);
    free(cfg->inventory);
    for (size_t i = 0; i < cfg->n_files; i++)
        free(cfg->files[i]);
    free(cfg->files);
    free(cfg->rras);
    free(cfg->path);
    free(cfg->data_dir);
    free(cfg->timezone);
    free(cfg->user);
    free(cfg->pid_file);
    free(cfg->plugin_dir);
    free(cfg->secrets);
    free(cfg);
}

int pd_config_copy_params(const struct pd_param *from, size_t n, struct pd_param **out)
{
    if (!(*out = calloc(n ? n : 1, sizeof(**out))))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].at = from[i].at;
        (*out)[i].is_list = from[i].is_list;
        if (!((*out)[i].key = strdup(from[i].key)) || !((*out)[i].value = strdup(from[i].value)))
            return -ENOMEM;
    }
    return 0;
}

struct pd_config *pd_config_oneshot(const struct pd_config *base, const char *address,
                                    const struct pd_check_conf *check)
{
    struct pd_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg || !(cfg->path = strdup(base && base->path ? base->path : "(command line)")) ||
        set_defaults(cfg) < 0 || !(cfg->templates = calloc(1, sizeof(*cfg->templates))))
        goto fail;
    cfg->n_templates = 1;
    struct pd_template *tmpl = cfg->templates;
    if (!(tmpl->name = strdup("oneshot")) || !(tmpl->checks = calloc(1, sizeof(*tmpl->checks))))
        goto fail;
    tmpl->n_checks = 1;
    struct pd_check_conf *cc = tmpl->checks;
    *cc = (struct pd_check_conf){.interval = check->interval,
                                 .timeout = check->timeout,
                                 .fail_after = check->fail_after,
                                 .recover_after = check->recover_after,
                                 .availability = 1,
                                 .at = check->at};
    cc->n_params = check->n_params; /* set first: a partial copy is freed whole */
    if (!(cc->id = strdup(check->id)) || !(cc->type = strdup(check->type)) ||
        pd_config_copy_params(check->params, check->n_params, &cc->params) < 0)
        goto fail;
    if (!(cfg->targets = calloc(1, sizeof(*cfg->targets))))
        goto fail;
    cfg->n_targets = 1;
    struct pd_target_conf *t = cfg->targets;
    t->tmpl = tmpl;
    if (!(t->id = strdup("oneshot")) || !(t->name = strdup(address)) ||
        !(t->address = strdup(address)) || !(t->type = strdup("oneshot")) ||
        !(t->site = strdup("oneshot")))
        goto fail;
    for (size_t i = 0; base && i < base->n_plugins; i++) {
        if (!cfg->plugins && !(cfg->plugins = calloc(base->n_plugins, sizeof(*cfg->plugins))))
            goto fail;
        struct pd_plugin_conf *pc = &cfg->plugins[cfg->n_plugins++];
        const struct pd_plugin_conf *from = &base->plugins[i];
        pc->at = from->at;
        pc->n_params = from->n_params;
        if (!(pc->name = strdup(from->name)) ||
            pd_config_copy_params(from->params, from->n_params, &pc->params) < 0)
            goto fail;
        /* Profiles too: a one-shot check names its target's credentials. */
        if (from->n_profiles && !(pc->profiles = calloc(from->n_profiles, sizeof(*pc->profiles))))
            goto fail;
        for (size_t k = 0; k < from->n_profiles; k++) {
            struct pd_profile_conf *to = &pc->profiles[pc->n_profiles++];
            to->at = from->profiles[k].at;
            to->n_params = from->profiles[k].n_params;
            if (!(to->name = strdup(from->profiles[k].name)) ||
                pd_config_copy_params(from->profiles[k].params, from->profiles[k].n_params,
                                      &to->params) < 0)
                goto fail;
        }
    }
    return cfg;
fail:
    pd_config_free(cfg);
    return NULL;
}

const struct pd_plugin_conf *pd_config_plugin(const struct pd_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_plugins; i++)
        if (strcmp(cfg->plugins[i].name, name) == 0)
            return &cfg->plugins[i];
    return NULL;
}
