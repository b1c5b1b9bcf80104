#include "inventory_diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "inventory.h"

const char *pd_inv_change_name(enum pd_inv_change_kind kind)
{
    switch (kind) {
    case PD_INV_ADDED:
        return "added";
    case PD_INV_CHANGED:
        return "changed";
    case PD_INV_RETIRED:
        return "retired";
    }
    return "?";
}

static const char *change_id(const struct pd_inv_change *c)
{
    return c->new ? c->new->id : c->old->id;
}

static int by_kind_then_id(const void *a, const void *b)
{
    const struct pd_inv_change *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(change_id(x), change_id(y));
}

/* Index + 1 of each target by id; the targets are borrowed. */
static int index_ids(struct pd_hashmap *m, const struct pd_target_conf *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pd_hashmap_put(m, t[i].id, (void *)(uintptr_t)(i + 1)) < 0)
            return -ENOMEM;
    return 0;
}

static unsigned changed_fields(const struct pd_target_conf *a, const struct pd_target_conf *b)
{
    unsigned fields = 0;
    for (int f = 0; f < PD_TF_COUNT; f++)
        if (strcmp(pd_target_field(a, f), pd_target_field(b, f)) != 0)
            fields |= 1u << f;
    return fields;
}

int pd_inv_diff(const struct pd_target_conf *old, size_t n_old, const struct pd_target_conf *new,
                size_t n_new, struct pd_inv_diff *out)
{
    struct pd_hashmap old_ids, new_ids;
    int rc = -ENOMEM;

    memset(out, 0, sizeof(*out));
    pd_hashmap_init(&old_ids);
    pd_hashmap_init(&new_ids);
    if (!(out->v = calloc(n_old + n_new + 1, sizeof(*out->v))))
        goto fail;
    if (index_ids(&old_ids, old, n_old) < 0 || index_ids(&new_ids, new, n_new) < 0)
        goto fail;
    for (size_t i = 0; i < n_new; i++) {
        uintptr_t was = (uintptr_t)pd_hashmap_get(&old_ids, new[i].id);
        if (!was) {
            out->v[out->n++] = (struct pd_inv_change){.kind = PD_INV_ADDED, .new = &new[i]};
            out->added++;
            continue;
        }
        unsigned fields = changed_fields(&old[was - 1], &new[i]);
        if (!fields) {
            out->unchanged++;
            continue;
        }
        out->v[out->n++] = (struct pd_inv_change){
            .kind = PD_INV_CHANGED, .old = &old[was - 1], .new = &new[i], .fields = fields};
        out->changed++;
    }
    for (size_t i = 0; i < n_old; i++) {
        if (pd_hashmap_get(&new_ids, old[i].id))
            continue;
        out->v[out->n++] = (struct pd_inv_change){.kind = PD_INV_RETIRED, .old = &old[i]};
        out->retired++;
    }
    qsort(out->v, out->n, sizeof(*out->v), by_kind_then_id);
    rc = 0;
fail:
    pd_hashmap_free(&old_ids);
    pd_hashmap_free(&new_ids);
    if (rc < 0)
        pd_inv_diff_free(out);
    return rc;
}

void pd_inv_diff_free(struct pd_inv_diff *d)
{
    free(d->v);
    memset(d, 0, sizeof(*d));
}
