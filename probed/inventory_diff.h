/*
 * The difference between two inventories (the targets of two loaded
 * configurations): which targets come, which change and in which fields,
 * which go. Pure: what probectl inventory shows before it writes, and
 * what it waits for the daemon to have applied.
 */
#ifndef PROBED_INVENTORY_DIFF_H
#define PROBED_INVENTORY_DIFF_H

#include <stddef.h>

#include "config.h"

enum pd_inv_change_kind { PD_INV_ADDED, PD_INV_CHANGED, PD_INV_RETIRED };

struct pd_inv_change {
    enum pd_inv_change_kind kind;
    const struct pd_target_conf *old; /* borrowed; NULL when added */
    const struct pd_target_conf *new; /* borrowed; NULL when retired */
    unsigned fields;                  /* changed: 1u << PD_TF_* of each field that differs */
};

struct pd_inv_diff {
    struct pd_inv_change *v; /* added, then changed, then retired; by id within each */
    size_t n;
    size_t added, changed, retired, unchanged;
};

/* The changes from old[0..n_old) to new[0..n_new) (both borrowed: they
 * must outlive the diff), matched by id. Fields compare as the loader
 * left them, so an empty name and a name equal to the id are the same.
 * Returns 0 or -ENOMEM (then *out is empty). */
int pd_inv_diff(const struct pd_target_conf *old, size_t n_old, const struct pd_target_conf *new,
                size_t n_new, struct pd_inv_diff *out);
void pd_inv_diff_free(struct pd_inv_diff *d);

/* "added", "changed", "retired" */
const char *pd_inv_change_name(enum pd_inv_change_kind kind);

#endif
