#include "registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "plugin_ctx.h"

#define MAX_PLUGINS 32

struct loaded_plugin {
    void *handle;
    const struct pd_plugin *plugin;
    struct pd_plugin_ctx ctx;
    int initialised;
};

struct pd_registry {
    char dir[PATH_MAX];
    struct loaded_plugin plugins[MAX_PLUGINS];
    size_t n;
    struct pd_health *health; /* borrowed */
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

static void free_profiles(const struct pd_plugin *plugin, struct pd_ctx_profile *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        if (v[i].values) {
            pd_options_free_profile(plugin, v[i].values);
            explicit_bzero(v[i].values, plugin->profile_size);
        }
        free(v[i].values);
        free(v[i].name);
    }
    free(v);
}

/* Every profile cfg gives plugin, parsed; *out NULL when there are none. */
static int parse_profiles(const struct pd_plugin *plugin, const struct pd_config *cfg,
                          struct pd_ctx_profile **out, size_t *n_out, char *err, size_t errlen)
{
    const struct pd_plugin_conf *pc = pd_config_plugin(cfg, plugin->name);
    *out = NULL;
    *n_out = 0;
    if (!pc || pc->n_profiles == 0)
        return 0;
    struct pd_ctx_profile *v = calloc(pc->n_profiles, sizeof(*v));
    if (!v)
        return -ENOMEM;
    int rc = 0;
    size_t n = pc->n_profiles; /* entries left zeroed are freed safely */
    for (size_t i = 0; i < n; i++) {
        if (!(v[i].name = strdup(pc->profiles[i].name)) ||
            !(v[i].values = calloc(1, plugin->profile_size ? plugin->profile_size : 1))) {
            rc = -ENOMEM;
            break;
        }
        int prc = pd_options_parse_profile(plugin, &pc->profiles[i], v[i].values, err, errlen);
        if (prc < 0) {
            free(v[i].values); /* its strings are freed already */
            v[i].values = NULL;
            rc = prc;
        }
    }
    if (rc < 0) {
        free_profiles(plugin, v, n);
        return rc;
    }
    *out = v;
    *n_out = n;
    return 0;
}

const struct pd_plugin_ctx *pd_registry_ctx(const struct pd_registry *reg,
                                            const struct pd_plugin *plugin)
{
    for (size_t i = 0; i < reg->n; i++)
        if (reg->plugins[i].plugin == plugin)
            return &reg->plugins[i].ctx;
    return NULL;
}

void pd_registry_free(struct pd_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++) {
        struct loaded_plugin *lp = &reg->plugins[i];
        if (lp->initialised && lp->plugin->shutdown)
            lp->plugin->shutdown(&lp->ctx);
        pd_ctx_cancel_all(&lp->ctx);
        if (lp->ctx.settings)
            pd_options_free_settings(lp->plugin, lp->ctx.settings);
        free(lp->ctx.settings);
        free_profiles(lp->plugin, lp->ctx.profiles, lp->ctx.n_profiles);
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
    struct loaded_plugin *lp = &reg->plugins[reg->n++];
    *lp = (struct loaded_plugin){.handle = handle, .plugin = plugin};
    lp->ctx.plugin = plugin;
    return plugin;
fail:
    dlclose(handle);
    return NULL;
}

int pd_registry_load_all(struct pd_registry *reg, char *err, size_t errlen)
{
    DIR *dir = opendir(reg->dir);
    if (!dir) {
        snprintf(err, errlen, "plugin directory %s: %s", reg->dir, strerror(errno));
        return -errno;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(dir)) && rc == 0) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0 || len - 3 > PD_ID_MAX)
            continue;
        char type[PD_ID_MAX + 1];
        snprintf(type, sizeof(type), "%.*s", (int)(len - 3), de->d_name);
        if (!pd_registry_get(reg, type, err, errlen))
            rc = -EINVAL;
    }
    closedir(dir);
    return rc;
}

int pd_registry_configure(struct pd_registry *reg, const struct pd_config *cfg, char *err,
                          size_t errlen)
{
    void *fresh[MAX_PLUGINS] = {0};
    struct pd_ctx_profile *profiles[MAX_PLUGINS] = {0};
    size_t n_profiles[MAX_PLUGINS] = {0};
    int rc = 0;
    for (size_t i = 0; i < reg->n && rc == 0; i++) {
        const struct pd_plugin *plugin = reg->plugins[i].plugin;
        rc = parse_profiles(plugin, cfg, &profiles[i], &n_profiles[i], err, errlen);
        if (rc < 0 || !plugin->settings_size)
            continue;
        if (!(fresh[i] = calloc(1, plugin->settings_size)))
            rc = -ENOMEM;
        else
            rc = pd_options_parse_settings(plugin, pd_config_plugin(cfg, plugin->name), fresh[i],
                                           err, errlen);
    }
    /* All or nothing: on failure the running settings stay. Freeing the
     * strings of a struct that failed to parse is safe: they are NULL. */
    for (size_t i = 0; i < reg->n; i++) {
        struct loaded_plugin *lp = &reg->plugins[i];
        if (rc == 0) {
            free_profiles(lp->plugin, lp->ctx.profiles, lp->ctx.n_profiles);
            lp->ctx.profiles = profiles[i];
            lp->ctx.n_profiles = n_profiles[i];
        } else {
            free_profiles(lp->plugin, profiles[i], n_profiles[i]);
        }
        if (!fresh[i])
            continue;
        void *drop = rc == 0 ? lp->ctx.settings : fresh[i];
        if (rc == 0)
            lp->ctx.settings = fresh[i];
        if (drop)
            pd_options_free_settings(lp->plugin, drop);
        free(drop);
    }
    return rc;
}

int pd_registry_init(struct pd_registry *reg, struct pd_loop *loop, char *err, size_t errlen)
{
    for (size_t i = 0; i < reg->n; i++) {
        struct loaded_plugin *lp = &reg->plugins[i];
        if (lp->initialised)
            continue;
        lp->ctx.loop = loop;
        lp->ctx.health = reg->health;
        if (lp->plugin->settings_size && !lp->ctx.settings) {
            /* Loaded after the last configure(): its defaults. */
            if (!(lp->ctx.settings = calloc(1, lp->plugin->settings_size)))
                return -ENOMEM;
            int prc = pd_options_parse_settings(lp->plugin, NULL, lp->ctx.settings, err, errlen);
            if (prc < 0)
                return prc;
        }
        if (lp->plugin->init) {
            char why[256] = "";
            int rc = lp->plugin->init(&lp->ctx, why, sizeof(why));
            if (rc < 0) {
                snprintf(err, errlen, "plugin %s: %s", lp->plugin->name, why);
                return rc;
            }
        }
        lp->initialised = 1;
    }
    return 0;
}

void pd_registry_set_health(struct pd_registry *reg, struct pd_health *health)
{
    reg->health = health;
}

int pd_config_bind_plugins(const struct pd_config *cfg, struct pd_registry *reg, char *err,
                           size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        const struct pd_plugin_conf *pc = &cfg->plugins[i];
        char why[512];
        const struct pd_plugin *plugin = pd_registry_get(reg, pc->name, why, sizeof(why));
        if (!plugin) {
            pd_error_at(err, errlen, &pc->at, "plugins: %s", why);
            rc = -EINVAL;
            continue;
        }
        void *settings = calloc(1, plugin->settings_size ? plugin->settings_size : 1);
        if (!settings)
            return -ENOMEM;
        if (pd_options_parse_settings(plugin, pc, settings, err, errlen) < 0)
            rc = -EINVAL;
        else
            pd_options_free_settings(plugin, settings);
        free(settings);
        struct pd_ctx_profile *profiles;
        size_t n_profiles;
        int prc = parse_profiles(plugin, cfg, &profiles, &n_profiles, err, errlen);
        if (prc == -ENOMEM)
            return prc;
        if (prc < 0)
            rc = -EINVAL;
        else
            free_profiles(plugin, profiles, n_profiles);
    }
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
            if (pd_options_check_profiles(plugin, cfg, cc, err, errlen) < 0)
                rc = -EINVAL;
        }
    }
    return rc;
}
