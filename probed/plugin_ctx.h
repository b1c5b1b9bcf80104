/*
 * The plugin-wide context: what a plugin's init() and its shared resources
 * get instead of a check. Owned by the registry, one per loaded plugin;
 * its watches and timers are made by plugin_api.c.
 */
#ifndef PROBED_PLUGIN_CTX_H
#define PROBED_PLUGIN_CTX_H

#include "loop.h"
#include "plugin.h"

/* A parsed profile (plugin->profile_size bytes). */
struct pd_ctx_profile {
    char *name;
    void *values;
};

struct pd_plugin_ctx {
    const struct pd_plugin *plugin;
    struct pd_loop *loop;            /* borrowed */
    struct pd_health *health;        /* borrowed; NULL: no figures kept */
    void *settings;                  /* owned; plugin->settings_size bytes */
    struct pd_ctx_profile *profiles; /* owned */
    size_t n_profiles;
    struct pd_watch *watches; /* made through pd_ctx_watch_fd */
    struct pd_timer *timers;
};

/* The plugin's context in reg, for pd_check_profile(); NULL if not loaded. */
struct pd_registry;
const struct pd_plugin_ctx *pd_registry_ctx(const struct pd_registry *reg,
                                            const struct pd_plugin *plugin);

/* Drop every watch and timer the plugin still holds (after shutdown). */
void pd_ctx_cancel_all(struct pd_plugin_ctx *ctx);

#endif
