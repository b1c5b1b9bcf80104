#include "inspect_sample.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_write.h"

double pd_sample_uniform(const char *quarter, const char *path)
{
    /* A fixed tag, then the quarter and the path, each ended by a NUL so
     * that no two (quarter, path) pairs hash the same bytes. */
    size_t lq = strlen(quarter), lp = strlen(path);
    char buf[512];
    char *msg = lq + lp + 16 <= sizeof(buf) ? buf : malloc(lq + lp + 16);
    char hex[PD_SHA256_HEX];
    if (!msg)
        return 0.5; /* out of memory: a fixed draw rather than none */
    memcpy(msg, "probed-sample", 14);
    memcpy(msg + 14, quarter, lq + 1);
    memcpy(msg + 15 + lq, path, lp + 1);
    pd_sha256_hex(msg, 16 + lq + lp, hex);
    if (msg != buf)
        free(msg);
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char c = hex[i];
        x = x << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    /* The middle of one of 2^53 equal slices (a double's precision): never 0,
     * never 1. */
    return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

struct ranked {
    size_t index;
    double key;
    const char *path;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return strcmp(x->path, y->path);
}

long pd_sample_choose(const struct pd_sample_site *sites, size_t n_sites, const char *quarter,
                      size_t n, size_t *out, double *keys)
{
    if (n_sites == 0 || n == 0)
        return 0;
    struct ranked *r = malloc(n_sites * sizeof(*r));
    if (!r)
        return -ENOMEM;
    for (size_t i = 0; i < n_sites; i++) {
        double w = sites[i].weight > 0 ? sites[i].weight : 1;
        r[i] =
            (struct ranked){i, log(pd_sample_uniform(quarter, sites[i].path)) / w, sites[i].path};
    }
    qsort(r, n_sites, sizeof(*r), cmp_ranked);
    size_t k = n < n_sites ? n : n_sites;
    for (size_t i = 0; i < k; i++) {
        out[i] = r[i].index;
        if (keys)
            keys[i] = r[i].key;
    }
    free(r);
    return (long)k;
}

void pd_sample_free(struct pd_sample *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_picks; i++) {
        free(s->picks[i].path);
        free(s->picks[i].devices);
    }
    free(s->picks);
    pd_inspection_free(s->in);
    free(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct site paths of the devices, sorted. */
static int site_paths(const struct pd_inspection *in, const char ***paths, size_t *n)
{
    *n = 0;
    if (!(*paths = calloc(in->n_devices ? in->n_devices : 1, sizeof(**paths))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_devices; i++)
        (*paths)[i] = in->devices[i].t->site;
    if (in->n_devices > 1)
        qsort(*paths, in->n_devices, sizeof(**paths), cmp_str);
    for (size_t i = 0; i < in->n_devices; i++)
        if (*n == 0 || strcmp((*paths)[*n - 1], (*paths)[i]) != 0)
            (*paths)[(*n)++] = (*paths)[i];
    return 0;
}

static int fill_pick(const struct pd_inspection *in, struct pd_sample_pick *p, const char *path)
{
    if (!(p->path = strdup(path)) ||
        !(p->devices = calloc(in->n_devices ? in->n_devices : 1, sizeof(*p->devices))))
        return -ENOMEM;
    for (size_t i = 0; i < in->n_devices; i++) {
        if (strcmp(in->devices[i].t->site, path) != 0)
            continue;
        p->devices[p->n_devices++] = i;
        p->failures += in->devices[i].t->avail.failures;
    }
    return 0;
}

int pd_sample_build(struct pd_inspection *in, const char *quarter, size_t n, bool weighted,
                    struct pd_sample **out)
{
    struct pd_sample *s = calloc(1, sizeof(*s));
    struct pd_sample_site *sites = NULL;
    const char **paths = NULL;
    size_t *chosen = NULL, n_paths = 0;
    double *keys = NULL;
    int rc = -ENOMEM;

    *out = NULL;
    if (!s) {
        pd_inspection_free(in);
        return rc;
    }
    s->in = in;
    s->weighted = weighted;
    snprintf(s->quarter, sizeof(s->quarter), "%s", quarter);
    if (site_paths(in, &paths, &n_paths) < 0 ||
        !(sites = calloc(n_paths ? n_paths : 1, sizeof(*sites))) ||
        !(chosen = calloc(n_paths ? n_paths : 1, sizeof(*chosen))) ||
        !(keys = calloc(n_paths ? n_paths : 1, sizeof(*keys))))
        goto fail;
    s->population = n_paths;
    for (size_t i = 0; i < n_paths; i++) {
        unsigned failures = 0;
        for (size_t d = 0; d < in->n_devices; d++)
            if (strcmp(in->devices[d].t->site, paths[i]) == 0)
                failures += in->devices[d].t->avail.failures;
        sites[i] = (struct pd_sample_site){paths[i], weighted ? 1.0 + failures : 1.0};
    }
    long k = pd_sample_choose(sites, n_paths, quarter, n, chosen, keys);
    if (k < 0 || (k > 0 && !(s->picks = calloc((size_t)k, sizeof(*s->picks)))))
        goto fail;
    for (long i = 0; i < k; i++) {
        struct pd_sample_pick *p = &s->picks[s->n_picks++];
        p->key = keys[i];
        p->weight = sites[chosen[i]].weight;
        if (fill_pick(in, p, paths[chosen[i]]) < 0)
            goto fail;
    }
    *out = s;
    s = NULL;
    rc = 0;
fail:
    free(keys);
    free(chosen);
    free(sites);
    free(paths);
    pd_sample_free(s);
    return rc;
}
