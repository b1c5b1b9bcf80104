#include "registry.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

#define MAX_PLUGINS 32

struct loaded_plugin {
    void *handle;
    const struct pd_plugin *plugin;
    int initialised;
};

struct pd_registry {
    char dir[PATH_MAX];
    struct loaded_plugin plugins[MAX_PLUGINS];
    size_t n;
};

/* Plugins live next to the binary in a build tree ("<exe dir>/plugins"),
 * and in the installed directory otherwise. */
static void default_dir(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            struct stat st;
            int w = snprintf(out, len, "%s/plugins", exe);
            if (w > 0 && (size_t)w < len && stat(out, &st) == 0 && S_ISDIR(st.st_mode))
                return;
        }
    }
    snprintf(out, len, "%s", PROBED_PLUGIN_DIR);
}

struct pd_registry *pd_registry_new(const char *dir)
{
    struct pd_registry *reg = calloc(1, sizeof(*reg));
    if (!reg)
        return NULL;
    if (dir)
        snprintf(reg->dir, sizeof(reg->dir), "%s", dir);
    else
        default_dir(reg->dir, sizeof(reg->dir));
    return reg;
}

void pd_registry_free(struct pd_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++) {
        struct loaded_plugin *lp = &reg->plugins[i];
        if (lp->initialised && lp->plugin->shutdown)
            lp->plugin->shutdown(NULL);
        /* Not dlclose()d: a plugin may have registered atexit handlers or
         * thread-locals in the libraries it pulled in. */
    }
    free(reg);
}

const char *pd_registry_dir(const struct pd_registry *reg)
{
    return reg->dir;
}

const struct pd_plugin *pd_registry_get(struct pd_registry *reg, const char *type, char *err,
                                        size_t errlen)
{
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->plugins[i].plugin->name, type) == 0)
            return reg->plugins[i].plugin;

    if (!pd_id_valid(type)) {
        snprintf(err, errlen, "'%s' is not a plugin name", type);
        return NULL;
    }
    if (reg->n == MAX_PLUGINS) {
        snprintf(err, errlen, "too many plugins (at most %d)", MAX_PLUGINS);
        return NULL;
    }
    char path[PATH_MAX + 80];
    snprintf(path, sizeof(path), "%s/%s.so", reg->dir, type);
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen, "unknown check type '%s' (no plugin %s)", type, path);
        return NULL;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(err, errlen, "cannot load plugin %s: %s", path, dlerror());
        return NULL;
    }
    const struct pd_plugin *plugin = dlsym(handle, "pd_plugin_entry");
    if (!plugin) {
        snprintf(err, errlen, "%s is not a probed plugin (no pd_plugin_entry)", path);
        goto fail;
    }
    if (plugin->abi != PD_PLUGIN_ABI) {
        snprintf(err, errlen, "plugin %s was built for ABI %u, this probed has ABI %d", path,
                 plugin->abi, PD_PLUGIN_ABI);
        goto fail;
    }
    if (!plugin->name || strcmp(plugin->name, type) != 0 || !plugin->run || !plugin->start) {
        snprintf(err, errlen, "plugin %s does not describe itself as '%s'", path, type);
        goto fail;
    }
    reg->plugins[reg->n++] = (struct loaded_plugin){.handle = handle, .plugin = plugin};
    return plugin;
fail:
    dlclose(handle);
    return NULL;
}

int pd_registry_init(struct pd_registry *reg, char *err, size_t errlen)
{
    for (size_t i = 0; i < reg->n; i++) {
        struct loaded_plugin *lp = &reg->plugins[i];
        if (lp->initialised)
            continue;
        if (lp->plugin->init) {
            char why[256] = "";
            int rc = lp->plugin->init(NULL, why, sizeof(why));
            if (rc < 0) {
                snprintf(err, errlen, "plugin %s: %s", lp->plugin->name, why);
                return rc;
            }
        }
        lp->initialised = 1;
    }
    return 0;
}

int pd_config_bind_plugins(const struct pd_config *cfg, struct pd_registry *reg, char *err,
                           size_t errlen)
{
    int rc = 0;
    for (size_t t = 0; t < cfg->n_templates; t++) {
        const struct pd_template *tmpl = &cfg->templates[t];
        for (size_t c = 0; c < tmpl->n_checks; c++) {
            const struct pd_check_conf *cc = &tmpl->checks[c];
            char why[512];
            const struct pd_plugin *plugin = pd_registry_get(reg, cc->type, why, sizeof(why));
            if (!plugin) {
                pd_error_at(err, errlen, &cc->at, "%s", why);
                rc = -EINVAL;
                continue;
            }
            void *params = calloc(1, plugin->params_size ? plugin->params_size : 1);
            if (!params)
                return -ENOMEM;
            if (pd_options_parse_check(plugin, cc, params, err, errlen) < 0)
                rc = -EINVAL;
            else
                pd_options_free(plugin, params);
            free(params);
        }
    }
    return rc;
}
