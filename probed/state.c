#include "state.h"

#include <string.h>

static const char *const state_names[] = {
    [PD_STATE_UNKNOWN] = "UNKNOWN",
    [PD_STATE_UP] = "UP",
    [PD_STATE_DOWN] = "DOWN",
};

const char *pd_state_name(enum pd_state state)
{
    if ((unsigned)state > PD_STATE_DOWN)
        return "UNKNOWN";
    return state_names[state];
}

int pd_state_parse(const char *name, enum pd_state *out)
{
    for (unsigned i = 0; i <= PD_STATE_DOWN; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (enum pd_state)i;
            return 0;
        }
    }
    return -1;
}

void pd_state_init(struct pd_state_machine *sm, int fail_after, int recover_after)
{
    memset(sm, 0, sizeof(*sm));
    sm->state = PD_STATE_UNKNOWN;
    sm->fail_after = fail_after < 1 ? 1 : fail_after;
    sm->recover_after = recover_after < 1 ? 1 : recover_after;
    sm->run_state = PD_STATE_UNKNOWN;
}

static enum pd_state state_of_verdict(enum pd_verdict v)
{
    switch (v) {
    case PD_OK:
        return PD_STATE_UP;
    case PD_BAD:
        return PD_STATE_DOWN;
    default:
        return PD_STATE_UNKNOWN;
    }
}

bool pd_state_force(struct pd_state_machine *sm, enum pd_state to, pd_ns at,
                    struct pd_transition *out)
{
    sm->run_len = 0;
    if (sm->state == to)
        return false;
    /* A state never begins before the one it replaces. */
    if (at < sm->since)
        at = sm->since;
    out->from = sm->state;
    out->to = to;
    out->at = at;
    sm->state = to;
    sm->since = at;
    return true;
}

bool pd_state_feed(struct pd_state_machine *sm, pd_ns when, enum pd_verdict verdict,
                   struct pd_transition *out)
{
    if (when < sm->since)
        return false;
    enum pd_state says = state_of_verdict(verdict);
    if (says == sm->state) {
        sm->run_len = 0;
        return false;
    }
    if (sm->run_len == 0 || sm->run_state != says) {
        sm->run_state = says;
        sm->run_start = when;
        sm->run_len = 0;
    }
    sm->run_len++;
    int needed = says == PD_STATE_UP ? sm->recover_after : sm->fail_after;
    if (sm->run_len < needed)
        return false;
    return pd_state_force(sm, says, sm->run_start, out);
}

enum pd_state pd_state_of_target(const enum pd_state *checks, size_t n)
{
    if (n == 0)
        return PD_STATE_UNKNOWN;
    size_t up = 0;
    for (size_t i = 0; i < n; i++) {
        if (checks[i] == PD_STATE_DOWN)
            return PD_STATE_DOWN;
        if (checks[i] == PD_STATE_UP)
            up++;
    }
    return up == n ? PD_STATE_UP : PD_STATE_UNKNOWN;
}
