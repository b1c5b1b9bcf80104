/*
 * Plugins: shared objects named <dir>/<type>.so, each exporting
 * `pd_plugin_entry`. Loaded on first use, checked for the ABI version and
 * their own name, initialised once (init runs before privileges drop).
 */
#ifndef PROBED_REGISTRY_H
#define PROBED_REGISTRY_H

#include <stddef.h>

#include "config.h"
#include "loop.h"
#include "plugin.h"

struct pd_registry;

/* dir: borrowed; NULL picks "<directory of the binary>/plugins" when it
 * exists, else the installed PROBED_PLUGIN_DIR. */
struct pd_registry *pd_registry_new(const char *dir);
void pd_registry_free(struct pd_registry *reg); /* shuts down what it initialised */
const char *pd_registry_dir(const struct pd_registry *reg);

/* Load (once) the plugin for type; NULL with err filled when missing or
 * incompatible. */
const struct pd_plugin *pd_registry_get(struct pd_registry *reg, const char *type, char *err,
                                        size_t errlen);

/* Load every plugin in the directory, so that all of them are initialised
 * while the daemon still has its privileges. */
int pd_registry_load_all(struct pd_registry *reg, char *err, size_t errlen);

/* Parse every loaded plugin's settings from cfg (its `plugins:` section)
 * and install them; on failure nothing changes. 0 or -EINVAL/-ENOMEM. */
int pd_registry_configure(struct pd_registry *reg, const struct pd_config *cfg, char *err,
                          size_t errlen);

/* Run init of every loaded plugin not yet initialised; their watches and
 * timers go on loop (borrowed). 0 or -errno with err naming the plugin. */
int pd_registry_init(struct pd_registry *reg, struct pd_loop *loop, char *err, size_t errlen);

/* Where plugins' own counters go (pd_ctx_counter): health is borrowed and
 * must outlive the registry; set before pd_registry_init. */
struct pd_health;
void pd_registry_set_health(struct pd_registry *reg, struct pd_health *health);

/* Check every check of every template against its plugin: the type exists,
 * options parse and validate. Appends file:line:col errors to err.
 * Returns 0 or -EINVAL. */
int pd_config_bind_plugins(const struct pd_config *cfg, struct pd_registry *reg, char *err,
                           size_t errlen);

#endif
