#include "snmp_walk.h"

#include <errno.h>
#include <string.h>

void snmp_walk_start(struct snmp_walk *w, const uint32_t *const *bases, const size_t *lens,
                     size_t n)
{
    memset(w, 0, sizeof(*w));
    for (size_t i = 0; i < n && i < SNMP_WALK_COLS; i++) {
        struct snmp_walk_col *c = &w->col[w->n_cols++];
        size_t len = lens[i] < SNMP_OID_MAX ? lens[i] : SNMP_OID_MAX;
        c->base = bases[i];
        c->base_len = len;
        memcpy(c->cur, bases[i], len * sizeof(uint32_t));
        c->cur_len = len;
    }
}

size_t snmp_walk_next(struct snmp_walk *w, const uint32_t **oids, size_t *lens)
{
    w->n_asked = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        if (w->col[i].done)
            continue;
        oids[w->n_asked] = w->col[i].cur;
        lens[w->n_asked] = w->col[i].cur_len;
        w->asked[w->n_asked++] = i;
    }
    if (w->n_asked > 0)
        w->requests++;
    return w->n_asked;
}

/* <0, 0, >0 as a is before, equal to or after b in OID order. */
static int oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

static bool inside(const struct snmp_walk_col *c, const struct snmp_value *v)
{
    return v->oid_len > c->base_len && memcmp(v->oid, c->base, c->base_len * sizeof(uint32_t)) == 0;
}

int snmp_walk_feed(struct snmp_walk *w, const struct snmp_value *v, size_t n, snmp_walk_cb cb,
                   void *arg)
{
    if (w->n_asked == 0)
        return 0;
    bool looped = false;
    /* GETBULK: row r holds the r-th successor of every name asked. */
    for (size_t k = 0; k < n; k++) {
        struct snmp_walk_col *c = &w->col[w->asked[k % w->n_asked]];
        const struct snmp_value *x = &v[k];
        if (c->done)
            continue;
        if (x->type == SNMP_V_MISSING || x->oid_len > SNMP_OID_MAX || !inside(c, x)) {
            c->done = true;
            continue;
        }
        if (oid_cmp(x->oid, x->oid_len, c->cur, c->cur_len) <= 0) {
            c->done = true;
            looped = true;
            continue;
        }
        memcpy(c->cur, x->oid, x->oid_len * sizeof(uint32_t));
        c->cur_len = x->oid_len;
        cb(arg, w->asked[k % w->n_asked], x->oid + c->base_len, x->oid_len - c->base_len, x);
    }
    /* An answer without a single value moves nothing: no end in sight. */
    if (n == 0) {
        for (size_t k = 0; k < w->n_asked; k++)
            w->col[w->asked[k]].done = true;
        looped = true;
    }
    w->n_asked = 0;
    if (looped)
        w->looped = true;
    return looped ? -EPROTO : 0;
}

void snmp_walk_v1_end(struct snmp_walk *w, size_t k)
{
    if (k >= 1 && k <= w->n_asked)
        w->col[w->asked[k - 1]].done = true;
    w->n_asked = 0;
}
