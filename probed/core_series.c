/*
 * The parts of a check that have series of their own (pd_series): their
 * samples go to <check>/<series>.rrd, their descriptions (pd_describe) to
 * the event store, but only when they changed: the plugin may describe
 * every part every round.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "storage.h"

#define DESC_MAX 255

struct described {
    char key[PD_SERIES_MAX + 1]; /* the series, "" for the check itself */
    uint64_t hash;               /* of label and description as last stored */
};

int pd_core_series_id_ok(struct pd_check *check, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n > 0 && n <= PD_SERIES_MAX && strcmp(id, ".") != 0 && strcmp(id, "..") != 0 &&
        strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n)
        return 1;
    pd_log(check, PD_LOG_WARNING,
           "series id '%.80s' rejected: [a-z0-9._-]{1,%d} expected (plugin bug)", id ? id : "",
           PD_SERIES_MAX);
    return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ 0xff) * 1099511628211u; /* a separator: "a"+"bc" differs from "ab"+"c" */
}

/* s cut to at most DESC_MAX bytes, never inside a UTF-8 sequence. */
static void cut_utf8(char *out, const char *s)
{
    size_t n = strlen(s);
    if (n > DESC_MAX) {
        n = DESC_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

void pd_core_describe(struct pd_check *check, const char *series, const char *label,
                      const char *description)
{
    char l[DESC_MAX + 1], d[DESC_MAX + 1];
    if (series && !pd_core_series_id_ok(check, series))
        return;
    cut_utf8(l, label ? label : "");
    cut_utf8(d, description ? description : "");
    uint64_t hash = fnv1a(fnv1a(1469598103934665603u, l), d);
    const char *key = series ? series : "";
    struct described *x = pd_hashmap_get(&check->described, key);
    if (x && x->hash == hash)
        return;
    if (!x) {
        if (!(x = calloc(1, sizeof(*x))))
            return;
        snprintf(x->key, sizeof(x->key), "%s", key);
        if (pd_hashmap_put(&check->described, x->key, x) < 0) {
            free(x);
            return;
        }
    }
    x->hash = hash;
    if (check->core->storage)
        pd_storage_describe(check->core->storage, check->target->conf->id, check->conf->id, key,
                            pd_clock_wall(), l, d);
}

void pd_core_series(struct pd_check *check, pd_ns when, const struct pd_series *series, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pd_series *s = &series[i];
        if (!pd_core_series_id_ok(check, s->id))
            continue;
        struct pd_metric m[PD_CORE_MAX_METRICS];
        size_t k = pd_core_valid_metrics(check, s->metrics, s->n_metrics, m);
        if (k > 0 && check->core->storage)
            pd_storage_sample(check->core->storage, check->target->conf->id, check->conf->id, s->id,
                              check->conf->interval, when, m, k);
    }
}

void pd_core_described_free(struct pd_check *check)
{
    const char *key;
    void *value;
    for (size_t pos = 0; pd_hashmap_next(&check->described, &pos, &key, &value);)
        free(value);
    pd_hashmap_free(&check->described);
}
