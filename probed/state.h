/*
 * The state machine of one check, and the target state derived from its
 * availability checks. Pure: no clock, no I/O.
 *
 * A run of `fail_after` consecutive bad rounds makes a check DOWN, a run of
 * `recover_after` good rounds UP, and a run of `fail_after` rounds without a
 * verdict UNKNOWN. The new state begins at the first round of the run: an
 * outage starts at the first bad round, not when it was confirmed.
 */
#ifndef PROBED_STATE_H
#define PROBED_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "plugin.h"

enum pd_state { PD_STATE_UNKNOWN = 0, PD_STATE_UP = 1, PD_STATE_DOWN = 2 };

struct pd_state_machine {
    enum pd_state state;     /* ro */
    pd_ns since;             /* ro: when state began; 0 before any */
    int fail_after;          /* rw, >= 1 */
    int recover_after;       /* rw, >= 1 */
    enum pd_state run_state; /* private: what the current run of rounds says */
    int run_len;             /* private */
    pd_ns run_start;         /* private */
};

struct pd_transition {
    enum pd_state from;
    enum pd_state to;
    pd_ns at; /* when the new state began */
};

const char *pd_state_name(enum pd_state state); /* "UP", "DOWN", "UNKNOWN" */
int pd_state_parse(const char *name, enum pd_state *out);

void pd_state_init(struct pd_state_machine *sm, int fail_after, int recover_after);

/* Feed one round. Returns true and fills *out when the state changed. A
 * round older than the current state's start is ignored. */
bool pd_state_feed(struct pd_state_machine *sm, pd_ns when, enum pd_verdict verdict,
                   struct pd_transition *out);

/* Set the state now (daemon stop, check removed); true when it changed. */
bool pd_state_force(struct pd_state_machine *sm, enum pd_state to, pd_ns at,
                    struct pd_transition *out);

/* A target is DOWN when any availability check is DOWN, UP when all are
 * UP, UNKNOWN otherwise (and with no checks). */
enum pd_state pd_state_of_target(const enum pd_state *checks, size_t n);

#endif
