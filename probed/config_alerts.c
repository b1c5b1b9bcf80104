/*
 * `alerts:` of the main file (docs/configuration.md, alerts): the timing
 * of grouping, reminders, flapping and delivery retries, the channels
 * (webhook, WeCom, DingTalk, e-mail) and the routes from alerts to them;
 * and `alerts:` of the secrets file, which completes the channels'
 * passwords and signing secrets.
 *
 * Secrets (password, secret) never appear in a message, and the URLs
 * neither: a robot's URL carries its access token.
 */
#include "config_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

static const char *const channel_type_names[] = {"webhook", "wecom", "dingtalk", "email"};
#define N_CHANNEL_TYPES (sizeof(channel_type_names) / sizeof(channel_type_names[0]))

const char *pd_config_channel_type_name(enum pd_channel_type t)
{
    return (size_t)t < N_CHANNEL_TYPES ? channel_type_names[t] : "?";
}

const struct pd_channel_conf *pd_config_channel(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; id && i < cfg->alerts.n_channels; i++)
        if (cfg->alerts.channels[i].id && strcmp(cfg->alerts.channels[i].id, id) == 0)
            return &cfg->alerts.channels[i];
    return NULL;
}

const struct pd_route_conf *pd_config_route(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; id && i < cfg->alerts.n_routes; i++)
        if (cfg->alerts.routes[i].id && strcmp(cfg->alerts.routes[i].id, id) == 0)
            return &cfg->alerts.routes[i];
    return NULL;
}

int pd_config_alerts_defaults(struct pd_alerts_conf *a)
{
    *a = (struct pd_alerts_conf){.group_wait = 10 * PD_SEC,
                                 .group_interval = 30 * PD_SEC,
                                 .remind_every = PD_HOUR,
                                 .flap_window = 10 * PD_MINUTE,
                                 .flap_changes = 6,
                                 .retry_min = 5 * PD_SEC,
                                 .retry_max = 5 * PD_MINUTE,
                                 .expire = PD_DAY};
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void free_secret(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    free(s);
}

static void free_channel(struct pd_channel_conf *ch)
{
    free(ch->id);
    free(ch->url);
    free_secret(ch->secret);
    free(ch->ca_file);
    free(ch->user);
    free_secret(ch->password);
    free(ch->from);
    free_strings(ch->to, ch->n_to);
}

void pd_config_free_alerts(struct pd_alerts_conf *a)
{
    for (size_t i = 0; a->channels && i < a->n_channels; i++)
        free_channel(&a->channels[i]);
    free(a->channels);
    for (size_t i = 0; a->routes && i < a->n_routes; i++) {
        struct pd_route_conf *rc = &a->routes[i];
        free(rc->id);
        free_strings(rc->severities, rc->n_severities);
        free_strings(rc->sites, rc->n_sites);
        free_strings(rc->types, rc->n_types);
        free_strings(rc->systems, rc->n_systems);
        free_strings(rc->channels, rc->n_channels);
    }
    free(a->routes);
    a->channels = NULL;
    a->routes = NULL;
    a->n_channels = a->n_routes = 0;
}

/* What a list value must be: check(text) is 0 when it is not. */
struct list_kind {
    const char *what; /* "severity", for messages */
    int (*valid)(const struct pd_config *cfg, const char *text);
    const char *expected; /* "one of: ..." or a syntax, for messages */
};

/* One value or a YAML list of them into *out (each string checked with
 * kind->valid, duplicates refused). 0 or -EINVAL (reported). */
static int read_list(struct pd_yreader *r, const struct pd_config *cfg, const struct pd_ynode *node,
                     const char *where, const struct list_kind *kind, char ***out, size_t *n_out)
{
    const struct pd_ynode *const *items = (const struct pd_ynode *const *)&node;
    size_t n = 1;
    int rc = 0;

    if (node->kind == PD_YSEQ) {
        items = (const struct pd_ynode *const *)node->items;
        n = node->n;
    } else if (node->kind != PD_YSCALAR) {
        pd_yfail(r, node, "%s %s: expected a value or a list of values, got %s", where, kind->what,
                 pd_ykind_name(node));
        return -EINVAL;
    }
    if (n == 0) {
        pd_yfail(r, node, "%s %s: expected at least one value (leave the key out to match any)",
                 where, kind->what);
        return -EINVAL;
    }
    char **v = calloc(n, sizeof(*v));
    if (!v) {
        pd_yfail_nomem(r, node);
        return -ENOMEM;
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *it = items[i];
        if (pd_ywant(r, it, PD_YSCALAR, kind->what) < 0) {
            rc = -EINVAL;
            continue;
        }
        if (!kind->valid(cfg, it->text)) {
            pd_yfail(r, it, "%s: unknown or invalid %s '%s' (expected %s)", where, kind->what,
                     it->text, kind->expected);
            rc = -EINVAL;
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < used && !dup; k++)
            dup = strcmp(v[k], it->text) == 0;
        if (dup) {
            pd_yfail(r, it, "%s: %s '%s' is listed twice", where, kind->what, it->text);
            rc = -EINVAL;
            continue;
        }
        if (!(v[used] = strdup(it->text))) {
            pd_yfail_nomem(r, it);
            rc = -ENOMEM;
            break;
        }
        used++;
    }
    if (rc < 0) {
        free_strings(v, used);
        return rc;
    }
    *out = v;
    *n_out = used;
    return 0;
}

/* An e-mail address as SMTP's envelope needs it: local@domain, printable
 * ASCII without spaces, angle brackets, commas or quotes, which would
 * break the MAIL FROM and RCPT TO commands or the To: header. */
static int valid_address(const struct pd_config *cfg, const char *s)
{
    (void)cfg;
    const char *at = strchr(s, '@');
    size_t n = strlen(s);
    if (!at || at == s || at[1] == '\0' || strchr(at + 1, '@') || n > 254)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
            strchr("<>,;\"()[]\\", s[i]))
            return 0;
    return 1;
}

static int valid_severity(const struct pd_config *cfg, const char *s)
{
    return pd_config_severity(cfg, s) != NULL;
}

static int valid_site(const struct pd_config *cfg, const char *s)
{
    (void)cfg;
    return pd_site_valid(s);
}

static int valid_type(const struct pd_config *cfg, const char *s)
{
    return pd_config_template(cfg, s) != NULL;
}

static int valid_system(const struct pd_config *cfg, const char *s)
{
    return pd_config_system(cfg, s) != NULL;
}

static int valid_channel(const struct pd_config *cfg, const char *s)
{
    return pd_config_channel(cfg, s) != NULL;
}

/* "a, b, c" of names (NULL-terminated list of the config's own), for
 * messages that say what is known. */
static void join_names(char *buf, size_t len, const char *const *names, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i] ? names[i] : "?");
        used += k > 0 ? (size_t)k : 0;
    }
    if (n == 0)
        snprintf(buf, len, "none");
}

/* The URL's scheme fits the channel type and a host follows it. The URL
 * itself is never repeated in the message: it may carry a token. */
static void check_url(struct pd_yreader *r, const struct pd_ynode *v, const char *chid,
                      struct pd_channel_conf *ch)
{
    static const char *const web[] = {"http://", "https://", NULL};
    static const char *const mail[] = {"smtp://", "smtps://", NULL};
    const char *const *schemes = ch->type == PD_CHANNEL_EMAIL ? mail : web;
    const char *url = ch->url, *host = NULL;

    for (size_t i = 0; schemes[i] && !host; i++)
        if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
            host = url + strlen(schemes[i]);
    int ok = host && *host && !strchr("/?#:", *host);
    for (const char *p = url; ok && *p; p++)
        ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
    if (!ok)
        pd_yfail(r, v,
                 "channel '%s' url: a channel of type %s needs %s with a host name or address, "
                 "written without spaces",
                 chid, pd_config_channel_type_name(ch->type),
                 ch->type == PD_CHANNEL_EMAIL ? "an smtp:// or smtps:// URL"
                                              : "an http:// or https:// URL");
}

/* Keys that only some channel types take: key, the types' mask. */
static const struct {
    const char *key;
    unsigned types;
} typed_keys[] = {
    {"secret", 1u << PD_CHANNEL_DINGTALK}, {"starttls", 1u << PD_CHANNEL_EMAIL},
    {"user", 1u << PD_CHANNEL_EMAIL},      {"password", 1u << PD_CHANNEL_EMAIL},
    {"from", 1u << PD_CHANNEL_EMAIL},      {"to", 1u << PD_CHANNEL_EMAIL},
};

static void load_channel(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *node,
                         struct pd_channel_conf *ch)
{
    static const char *const keys[] = {"id",       "type",     "url",     "timeout", "secret",
                                       "starttls", "insecure", "ca_file", "user",    "password",
                                       "from",     "to",       NULL};
    static const struct list_kind address = {"recipient", valid_address,
                                             "an address such as "
                                             "noc@example.cn"};
    const struct pd_ynode *v, *url;
    const char *chid;

    ch->at = pd_ymark(r, node);
    ch->timeout = 10 * PD_SEC;
    ch->starttls = 1;
    if (pd_ywant(r, node, PD_YMAP, "a channel") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "channel");
    if (!(v = pd_yget(node, "id")))
        pd_yfail(r, node, "missing required key 'id' in channel");
    else if (pd_yread_id(r, v, "channel id", &ch->id) == 0)
        for (size_t i = 0; &cfg->alerts.channels[i] != ch; i++)
            if (cfg->alerts.channels[i].id && strcmp(cfg->alerts.channels[i].id, ch->id) == 0) {
                pd_yfail(r, v, "duplicate channel id '%s' (first at line %d)", ch->id,
                         cfg->alerts.channels[i].at.line);
                break;
            }
    chid = ch->id ? ch->id : "?";
    if (!(v = pd_yget(node, "type"))) {
        pd_yfail(r, node,
                 "missing required key 'type' in channel '%s' (webhook, wecom, "
                 "dingtalk or email)",
                 chid);
        return; /* every other key depends on it */
    }
    if (pd_ywant(r, v, PD_YSCALAR, "channel type") < 0)
        return;
    size_t t = 0;
    while (t < N_CHANNEL_TYPES && strcmp(channel_type_names[t], v->text) != 0)
        t++;
    if (t == N_CHANNEL_TYPES) {
        pd_yfail(r, v,
                 "channel '%s': unknown type '%s' (expected webhook, wecom, dingtalk or email)",
                 chid, v->text);
        return;
    }
    ch->type = (enum pd_channel_type)t;
    for (size_t i = 0; i < sizeof(typed_keys) / sizeof(typed_keys[0]); i++)
        if (!(typed_keys[i].types & (1u << t)) && (v = pd_yget(node, typed_keys[i].key)))
            pd_yfail(r, v, "channel '%s': '%s' is not a setting of a %s channel", chid,
                     typed_keys[i].key, channel_type_names[t]);

    if (!(url = pd_yget(node, "url")))
        pd_yfail(r, node, "missing required key 'url' in channel '%s'", chid);
    else if (pd_yread_string(r, url, "channel url", &ch->url) == 0)
        check_url(r, url, chid, ch);
    if ((v = pd_yget(node, "timeout")))
        pd_yread_duration(r, v, "channel timeout", PD_SEC, 5 * PD_MINUTE, &ch->timeout);
    if ((v = pd_yget(node, "insecure")))
        pd_yread_bool(r, v, "channel insecure", &ch->insecure);
    if ((v = pd_yget(node, "ca_file")))
        pd_yread_path(r, v, "channel ca_file", &ch->ca_file);
    if (t == PD_CHANNEL_DINGTALK && (v = pd_yget(node, "secret")) &&
        pd_ywant(r, v, PD_YSCALAR, "channel secret") == 0) {
        if (v->text[0] == '\0')
            pd_yfail(r, v, "channel '%s': secret is empty (leave it out for an unsigned robot)",
                     chid);
        else if (!(ch->secret = strdup(v->text)))
            pd_yfail_nomem(r, v);
    }
    if (t != PD_CHANNEL_EMAIL)
        return;

    if ((v = pd_yget(node, "starttls")))
        pd_yread_bool(r, v, "channel starttls", &ch->starttls);
    if ((v = pd_yget(node, "user")))
        pd_yread_string(r, v, "channel user", &ch->user);
    if ((v = pd_yget(node, "password")) && pd_ywant(r, v, PD_YSCALAR, "channel password") == 0) {
        if (v->text[0] == '\0')
            pd_yfail(r, v, "channel '%s': password is empty", chid);
        else if (!(ch->password = strdup(v->text)))
            pd_yfail_nomem(r, v);
    }
    if (!(v = pd_yget(node, "from")))
        pd_yfail(r, node, "missing required key 'from' in e-mail channel '%s'", chid);
    else if (pd_yread_string(r, v, "channel from", &ch->from) == 0 && !valid_address(cfg, v->text))
        pd_yfail(r, v, "channel '%s' from: expected an address such as probed@example.cn, got '%s'",
                 chid, v->text);
    if (!(v = pd_yget(node, "to")))
        pd_yfail(r, node, "missing required key 'to' in e-mail channel '%s'", chid);
    else
        read_list(r, cfg, v, "channel to", &address, &ch->to, &ch->n_to);
}

static void load_route(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *node,
                       struct pd_route_conf *rc)
{
    static const char *const keys[] = {"id",     "severity", "site",       "type",
                                       "system", "channels", "recoveries", NULL};
    char severities[256], systems[512], channels[512], types[512];
    const char *names[64];
    size_t n;

    pd_config_severity_names(cfg, severities, sizeof(severities));
    n = 0;
    for (size_t i = 0; i < cfg->n_systems && n < 64; i++)
        names[n++] = cfg->systems[i].id;
    join_names(systems, sizeof(systems), names, n);
    n = 0;
    for (size_t i = 0; i < cfg->n_templates && n < 64; i++)
        names[n++] = cfg->templates[i].name;
    join_names(types, sizeof(types), names, n);
    n = 0;
    for (size_t i = 0; i < cfg->alerts.n_channels && n < 64; i++)
        names[n++] = cfg->alerts.channels[i].id;
    join_names(channels, sizeof(channels), names, n);

    char sev_expected[300], sys_expected[560], type_expected[560], ch_expected[560];
    snprintf(sev_expected, sizeof(sev_expected), "one of: %s", severities);
    snprintf(sys_expected, sizeof(sys_expected), "a system id; configured: %s", systems);
    snprintf(type_expected, sizeof(type_expected), "a template name; configured: %s", types);
    snprintf(ch_expected, sizeof(ch_expected), "a channel id; configured: %s", channels);
    const struct list_kind severity = {"severity", valid_severity, sev_expected};
    const struct list_kind site = {"site", valid_site, "a site path such as guizhou/guiyang"};
    const struct list_kind type = {"type", valid_type, type_expected};
    const struct list_kind system = {"system", valid_system, sys_expected};
    const struct list_kind channel = {"channel", valid_channel, ch_expected};
    const struct pd_ynode *v;

    rc->at = pd_ymark(r, node);
    rc->recoveries = 1;
    if (pd_ywant(r, node, PD_YMAP, "a route") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "route");
    if (!(v = pd_yget(node, "id")))
        pd_yfail(r, node, "missing required key 'id' in route");
    else if (pd_yread_id(r, v, "route id", &rc->id) == 0)
        for (size_t i = 0; &cfg->alerts.routes[i] != rc; i++)
            if (cfg->alerts.routes[i].id && strcmp(cfg->alerts.routes[i].id, rc->id) == 0) {
                pd_yfail(r, v, "duplicate route id '%s' (first at line %d)", rc->id,
                         cfg->alerts.routes[i].at.line);
                break;
            }
    char where[PD_ID_MAX + 16];
    snprintf(where, sizeof(where), "route '%s'", rc->id ? rc->id : "?");
    if ((v = pd_yget(node, "severity")))
        read_list(r, cfg, v, where, &severity, &rc->severities, &rc->n_severities);
    if ((v = pd_yget(node, "site")))
        read_list(r, cfg, v, where, &site, &rc->sites, &rc->n_sites);
    if ((v = pd_yget(node, "type")))
        read_list(r, cfg, v, where, &type, &rc->types, &rc->n_types);
    if ((v = pd_yget(node, "system")))
        read_list(r, cfg, v, where, &system, &rc->systems, &rc->n_systems);
    if (!(v = pd_yget(node, "channels")))
        pd_yfail(r, node, "missing required key 'channels' in %s (configured channels: %s)", where,
                 channels);
    else
        read_list(r, cfg, v, where, &channel, &rc->channels, &rc->n_channels);
    if ((v = pd_yget(node, "recoveries")))
        pd_yread_bool(r, v, "route recoveries", &rc->recoveries);
}

static void load_flapping(struct pd_yreader *r, struct pd_alerts_conf *a,
                          const struct pd_ynode *node)
{
    static const char *const keys[] = {"window", "changes", NULL};
    const struct pd_ynode *v;
    long n;
    if (pd_ywant(r, node, PD_YMAP, "alerts flapping") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "alerts flapping");
    if ((v = pd_yget(node, "window")))
        pd_yread_duration(r, v, "flapping window", PD_MINUTE, PD_DAY, &a->flap_window);
    if ((v = pd_yget(node, "changes")) && pd_yread_long(r, v, "flapping changes", 2, 1000, &n) == 0)
        a->flap_changes = (unsigned)n;
}

static void load_retry(struct pd_yreader *r, struct pd_alerts_conf *a, const struct pd_ynode *node)
{
    static const char *const keys[] = {"min", "max", "expire", NULL};
    const struct pd_ynode *v, *max;
    char lo[32], hi[32];
    if (pd_ywant(r, node, PD_YMAP, "alerts retry") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "alerts retry");
    if ((v = pd_yget(node, "min")))
        pd_yread_duration(r, v, "retry min", PD_SEC, PD_HOUR, &a->retry_min);
    if ((max = pd_yget(node, "max")))
        pd_yread_duration(r, max, "retry max", PD_SEC, PD_DAY, &a->retry_max);
    if ((v = pd_yget(node, "expire")))
        pd_yread_duration(r, v, "retry expire", PD_MINUTE, 30 * PD_DAY, &a->expire);
    if (a->retry_min > a->retry_max)
        pd_yfail(r, max ? max : node, "retry min (%s) must not exceed retry max (%s)",
                 pd_duration_format(a->retry_min, lo, sizeof(lo)),
                 pd_duration_format(a->retry_max, hi, sizeof(hi)));
}

void pd_config_load_alerts(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *node)
{
    static const char *const keys[] = {"group_wait", "group_interval", "remind_every", "flapping",
                                       "retry",      "channels",       "routes",       NULL};
    struct pd_alerts_conf *a = &cfg->alerts;
    const struct pd_ynode *v;

    if (!node || pd_ywant(r, node, PD_YMAP, "alerts") < 0)
        return;
    a->at = pd_ymark(r, node);
    pd_ycheck_keys(r, node, keys, "alerts");
    if ((v = pd_yget(node, "group_wait")))
        pd_yread_duration(r, v, "group_wait", 0, 10 * PD_MINUTE, &a->group_wait);
    if ((v = pd_yget(node, "group_interval")))
        pd_yread_duration(r, v, "group_interval", 0, PD_HOUR, &a->group_interval);
    if ((v = pd_yget(node, "remind_every")) &&
        pd_yread_duration(r, v, "remind_every", 0, 30 * PD_DAY, &a->remind_every) == 0 &&
        a->remind_every > 0 && a->remind_every < PD_MINUTE)
        pd_yfail(r, v, "remind_every must be at least 1m, or 0 for no reminders, got %s", v->text);
    if ((v = pd_yget(node, "flapping")))
        load_flapping(r, a, v);
    if ((v = pd_yget(node, "retry")))
        load_retry(r, a, v);
    if ((v = pd_yget(node, "channels")) && pd_ywant(r, v, PD_YSEQ, "alerts channels") == 0 &&
        v->n > 0) {
        if (!(a->channels = calloc(v->n, sizeof(*a->channels)))) {
            pd_yfail_nomem(r, v);
            return;
        }
        for (size_t i = 0; i < v->n; i++)
            load_channel(r, cfg, v->items[i], &a->channels[a->n_channels++]);
    }
    if ((v = pd_yget(node, "routes")) && pd_ywant(r, v, PD_YSEQ, "alerts routes") == 0 &&
        v->n > 0) {
        if (!(a->routes = calloc(v->n, sizeof(*a->routes)))) {
            pd_yfail_nomem(r, v);
            return;
        }
        for (size_t i = 0; i < v->n; i++)
            load_route(r, cfg, v->items[i], &a->routes[a->n_routes++]);
    }
}

/* One secret of the secrets file into *dst. key names it; never its value
 * in a message. */
static void merge_secret(struct pd_yreader *r, const struct pd_ynode *key, const struct pd_ynode *v,
                         const struct pd_channel_conf *ch, char **dst)
{
    if (v->kind != PD_YSCALAR || v->text[0] == '\0') {
        pd_yfail(r, v, "secret '%s' of channel '%s' must be a single non-empty value", key->text,
                 ch->id);
        return;
    }
    if (*dst) {
        pd_yfail(r, key,
                 "'%s' of channel '%s' is given in the configuration too; keep it in one place",
                 key->text, ch->id);
        return;
    }
    if (!(*dst = strdup(v->text)))
        pd_yfail_nomem(r, v);
}

void pd_config_merge_alert_secrets(struct pd_yreader *r, struct pd_config *cfg,
                                   const struct pd_ynode *node)
{
    if (pd_ywant(r, node, PD_YMAP, "alerts ({channel: {password: ..., secret: ...}})") < 0)
        return;
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *id = pd_ymap_key(node, i), *values = pd_ymap_value(node, i);
        struct pd_channel_conf *ch = (struct pd_channel_conf *)pd_config_channel(cfg, id->text);
        if (!ch) {
            pd_yfail(r, id, "secrets for channel '%s', which alerts.channels does not define",
                     id->text);
            continue;
        }
        if (pd_ywant(r, values, PD_YMAP, "the channel's secrets") < 0)
            continue;
        for (size_t k = 0; k < values->n; k++) {
            const struct pd_ynode *key = pd_ymap_key(values, k), *v = pd_ymap_value(values, k);
            if (strcmp(key->text, "password") == 0 && ch->type == PD_CHANNEL_EMAIL)
                merge_secret(r, key, v, ch, &ch->password);
            else if (strcmp(key->text, "secret") == 0 && ch->type == PD_CHANNEL_DINGTALK)
                merge_secret(r, key, v, ch, &ch->secret);
            else
                pd_yfail(r, key, "unknown secret '%s' for %s channel '%s' (expected %s)", key->text,
                         pd_config_channel_type_name(ch->type), ch->id,
                         ch->type == PD_CHANNEL_EMAIL      ? "password"
                         : ch->type == PD_CHANNEL_DINGTALK ? "secret"
                                                           : "none: it has no secrets");
        }
    }
}

void pd_config_check_alerts(struct pd_yreader *r, const struct pd_config *cfg)
{
    for (size_t i = 0; i < cfg->alerts.n_channels; i++) {
        const struct pd_channel_conf *ch = &cfg->alerts.channels[i];
        if (ch->type != PD_CHANNEL_EMAIL || !ch->id)
            continue;
        if (ch->user && !ch->password)
            pd_error_at(r->err, r->errlen, &ch->at,
                        "channel '%s': user is set but no password (inline or in the secrets "
                        "file's alerts.%s.password)",
                        ch->id, ch->id);
        else if (!ch->user && ch->password)
            pd_error_at(r->err, r->errlen, &ch->at,
                        "channel '%s': a password without a user; set user too", ch->id);
        else
            continue;
        if (r->rc == 0)
            r->rc = -EINVAL;
    }
}
