/* One change of the managed inventory file, the same way for every
 * subcommand: validated by the daemon's loader, shown, written, reloaded. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hashmap.h"
#include "inventory.h"
#include "inventory_diff.h"
#include "options.h"
#include "probectl_inventory_priv.h"
#include "registry.h"
#include "text_table.h"
#include "timefmt.h"

#define ERR_LEN (PCTL_INV_MAX_ERRORS * 320)

int pctl_inv_common_option(int opt, const char *arg, struct pctl_inv_opts *o, const char *cmd,
                           FILE *errout)
{
    switch (opt) {
    case 'F':
        o->file = arg;
        return 1;
    case 'n':
        o->dry_run = 1;
        return 1;
    case 'R':
        o->reuse_retired = 1;
        return 1;
    case 'N':
        o->no_reload = 1;
        return 1;
    case 'f':
        if (pctl_parse_format(arg, 1, &o->format) < 0 || o->format == PCTL_CSV) {
            pctl_usage_error(errout, cmd, "--format must be table or json, not '%s'", arg);
            return 2;
        }
        return 1;
    }
    return 0;
}

/* An id the change adds that the store has seen retired. */
struct retired {
    char *id, *name;
    pd_ns at;
};

struct retired_list {
    struct retired *v;
    size_t n, cap;
    int oom;
};

static int collect_retired(const struct pd_target_row *r, void *arg)
{
    struct retired_list *l = arg;
    if (!r->retired)
        return 0;
    struct retired *grown = pctl_grow(l->v, &l->cap, l->n, sizeof(*l->v));
    if (!grown) {
        l->oom = 1;
        return 1;
    }
    l->v = grown;
    l->v[l->n] = (struct retired){strdup(r->id), strdup(r->name), r->retired};
    if (!l->v[l->n].id || !l->v[l->n].name)
        l->oom = 1;
    l->n++;
    return l->oom;
}

static void retired_free(struct retired_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
    }
    free(l->v);
}

static const struct retired *find_retired(const struct retired_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return &l->v[i];
    return NULL;
}

/* The added ids the event store knows as retired. No store (probed never
 * ran): none. 0, or -errno explained on errout. */
static int load_retired(const struct pd_config *cfg, const struct pd_inv_diff *d,
                        struct retired_list *out, const char *cmd, FILE *errout)
{
    const char **ids = calloc(d->added + 1, sizeof(*ids));
    struct pd_db *db = NULL;
    char err[512] = "";
    size_t n = 0;
    int rc = -ENOMEM;

    if (!ids)
        goto out;
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].kind == PD_INV_ADDED)
            ids[n++] = d->v[i].new->id;
    rc = 0;
    if (n == 0)
        goto out;
    rc = pd_db_open(cfg->data_dir, 1, &db, err, sizeof(err));
    if (rc == -ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc == 0)
        rc = pd_db_targets(db, ids, n, collect_retired, out);
    if (rc >= 0 && out->oom) /* the callback stopped the query: 1 */
        rc = -ENOMEM;
out:
    if (rc < 0)
        fprintf(errout, "probectl inventory %s: reading the event store: %s\n", cmd,
                err[0] ? err : strerror(-rc));
    pd_db_close(db);
    free(ids);
    return rc;
}

/* "10.20.1.19, codec, guizhou/guiyang" */
static void summary_cell(const struct pd_target_conf *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s, %s, %s", t->address, t->type, t->site);
}

/* "address: 10.0.1.2 -> 10.0.1.22; site: a -> b" */
static void changed_cell(const struct pd_inv_change *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 0; f < PD_TF_COUNT && used < len; f++) {
        if (!(c->fields & (1u << f)))
            continue;
        const char *a = pd_target_field(c->old, f), *b = pd_target_field(c->new, f);
        used += (size_t)snprintf(buf + used, len - used, "%s%s: %s -> %s", used ? "; " : "",
                                 pd_target_field_name(f), a[0] ? a : "(none)", b[0] ? b : "(none)");
    }
}

static int print_table(const struct pd_inv_diff *d, const struct retired_list *ret, FILE *out)
{
    static const char *const headers[] = {"CHANGE", "ID", "NAME", "DETAILS"};
    struct pd_table *t = pd_table_new(4, headers);
    int rc = -ENOMEM;

    if (!t)
        return rc;
    pd_table_set_max_width(t, 2, 32);
    for (size_t i = 0; i < d->n; i++) {
        const struct pd_inv_change *c = &d->v[i];
        const struct pd_target_conf *tc = c->new ? c->new : c->old;
        const struct retired *r = c->kind == PD_INV_ADDED ? find_retired(ret, tc->id) : NULL;
        char details[1024], when[PD_TIME_BUFLEN];
        if (c->kind == PD_INV_CHANGED)
            changed_cell(c, details, sizeof(details));
        else
            summary_cell(tc, details, sizeof(details));
        if (r) {
            size_t used = strlen(details);
            snprintf(details + used, sizeof(details) - used, " (retired %s)",
                     pd_time_format_local(r->at, when, sizeof(when)));
        }
        const char *cells[] = {r ? "returned" : pd_inv_change_name(c->kind), tc->id, tc->name,
                               details};
        if (pd_table_add_row(t, cells) < 0)
            goto out;
    }
    rc = pd_table_print(t, out);
out:
    pd_table_free(t);
    return rc;
}

static void json_target(struct pctl_json *j, const struct pd_target_conf *t)
{
    for (int f = 0; f < PD_TF_COUNT; f++)
        pctl_json_str(j, pd_target_field_name(f), pd_target_field(t, f));
}

static void json_changes(struct pctl_json *j, const struct pd_inv_diff *d,
                         const struct retired_list *ret)
{
    pctl_json_open(j, "summary", '{');
    pctl_json_int(j, "added", (long long)d->added);
    pctl_json_int(j, "changed", (long long)d->changed);
    pctl_json_int(j, "retired", (long long)d->retired);
    pctl_json_int(j, "unchanged", (long long)d->unchanged);
    pctl_json_close(j, '}');
    pctl_json_open(j, "changes", '[');
    for (size_t i = 0; i < d->n; i++) {
        const struct pd_inv_change *c = &d->v[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "change", pd_inv_change_name(c->kind));
        json_target(j, c->new ? c->new : c->old);
        if (c->kind == PD_INV_ADDED) {
            const struct retired *r = find_retired(ret, c->new->id);
            pctl_json_time(j, "retired_before", r ? r->at : 0);
        }
        if (c->kind == PD_INV_CHANGED) {
            pctl_json_open(j, "fields", '{');
            for (int f = 0; f < PD_TF_COUNT; f++) {
                if (!(c->fields & (1u << f)))
                    continue;
                pctl_json_open(j, pd_target_field_name(f), '{');
                pctl_json_str(j, "old", pd_target_field(c->old, f));
                pctl_json_str(j, "new", pd_target_field(c->new, f));
                pctl_json_close(j, '}');
            }
            pctl_json_close(j, '}');
        }
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

/* The error lines, "file:line:col: message", as objects. */
static void json_errors(struct pctl_json *j, const char *err)
{
    pctl_json_open(j, "errors", '[');
    for (const char *p = err; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        p += n + (p[n] == '\n');
        if (!line || !*line) {
            free(line);
            continue;
        }
        /* The first ":<digits>[:<digits>]: " ends the place. */
        char *msg = NULL, *q = line;
        long ln = 0, col = 0;
        while ((q = strchr(q, ':'))) {
            char *e;
            ln = strtol(q + 1, &e, 10);
            if (e > q + 1 && *e == ':' && ln > 0) {
                col = strtol(e + 1, &msg, 10);
                if (msg > e + 1 && *msg == ':' && msg[1] == ' ') {
                    msg += 2;
                } else {
                    col = 0;
                    msg = e[1] == ' ' ? e + 2 : NULL;
                }
                if (msg) {
                    *q = '\0';
                    break;
                }
            }
            q++;
        }
        pctl_json_open(j, NULL, '{');
        if (msg) {
            pctl_json_str(j, "file", line);
            pctl_json_int(j, "line", ln);
            if (col)
                pctl_json_int(j, "col", col);
            else
                pctl_json_null(j, "col");
            pctl_json_str(j, "message", msg);
        } else {
            pctl_json_null(j, "file");
            pctl_json_str(j, "message", line);
        }
        pctl_json_close(j, '}');
        free(line);
    }
    pctl_json_close(j, ']');
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The daemon's own loading: the configuration with the new text, then
 * every check against its plugin. */
static int load_candidate(const struct pd_config *cfg, struct pd_inv_file *f,
                          const struct pctl_inv_change *c, struct pd_config **cand, char *err,
                          size_t errlen)
{
    struct pd_config_subst subst = {f->path, c->label, c->text, c->len};
    pd_error_set_limit(PCTL_INV_MAX_ERRORS);
    int rc = pd_config_load_subst(cfg->path, &subst, cand, err, errlen);
    if (rc == 0) {
        struct pd_registry *reg = pd_registry_new((*cand)->plugin_dir);
        rc = reg ? pd_config_bind_plugins(*cand, reg, err, errlen) : -ENOMEM;
        pd_registry_free(reg);
        if (rc < 0) {
            pd_config_free(*cand);
            *cand = NULL;
        }
    }
    pd_error_set_limit(0);
    return rc;
}

/* Whether the store records the change: targets coming and going, and
 * every field but the SNMP profile (a credential, not an inventory fact). */
static int store_visible(const struct pd_inv_diff *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].kind != PD_INV_CHANGED || (d->v[i].fields & ~(1u << PD_TF_SNMP_PROFILE)))
            return 1;
    return 0;
}

int pctl_inv_apply(const struct pd_config *cfg, const struct pctl_inv_opts *o,
                   struct pd_inv_file *f, const struct pctl_inv_change *c, FILE *out, FILE *errout)
{
    struct pd_config *cand = NULL, *cur = NULL;
    struct pd_inv_diff d = {0};
    struct retired_list ret = {0};
    struct pctl_reload reload = {.state = PCTL_RELOAD_SKIPPED};
    struct pctl_json j = {.out = out};
    int json = o->format == PCTL_JSON, rc = 1, written = 0, refused = 0, pid;
    size_t stale;
    char *err = calloc(1, ERR_LEN), wrr[1024];

    if (!err) {
        fprintf(errout, "probectl inventory %s: out of memory\n", c->cmd);
        return 1;
    }
    if (json) {
        pctl_json_open(&j, NULL, '{');
        pctl_json_str(&j, "command", c->cmd);
        pctl_json_str(&j, "file", f->path);
        pctl_json_str(&j, "source", c->label);
        pctl_json_bool(&j, "dry_run", o->dry_run);
    }
    if (load_candidate(cfg, f, c, &cand, err, ERR_LEN) < 0) {
        size_t n = count_lines(err);
        if (json) {
            pctl_json_bool(&j, "valid", 0);
            json_errors(&j, err);
        } else {
            fputs(err, errout);
        }
        if (c->row_line > 0)
            fprintf(errout,
                    "probectl inventory %s: line %d of %s is the row as it would be written\n",
                    c->cmd, c->row_line, c->label);
        fprintf(errout, "probectl inventory %s: %zu error%s%s; nothing was changed\n", c->cmd, n,
                n == 1 ? "" : "s", n >= PCTL_INV_MAX_ERRORS ? " (the first ones)" : "");
        goto out;
    }
    if (json) {
        pctl_json_bool(&j, "valid", 1);
        json_errors(&j, "");
    }
    /* The inventory as it is now, read again under the lock: another
     * probectl may have changed it since this one started. */
    err[0] = '\0';
    if (pd_config_load(cfg->path, &cur, err, ERR_LEN) < 0) {
        fprintf(errout, "%sprobectl inventory %s: the configuration on disk is not valid now\n",
                err, c->cmd);
        goto out;
    }
    if (pd_inv_diff(cur->targets, cur->n_targets, cand->targets, cand->n_targets, &d) < 0) {
        fprintf(errout, "probectl inventory %s: out of memory\n", c->cmd);
        goto out;
    }
    if (load_retired(cfg, &d, &ret, c->cmd, errout) < 0)
        goto out;
    if (ret.n && !o->reuse_retired) {
        /* An id keeps its history: a new device under an old id would
         * inherit the old one's outages and graphs. */
        for (size_t i = 0; i < ret.n; i++) {
            char when[PD_TIME_BUFLEN];
            fprintf(errout,
                    "probectl inventory %s: id '%s' was retired on %s (%s); its history stays "
                    "under that id. Give the new device another id, or --reuse-retired to bring "
                    "this one back\n",
                    c->cmd, ret.v[i].id, pd_time_format_local(ret.v[i].at, when, sizeof(when)),
                    ret.v[i].name);
        }
        refused = 1;
    }
    if (json) {
        json_changes(&j, &d, &ret);
    } else {
        fprintf(out, "%s: %zu added, %zu changed, %zu retired, %zu unchanged\n", f->path, d.added,
                d.changed, d.retired, d.unchanged);
        if (d.n && print_table(&d, &ret, out) < 0) {
            fprintf(errout, "probectl inventory %s: out of memory\n", c->cmd);
            goto out;
        }
    }
    if (refused) {
        fprintf(errout, "probectl inventory %s: nothing was changed\n", c->cmd);
        goto out;
    }
    /* The difference is the files' change; a hand edit probed has not
     * loaded yet comes with the reload, and people should know. */
    stale = pctl_inv_running_differs(cfg, cur, &pid);
    if (stale)
        fprintf(errout,
                "probectl inventory %s: note: probed (pid %d) runs %zu device%s otherwise than "
                "the files on disk say (edited without a reload?): %s\n",
                c->cmd, pid, stale, stale == 1 ? "" : "s",
                d.n && !o->dry_run && !o->no_reload ? "this reload applies that too"
                                                    : "'kill -HUP' applies that");
    rc = 0;
    if (d.n == 0) {
        if (!json)
            fprintf(out, "no changes: %s left as it is\n", f->path);
        goto out;
    }
    if (o->dry_run) {
        if (!json)
            fprintf(out, "dry run: nothing written\n");
        goto out;
    }
    if (pd_inv_file_replace(f, c->text, c->len, wrr, sizeof(wrr)) < 0) {
        fprintf(errout, "probectl inventory %s: %s\n", c->cmd, wrr);
        rc = 1;
        goto out;
    }
    written = 1;
    if (!json)
        fprintf(out, "wrote %s (%zu devices in all sources)\n", f->path, cand->n_targets);
    if (o->no_reload)
        snprintf(reload.text, sizeof(reload.text),
                 "--no-reload: probed applies the change at its next reload or start");
    else
        pctl_inv_reload(cur, cand, store_visible(&d), &reload);
    if (!json)
        fprintf(out, "%s\n", reload.text);
    if (reload.state == PCTL_RELOAD_UNCONFIRMED || reload.state == PCTL_RELOAD_FAILED)
        rc = 1;
out:
    if (json) {
        pctl_json_bool(&j, "written", written);
        pctl_json_open(&j, "reload", '{');
        pctl_json_str(&j, "state", written ? pctl_reload_state_name(reload.state) : "skipped");
        if (reload.pid)
            pctl_json_int(&j, "pid", reload.pid);
        else
            pctl_json_null(&j, "pid");
        if (reload.state == PCTL_RELOAD_CONFIRMED)
            pctl_json_num(&j, "seconds", reload.seconds, 1);
        pctl_json_str(&j, "message", reload.text);
        pctl_json_close(&j, '}');
        pctl_json_close(&j, '}');
    }
    if (pctl_finish_output(out, errout, "inventory") != 0)
        rc = 1;
    retired_free(&ret);
    pd_inv_diff_free(&d);
    pd_config_free(cand);
    pd_config_free(cur);
    free(err);
    return rc;
}
