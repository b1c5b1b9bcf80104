/* /config: what the daemon runs with, for admins. The summary is built
 * from a whitelist of settings when the configuration is (re)loaded;
 * secrets (communities, v3 passwords, TLS keys, password hashes) are
 * never copied into it, only whether they are set. */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web_priv.h"
#include "yaml_tree.h"

struct row {
    const char *section; /* static text */
    char *key, *value;
};

struct web_conf_summary {
    struct row *rows;
    size_t n, cap;
    int nomem;
};

static void add(struct web_conf_summary *s, const char *section, const char *key, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static void add(struct web_conf_summary *s, const char *section, const char *key, const char *fmt,
                ...)
{
    if (s->nomem)
        return;
    if (s->n == s->cap) {
        size_t c = s->cap ? 2 * s->cap : 32;
        struct row *grown = realloc(s->rows, c * sizeof(*grown));
        if (!grown) {
            s->nomem = 1;
            return;
        }
        s->rows = grown;
        s->cap = c;
    }
    struct row *r = &s->rows[s->n];
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&r->value, fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->nomem = 1;
        return;
    }
    if (!(r->key = strdup(key))) {
        free(r->value);
        s->nomem = 1;
        return;
    }
    r->section = section;
    s->n++;
}

static const char *dur(pd_ns ns, char *buf, size_t len)
{
    return pd_duration_format(ns, buf, len);
}

static const char *param(const struct pd_profile_conf *p, const char *key)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].key, key) == 0)
            return p->params[i].value;
    return NULL;
}

static const char *set(const char *v)
{
    return v && *v ? "set" : "not set";
}

/* An SNMP profile: version, security level and protocols; of the
 * community and the passwords only whether they are set. */
static void snmp_profile(struct web_conf_summary *s, const struct pd_profile_conf *p)
{
    const char *version = param(p, "version") ? param(p, "version") : "2c";
    if (strcmp(version, "3") != 0) {
        add(s, "SNMP profiles", p->name, "v%s, community %s", version, set(param(p, "community")));
        return;
    }
    const char *level = param(p, "level") ? param(p, "level") : "authPriv";
    const char *auth = param(p, "auth_protocol") ? param(p, "auth_protocol") : "SHA-256";
    const char *priv = param(p, "priv_protocol") ? param(p, "priv_protocol") : "AES";
    if (strcmp(level, "authPriv") == 0)
        add(s, "SNMP profiles", p->name, "v3, %s, %s auth_password %s, %s priv_password %s", level,
            auth, set(param(p, "auth_password")), priv, set(param(p, "priv_password")));
    else if (strcmp(level, "authNoPriv") == 0)
        add(s, "SNMP profiles", p->name, "v3, %s, %s auth_password %s", level, auth,
            set(param(p, "auth_password")));
    else
        add(s, "SNMP profiles", p->name, "v3, %s", level);
}

int web_conf_summary_new(const struct pd_config *cfg, struct web_conf_summary **out)
{
    struct web_conf_summary *s = calloc(1, sizeof(*s));
    char a[64], b[64], c[64];
    *out = NULL;
    if (!s)
        return -ENOMEM;
    const char *g = "general";
    add(s, g, "configuration", "%s", cfg->path ? cfg->path : "");
    add(s, g, "data_dir", "%s", cfg->data_dir);
    add(s, g, "timezone", "%s", cfg->timezone);
    add(s, g, "user", "%s", cfg->user ? cfg->user : "(stays as started)");
    add(s, g, "log", "%s, to %s", pd_log_level_name(cfg->log_level),
        cfg->log_syslog ? "syslog" : "stderr");
    add(s, g, "secrets file", "%s", cfg->secrets ? cfg->secrets : "none");
    add(s, g, "dns_refresh, dns_retry", "%s, %s", dur(cfg->dns_refresh, a, sizeof(a)),
        dur(cfg->dns_retry, b, sizeof(b)));

    const char *st = "storage";
    add(s, st, "queue_size", "%zu samples", cfg->queue_size);
    add(s, st, "heartbeat, status_refresh, rrd write_delay", "%s, %s, %s",
        dur(cfg->heartbeat, a, sizeof(a)), dur(cfg->status_refresh, b, sizeof(b)),
        dur(cfg->rrd_write_delay, c, sizeof(c)));
    add(s, st, "rrd archives", "%zu%s", cfg->n_rras ? cfg->n_rras : pd_n_rra_defaults,
        cfg->n_rras ? "" : " (the defaults)");

    const char *w = "web";
    add(s, w, "listen", "%s, %d threads", cfg->web.listen, cfg->web.threads);
    add(s, w, "TLS", "%s", cfg->web.tls_cert ? "on" : "off");
    add(s, w, "users_file", "%s", cfg->web.users_file ? cfg->web.users_file : "none");
    add(s, w, "realm", "%s", cfg->web.realm ? cfg->web.realm : "probed");

    const char *t = "targets";
    add(s, t, "targets", "%zu", cfg->n_targets);
    for (size_t i = 0; i < cfg->n_templates; i++) {
        size_t n = 0;
        for (size_t j = 0; j < cfg->n_targets; j++)
            n += cfg->targets[j].tmpl == &cfg->templates[i];
        add(s, t, cfg->templates[i].name, "%zu (%zu checks each)", n, cfg->templates[i].n_checks);
    }
    add(s, t, "systems, maintenance windows", "%zu, %zu", cfg->n_systems, cfg->n_maintenance);

    for (size_t i = 0; i < cfg->n_plugins; i++) {
        const struct pd_plugin_conf *pc = &cfg->plugins[i];
        for (size_t j = 0; j < pc->n_profiles; j++) {
            if (strcmp(pc->name, "snmp") == 0)
                snmp_profile(s, &pc->profiles[j]);
            else /* a plugin whose keys this page does not know: names only */
                add(s, "other profiles", pc->profiles[j].name, "plugin %s", pc->name);
        }
    }
    if (s->nomem) {
        web_conf_summary_free(s);
        return -ENOMEM;
    }
    *out = s;
    return 0;
}

void web_conf_summary_free(struct web_conf_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->rows[i].key);
        free(s->rows[i].value);
    }
    free(s->rows);
    free(s);
}

static void row(FILE *f, const char *key, const char *value)
{
    fputs("<tr><th>", f);
    web_html(f, key);
    fputs("</th><td>", f);
    web_html(f, value);
    fputs("</td></tr>\n", f);
}

int web_page_config(struct web_req *r, const struct web_conf_summary *s, struct web_guard *g)
{
    if (r->role != PD_WEB_ROLE_ADMIN)
        return web_error(r, 403,
                         r->role == PD_WEB_ROLE_NONE
                             ? "the configuration is shown to admins only, and this dashboard "
                               "has no users (web.users_file)"
                             : "the configuration is shown to admins only");
    if (!s)
        return -ENOMEM;
    web_page_begin(r, "probed 配置 configuration", false);
    FILE *f = r->out;
    fputs("<p class=\"muted\">As loaded at the start or the last reload. Secrets are never "
          "shown, only whether they are set.</p>\n",
          f);
    const char *section = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (!section || strcmp(section, s->rows[i].section) != 0) {
            if (section)
                fputs("</tbody></table>\n", f);
            section = s->rows[i].section;
            fputs("<h2>", f);
            web_html(f, section);
            fputs("</h2>\n<table class=\"config\"><tbody>\n", f);
        }
        row(f, s->rows[i].key, s->rows[i].value);
    }
    if (section)
        fputs("</tbody></table>\n", f);
    struct web_guard_info info;
    char text[160];
    web_guard_info(g, &info);
    fputs("<h2>users</h2>\n<table class=\"config\"><tbody>\n", f);
    snprintf(text, sizeof(text), "%zu admins, %zu viewers; password hashes: %s", info.admins,
             info.viewers, info.admins + info.viewers ? "set" : "none");
    row(f, "users", text);
    row(f, "last reload of the users file",
        info.last_load_failed ? "failed: the users of before stay (see the log)" : "ok");
    fputs("</tbody></table>\n", f);
    web_page_end(r);
    return 0;
}
