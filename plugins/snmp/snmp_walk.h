/*
 * Walking table columns: several columns at once, with GETBULK (v2c, v3)
 * or GETNEXT (v1), each column's cursor moving on until it leaves its
 * subtree. Pure: it says what to ask next and reads the answers; the
 * session sends them.
 *
 * The special problem of agents that loop: an answer whose name does not
 * move forward would make the walk endless. Such a column ends, and the
 * walk says so (snmp_walk_feed returns -EPROTO); every walk is bounded in
 * requests as well.
 */
#ifndef PROBED_SNMP_WALK_H
#define PROBED_SNMP_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmp_oids.h"
#include "snmp_session.h"

#define SNMP_WALK_COLS 24

struct snmp_walk_col {
    const uint32_t *base; /* borrowed: the column's OID */
    size_t base_len;
    uint32_t cur[SNMP_OID_MAX]; /* the last name seen, where the next request starts */
    size_t cur_len;
    bool done;
};

struct snmp_walk {
    struct snmp_walk_col col[SNMP_WALK_COLS];
    size_t n_cols;
    size_t asked[SNMP_WALK_COLS]; /* the columns of the request in flight, in order */
    size_t n_asked;
    unsigned requests;
    bool looped; /* an agent answered a name that did not move forward */
};

/* Called for each value inside its column: index is the name's part
 * after the column (the row's index), value as answered. */
typedef void (*snmp_walk_cb)(void *arg, size_t col, const uint32_t *index, size_t index_len,
                             const struct snmp_value *value);

/* Start a walk of n columns (at most SNMP_WALK_COLS; bases borrowed). */
void snmp_walk_start(struct snmp_walk *w, const uint32_t *const *bases, const size_t *lens,
                     size_t n);

/* The names to ask for next (the cursors of the open columns); 0 when the
 * walk is over. oids and lens have room for SNMP_WALK_COLS. */
size_t snmp_walk_next(struct snmp_walk *w, const uint32_t **oids, size_t *lens);

/* Read the answer to the last request (GETNEXT: one value per name asked;
 * GETBULK: rows of them, the last one possibly cut short). Values inside
 * their column go to cb; a column ends at the first value outside it, at
 * the end of the MIB view, or at a name that does not move forward
 * (-EPROTO then, after everything else was read). */
int snmp_walk_feed(struct snmp_walk *w, const struct snmp_value *v, size_t n, snmp_walk_cb cb,
                   void *arg);

/* SNMPv1: the agent said noSuchName for the k-th name asked (1-based):
 * nothing follows that column; it ends. */
void snmp_walk_v1_end(struct snmp_walk *w, size_t k);

#endif
