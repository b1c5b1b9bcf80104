#include "probectl_oneshot.h"

#include <errno.h>
#include <netdb.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "loop.h"
#include "probectl_common.h"
#include "registry.h"
#include "resolver.h"

static void on_result(void *arg, pd_check *check, enum pd_verdict verdict, const char *reason,
                      const struct pd_metric *metrics, size_t n)
{
    (void)check;
    struct pctl_oneshot *r = arg;
    r->done = 1;
    r->verdict = verdict;
    snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
    for (size_t i = 0; i < n && i < PCTL_ONESHOT_METRICS; i++) {
        snprintf(r->names[i], sizeof(r->names[i]), "%s", metrics[i].name);
        r->metrics[i] = (struct pd_metric){r->names[i], metrics[i].value};
        r->n = i + 1;
    }
}

int pctl_oneshot_run(const struct pd_config *base, const char *address,
                     const struct pd_check_conf *cc, struct pctl_oneshot *res, char *err,
                     size_t errlen)
{
    struct pd_registry *reg = NULL;
    struct pd_config *one = NULL;
    struct pd_core *core = NULL;
    int rc = -ENOMEM;

    memset(res, 0, sizeof(*res));
    pd_log_setup(PD_LOG_STDERR, PD_LOG_WARNING, "probectl");
    if (!(one = pd_config_oneshot(base, address, cc)) ||
        !(reg = pd_registry_new(base ? base->plugin_dir : NULL))) {
        snprintf(err, errlen, "out of memory\n");
        goto out;
    }
    struct pd_loop *loop = pd_loop_default();
    err[0] = '\0';
    if ((rc = pd_config_bind_plugins(one, reg, err, errlen)) < 0 ||
        (rc = pd_registry_configure(reg, one, err, errlen)) < 0 ||
        (rc = pd_registry_init(reg, loop, err, errlen)) < 0)
        goto out;
    struct pd_config *taken = one;
    one = NULL;
    if ((rc = pd_core_new(loop, reg, NULL, taken, &core, err, errlen)) < 0)
        goto out;
    pd_core_on_result(core, on_result, res);
    pd_core_run_now(core, pd_core_find_check(core, "oneshot", cc->id));
    /* Bounded by the round itself: the check's timeout ends it. */
    while (!res->done)
        pd_loop_run_once(loop);
    rc = 0;
out:
    pd_core_free(core);
    pd_registry_free(reg);
    pd_config_free(one);
    return rc;
}

void pctl_set_param(struct pctl_set *s, const char *key, const char *value, int is_list)
{
    size_t i = 0;
    while (i < s->n && strcmp(s->p[i].key, key) != 0)
        i++;
    if (i == PCTL_SET_MAX)
        return;
    s->p[i] = (struct pd_param){.key = (char *)key,
                                .value = (char *)value,
                                .is_list = is_list,
                                .at = {.file = "command line"}};
    if (i == s->n)
        s->n++;
}

void pctl_set_default(struct pctl_set *s, const char *key, const char *value)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->p[i].key, key) == 0)
            return;
    pctl_set_param(s, key, value, 0);
}

size_t pctl_merge_params(const struct pd_check_conf *base, const struct pctl_set *set,
                         struct pd_param *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; base && i < base->n_params && n < cap; i++)
        out[n++] = base->params[i];
    for (size_t i = 0; i < set->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(out[k].key, set->p[i].key) != 0)
            k++;
        if (k == cap)
            break;
        out[k] = set->p[i];
        if (k == n)
            n++;
    }
    return n;
}

const struct pd_check_conf *pctl_target_check(const struct pd_config *cfg, const char *id,
                                              const char *type,
                                              const struct pd_target_conf **target)
{
    const char *slash = strchr(id, '/');
    size_t id_len = slash ? (size_t)(slash - id) : strlen(id);
    for (size_t i = 0; cfg && i < cfg->n_targets; i++) {
        if (strlen(cfg->targets[i].id) != id_len || memcmp(cfg->targets[i].id, id, id_len) != 0)
            continue;
        *target = &cfg->targets[i];
        const struct pd_template *t = cfg->targets[i].tmpl;
        for (size_t c = 0; c < t->n_checks; c++)
            if (strcmp(t->checks[c].type, type) == 0 &&
                (!slash || strcmp(t->checks[c].id, slash + 1) == 0))
                return &t->checks[c];
        return NULL;
    }
    return NULL;
}

void pctl_no_check(FILE *errout, const char *cmd, const char *what,
                   const struct pd_target_conf *target, const char *type, const char *hint)
{
    const char *slash = strchr(what, '/');
    fprintf(errout, "probectl %s: target %s (type %s) has no %s check%s%s%s%s\n", cmd, target->id,
            target->type, type, slash ? " '" : "", slash ? slash + 1 : "", slash ? "'" : "",
            hint ? hint : "");
}

double pctl_oneshot_metric(const struct pctl_oneshot *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->metrics[i].name, name) == 0)
            return r->metrics[i].value;
    return NAN;
}

const char *pctl_verdict_text(enum pd_verdict v, int json)
{
    return v == PD_OK ? "good" : v == PD_BAD ? "bad" : json ? "no_verdict" : "no verdict";
}

void pctl_oneshot_json_metrics(struct pctl_json *j, const struct pctl_oneshot *r)
{
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof(text), "{");
    for (size_t i = 0; i < r->n && used < sizeof(text); i++) {
        double v = r->metrics[i].value;
        if (isnan(v))
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\"%s\":null",
                                     i ? "," : "", r->metrics[i].name);
        else
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\"%s\":%.9g",
                                     i ? "," : "", r->metrics[i].name, v);
    }
    if (used < sizeof(text))
        snprintf(text + used, sizeof(text) - used, "}");
    pctl_json_metrics(j, "metrics", text);
}

int pctl_resolve(const char *cmd, const char *name, int family, char *out, size_t len, FILE *errout)
{
    if (pd_address_is_literal(name)) {
        snprintf(out, len, "%s", name);
        return 0;
    }
    /* Blocking, which is fine for a command. */
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM}, *ai = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &ai);
    if (rc != 0 || !ai) {
        fprintf(errout, "probectl %s: '%s' is not a configured target, and as a host name: %s\n",
                cmd, name, rc ? gai_strerror(rc) : "no address");
        return -ENOENT;
    }
    rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(ai);
    return rc == 0 ? 0 : -ENOENT;
}
