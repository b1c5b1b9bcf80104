#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_tree.h"

/* Beyond PD_CONFIG_MAX_ERRORS lines more errors only bury the first ones
 * in a log; see pd_error_set_limit for who wants them all. */
static int error_limit = PD_CONFIG_MAX_ERRORS;

void pd_error_set_limit(int n)
{
    error_limit = n > 0 ? n : PD_CONFIG_MAX_ERRORS;
}

static int error_lines(const char *err)
{
    int n = 0;
    for (const char *p = err; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

void pd_error_at(char *err, size_t errlen, const struct pd_mark *at, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    size_t used = strnlen(err, errlen);
    if (used >= errlen - 1 || error_lines(err) >= error_limit) {
        err[errlen - 1] = '\0';
        return;
    }
    char *p = err + used;
    size_t room = errlen - used;
    int n = 0;
    if (at && at->file && at->line > 0 && at->col > 0)
        n = snprintf(p, room, "%s:%d:%d: ", at->file, at->line, at->col);
    else if (at && at->file && at->line > 0)
        n = snprintf(p, room, "%s:%d: ", at->file, at->line);
    else if (at && at->file)
        n = snprintf(p, room, "%s: ", at->file);
    if (n < 0 || (size_t)n >= room)
        return;
    p += n;
    room -= (size_t)n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(p, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room - 1)
        return;
    p[n] = '\n';
    p[n + 1] = '\0';
    /* The same line again says nothing new: a template's check copied
     * into the templates that extend it is checked in each of them, with
     * the place where it is written. */
    char *start = err + used;
    size_t len = strlen(start);
    for (const char *line = err; line && line < start;) {
        if (strncmp(line, start, len) == 0) {
            *start = '\0';
            return;
        }
        if ((line = strchr(line, '\n')))
            line++;
    }
}

static const char *type_name(enum pd_opt_type type)
{
    switch (type) {
    case PD_OPT_STRING:
        return "a string";
    case PD_OPT_INT:
        return "an integer";
    case PD_OPT_DOUBLE:
        return "a number";
    case PD_OPT_BOOL:
        return "true or false";
    case PD_OPT_DURATION:
        return "a duration such as 60s, 5m or 1h30m";
    case PD_OPT_PORT:
        return "a port number 1..65535";
    case PD_OPT_SECRET:
        return "a secret";
    case PD_OPT_PROFILE:
        return "a profile name";
    case PD_OPT_LIST:
        return "a list of values";
    }
    return "a value";
}

static void free_list(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

/* "a\nb\nc" as a NULL-terminated array; "" is the empty list. */
static char **split_list(const char *text)
{
    size_t n = *text ? 1 : 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    char **list = calloc(n + 1, sizeof(*list));
    const char *p = text;
    for (size_t i = 0; list && i < n; i++) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!(list[i] = strndup(p, len))) {
            free_list(list);
            return NULL;
        }
        p = end ? end + 1 : p + len;
    }
    return list;
}

/* Store text as opt's type at out + opt->offset. 0, -EINVAL or -ENOMEM. */
static int parse_value(const struct pd_option *opt, const char *text, int is_list, void *out)
{
    char *field = (char *)out + opt->offset;
    long l;
    double d;
    int b;
    pd_ns ns;

    if (is_list && opt->type != PD_OPT_LIST)
        return -EINVAL;
    switch (opt->type) {
    case PD_OPT_LIST: {
        char **list = split_list(text);
        if (!list)
            return -ENOMEM;
        free_list(*(char ***)field);
        *(char ***)field = list;
        return 0;
    }
    case PD_OPT_STRING:
    case PD_OPT_SECRET:
    case PD_OPT_PROFILE: {
        if (opt->type == PD_OPT_PROFILE && !pd_id_valid(text))
            return -EINVAL;
        char *s = strdup(text);
        if (!s)
            return -ENOMEM;
        free(*(char **)field);
        *(char **)field = s;
        return 0;
    }
    case PD_OPT_INT:
        if (pd_text_long(text, &l) < 0)
            return -EINVAL;
        *(long *)field = l;
        return 0;
    case PD_OPT_DOUBLE:
        if (pd_text_double(text, &d) < 0)
            return -EINVAL;
        *(double *)field = d;
        return 0;
    case PD_OPT_BOOL:
        if (pd_text_bool(text, &b) < 0)
            return -EINVAL;
        *(int *)field = b;
        return 0;
    case PD_OPT_DURATION:
        if (pd_duration_parse(text, &ns) < 0)
            return -EINVAL;
        *(pd_ns *)field = ns;
        return 0;
    case PD_OPT_PORT:
        if (pd_text_long(text, &l) < 0 || l < 1 || l > 65535)
            return -EINVAL;
        *(long *)field = l;
        return 0;
    }
    return -EINVAL;
}

/* An option table: a plugin's check options or its settings. */
struct table {
    const struct pd_plugin *plugin;
    const struct pd_option *opts;
    size_t n;
    const char *what; /* "check 'sip'", "this check", "plugins.icmp" */
    const char *kind; /* "type" (check options) or "plugin" (settings) */
};

static const struct pd_option *find_option(const struct table *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->opts[i].key, key) == 0)
            return &t->opts[i];
    return NULL;
}

static void known_keys(const struct table *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t->opts[i].key);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int is_text(enum pd_opt_type type)
{
    return type == PD_OPT_STRING || type == PD_OPT_SECRET || type == PD_OPT_PROFILE;
}

static void free_strings(const struct table *t, void *out)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct pd_option *opt = &t->opts[i];
        if (opt->type == PD_OPT_LIST) {
            char ***list = (char ***)((char *)out + opt->offset);
            free_list(*list);
            *list = NULL;
        }
        if (!is_text(opt->type))
            continue;
        char **field = (char **)((char *)out + opt->offset);
        /* A freed secret leaves nothing behind in the heap. */
        if (opt->type == PD_OPT_SECRET && *field)
            explicit_bzero(*field, strlen(*field));
        free(*field);
        *field = NULL;
    }
}

/* Parse params into out with the table's defaults; errors name t->what.
 * On failure the strings already stored are freed. */
static int parse_table(const struct table *t, const struct pd_param *params, size_t n_params,
                       const struct pd_mark *at, void *out, char *err, size_t errlen)
{
    const char *who = t->what;
    int rc = 0;

    for (size_t i = 0; i < n_params; i++) {
        if (find_option(t, params[i].key))
            continue;
        char keys[512];
        known_keys(t, keys, sizeof(keys));
        if (keys[0])
            pd_error_at(err, errlen, &params[i].at, "unknown option '%s' for %s (%s %s takes: %s)",
                        params[i].key, who, t->kind, t->plugin->name, keys);
        else
            pd_error_at(err, errlen, &params[i].at,
                        "unknown option '%s' for %s (%s %s takes no options)", params[i].key, who,
                        t->kind, t->plugin->name);
        rc = -EINVAL;
    }

    for (size_t i = 0; i < t->n; i++) {
        const struct pd_option *opt = &t->opts[i];
        const struct pd_param *param = NULL;
        for (size_t j = 0; j < n_params && !param; j++)
            if (strcmp(params[j].key, opt->key) == 0)
                param = &params[j];
        if (!param && !opt->def) {
            pd_error_at(err, errlen, at, "missing required option '%s' for %s (%s %s)", opt->key,
                        who, t->kind, t->plugin->name);
            rc = -EINVAL;
            continue;
        }
        int prc = parse_value(opt, param ? param->value : opt->def, param && param->is_list, out);
        if (prc == -ENOMEM) {
            pd_error_at(err, errlen, at, "out of memory");
            rc = -ENOMEM;
            goto fail;
        }
        if (prc < 0 && param) {
            if (param->is_list)
                pd_error_at(err, errlen, &param->at, "option '%s' of %s: expected %s, got a list",
                            opt->key, who, type_name(opt->type));
            else
                pd_error_at(err, errlen, &param->at, "option '%s' of %s: expected %s, got '%s'",
                            opt->key, who, type_name(opt->type),
                            opt->type == PD_OPT_SECRET ? "(not shown)" : param->value);
            rc = -EINVAL;
        } else if (prc < 0) {
            /* A bug in the plugin, but the user is the one who sees it. */
            pd_error_at(err, errlen, at, "plugin %s: bad default '%s' for option '%s'",
                        t->plugin->name, opt->def, opt->key);
            rc = -EINVAL;
        }
    }
    if (rc < 0)
        goto fail;
    return 0;
fail:
    free_strings(t, out);
    return rc;
}

/* check_id may be NULL: then messages say "this check". */
static int parse_all(const struct pd_plugin *plugin, const struct pd_param *params, size_t n_params,
                     const struct pd_mark *check_at, const char *check_id,
                     const struct pd_check_limits *limits, void *out, char *err, size_t errlen)
{
    char who[PD_ID_MAX + 16];
    if (check_id)
        snprintf(who, sizeof(who), "check '%s'", check_id);
    else
        snprintf(who, sizeof(who), "this check");
    struct table t = {plugin, plugin->options, plugin->n_options, who, "type"};
    int rc = parse_table(&t, params, n_params, check_at, out, err, errlen);
    if (rc < 0 || !plugin->validate)
        return rc;
    char why[512] = "";
    if (plugin->validate(out, limits, why, sizeof(why)) < 0) {
        pd_error_at(err, errlen, check_at, "%s (type %s): %s", who, plugin->name,
                    why[0] ? why : "invalid options");
        free_strings(&t, out);
        return -EINVAL;
    }
    return 0;
}

int pd_options_parse(const struct pd_plugin *plugin, const struct pd_param *params, size_t n_params,
                     const struct pd_mark *check_at, const struct pd_check_limits *limits,
                     void *out, char *err, size_t errlen)
{
    return parse_all(plugin, params, n_params, check_at, NULL, limits, out, err, errlen);
}

int pd_options_parse_check(const struct pd_plugin *plugin, const struct pd_check_conf *check,
                           void *out, char *err, size_t errlen)
{
    struct pd_check_limits limits = {check->interval, check->timeout};
    return parse_all(plugin, check->params, check->n_params, &check->at, check->id, &limits, out,
                     err, errlen);
}

void pd_options_free(const struct pd_plugin *plugin, void *params)
{
    struct table t = {plugin, plugin->options, plugin->n_options, "", "type"};
    free_strings(&t, params);
}

int pd_options_parse_settings(const struct pd_plugin *plugin, const struct pd_plugin_conf *conf,
                              void *out, char *err, size_t errlen)
{
    char who[PD_ID_MAX + 16];
    snprintf(who, sizeof(who), "plugins.%s", plugin->name);
    struct table t = {plugin, plugin->settings, plugin->n_settings, who, "plugin"};
    int rc = parse_table(&t, conf ? conf->params : NULL, conf ? conf->n_params : 0,
                         conf ? &conf->at : NULL, out, err, errlen);
    if (rc < 0 || !plugin->validate_settings)
        return rc;
    char why[512] = "";
    if (plugin->validate_settings(out, why, sizeof(why)) < 0) {
        pd_error_at(err, errlen, conf ? &conf->at : NULL, "%s: %s", who,
                    why[0] ? why : "invalid settings");
        free_strings(&t, out);
        return -EINVAL;
    }
    return 0;
}

int pd_options_parse_profile(const struct pd_plugin *plugin, const struct pd_profile_conf *conf,
                             void *out, char *err, size_t errlen)
{
    char who[2 * PD_ID_MAX + 40];
    snprintf(who, sizeof(who), "profile '%s' of plugins.%s", conf->name, plugin->name);
    struct table t = {plugin, plugin->profile_options, plugin->n_profile_options, who, "plugin"};
    if (!plugin->profile_size) {
        pd_error_at(err, errlen, &conf->at, "plugin %s takes no profiles", plugin->name);
        return -EINVAL;
    }
    int rc = parse_table(&t, conf->params, conf->n_params, &conf->at, out, err, errlen);
    if (rc < 0 || !plugin->validate_profile)
        return rc;
    char why[512] = "";
    if (plugin->validate_profile(out, why, sizeof(why)) < 0) {
        pd_error_at(err, errlen, &conf->at, "%s: %s", who, why[0] ? why : "invalid profile");
        free_strings(&t, out);
        return -EINVAL;
    }
    return 0;
}

void pd_options_free_profile(const struct pd_plugin *plugin, void *profile)
{
    struct table t = {plugin, plugin->profile_options, plugin->n_profile_options, "", "plugin"};
    free_strings(&t, profile);
}

int pd_options_check_profiles(const struct pd_plugin *plugin, const struct pd_config *cfg,
                              const struct pd_check_conf *check, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < plugin->n_options; i++) {
        const struct pd_option *opt = &plugin->options[i];
        if (opt->type != PD_OPT_PROFILE)
            continue;
        const struct pd_param *param = NULL;
        for (size_t j = 0; j < check->n_params && !param; j++)
            if (strcmp(check->params[j].key, opt->key) == 0)
                param = &check->params[j];
        const char *name = param ? param->value : opt->def;
        if (!name || pd_config_profile(cfg, plugin->name, name))
            continue;
        const struct pd_plugin_conf *pc = pd_config_plugin(cfg, plugin->name);
        char names[512] = "";
        size_t used = 0;
        for (size_t k = 0; pc && k < pc->n_profiles && used < sizeof(names); k++)
            used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", k ? ", " : "",
                                     pc->profiles[k].name);
        pd_error_at(err, errlen, param ? &param->at : &check->at,
                    "check '%s': no profile '%s' in plugins.%s.profiles (%s%s)", check->id, name,
                    plugin->name, names[0] ? "defined: " : "none defined", names);
        rc = -EINVAL;
    }
    return rc;
}

void pd_options_free_settings(const struct pd_plugin *plugin, void *settings)
{
    struct table t = {plugin, plugin->settings, plugin->n_settings, "", "plugin"};
    free_strings(&t, settings);
}
