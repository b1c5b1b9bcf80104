/*
 * The plugin-wide context: what a plugin's init() and its shared resources
 * get instead of a check. Owned by the registry, one per loaded plugin;
 * its watches and timers are made by plugin_api.c.
 */
#ifndef PROBED_PLUGIN_CTX_H
#define PROBED_PLUGIN_CTX_H

#include "loop.h"
#include "plugin.h"

struct pd_plugin_ctx {
    const struct pd_plugin *plugin;
    struct pd_loop *loop;     /* borrowed */
    void *settings;           /* owned; plugin->settings_size bytes */
    struct pd_watch *watches; /* made through pd_ctx_watch_fd */
    struct pd_timer *timers;
};

/* Drop every watch and timer the plugin still holds (after shutdown). */
void pd_ctx_cancel_all(struct pd_plugin_ctx *ctx);

#endif
