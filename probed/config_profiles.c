/*
 * Plugin profiles (named option sets, such as SNMP credentials) and the
 * secrets file that completes them. Only the structure is checked here;
 * each profile's options are parsed with its plugin's table when the
 * plugins are bound (registry.c).
 */
#include "config_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct pd_profile_conf *pd_config_profile(const struct pd_config *cfg, const char *plugin,
                                                const char *name)
{
    const struct pd_plugin_conf *pc = pd_config_plugin(cfg, plugin);
    for (size_t i = 0; pc && name && i < pc->n_profiles; i++)
        if (strcmp(pc->profiles[i].name, name) == 0)
            return &pc->profiles[i];
    return NULL;
}

void pd_config_load_profiles(struct pd_yreader *r, struct pd_plugin_conf *pc,
                             const struct pd_ynode *node)
{
    static const char *const none[] = {NULL};
    if (pd_ywant(r, node, PD_YMAP, "profiles") < 0 || node->n == 0)
        return;
    if (!(pc->profiles = calloc(node->n, sizeof(*pc->profiles)))) {
        pd_yfail_nomem(r, node);
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(node, i), *v = pd_ymap_value(node, i);
        struct pd_profile_conf *p = &pc->profiles[pc->n_profiles];
        if (pd_yread_id(r, key, "profile name", &p->name) < 0)
            continue;
        p->at = pd_ymark(r, key);
        pc->n_profiles++;
        if (pd_ynode_is_null(v)) {
            p->params = calloc(1, sizeof(*p->params));
            if (!p->params)
                pd_yfail_nomem(r, v);
            continue;
        }
        if (pd_ywant(r, v, PD_YMAP, "a profile") == 0)
            pd_config_collect_params(r, v, none, &p->params, &p->n_params);
    }
}

static struct pd_profile_conf *find_profile(struct pd_config *cfg, const char *plugin,
                                            const char *name)
{
    return (struct pd_profile_conf *)pd_config_profile(cfg, plugin, name);
}

static void merge_profile(struct pd_yreader *r, struct pd_profile_conf *p,
                          const struct pd_ynode *node)
{
    for (size_t i = 0; i < node->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(node, i), *v = pd_ymap_value(node, i);
        if (v->kind != PD_YSCALAR) {
            pd_yfail(r, v, "secret '%s' must be a single value", key->text);
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < p->n_params && !dup; k++)
            dup = strcmp(p->params[k].key, key->text) == 0;
        if (dup) {
            pd_yfail(r, key,
                     "'%s' of profile '%s' is given in the configuration too; keep it in "
                     "one place",
                     key->text, p->name);
            continue;
        }
        struct pd_param *grown = realloc(p->params, (p->n_params + 1) * sizeof(*grown));
        if (!grown) {
            pd_yfail_nomem(r, v);
            return;
        }
        p->params = grown;
        struct pd_param *np = &p->params[p->n_params];
        *np = (struct pd_param){.at = pd_ymark(r, key)};
        np->key = strdup(key->text);
        np->value = strdup(v->text);
        if (!np->key || !np->value) {
            free(np->key);
            free(np->value);
            pd_yfail_nomem(r, v);
            return;
        }
        p->n_params++;
    }
}

void pd_config_merge_secrets(struct pd_yreader *r, struct pd_config *cfg,
                             const struct pd_ynode *root)
{
    if (!root || pd_ynode_is_null(root))
        return;
    if (pd_ywant(r, root, PD_YMAP, "the secrets file ({plugin: {profile: {key: value}}})") < 0)
        return;
    for (size_t i = 0; i < root->n; i++) {
        const struct pd_ynode *plugin = pd_ymap_key(root, i), *profiles = pd_ymap_value(root, i);
        /* Not a plugin: the alert channels' secrets (config_alerts.c). */
        if (strcmp(plugin->text, "alerts") == 0) {
            pd_config_merge_alert_secrets(r, cfg, profiles);
            continue;
        }
        if (!pd_config_plugin(cfg, plugin->text)) {
            pd_yfail(r, plugin,
                     "secrets for plugin '%s', which has no profiles in the "
                     "configuration",
                     plugin->text);
            continue;
        }
        if (pd_ywant(r, profiles, PD_YMAP, "profiles") < 0)
            continue;
        for (size_t k = 0; k < profiles->n; k++) {
            const struct pd_ynode *name = pd_ymap_key(profiles, k);
            const struct pd_ynode *values = pd_ymap_value(profiles, k);
            struct pd_profile_conf *p = find_profile(cfg, plugin->text, name->text);
            if (!p) {
                pd_yfail(r, name,
                         "secrets for profile '%s', which plugins.%s.profiles does not "
                         "define",
                         name->text, plugin->text);
                continue;
            }
            if (pd_ywant(r, values, PD_YMAP, "the profile's secrets") == 0)
                merge_profile(r, p, values);
        }
    }
}
