/*
 * What the dashboard shows, read from the event store (a read-only
 * connection of the request's thread): every in-service target with its
 * checks' current state, and whether a maintenance window covers it now.
 * A snapshot: the daemon keeps writing while a page is made.
 */
#ifndef PROBED_WEB_MODEL_H
#define PROBED_WEB_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "db.h"
#include "plugin.h"

enum web_state { WEB_UP, WEB_DOWN, WEB_UNKNOWN, WEB_MAINT, WEB_N_STATES };

struct web_check {
    char *id, *state, *verdict, *reason, *metrics;
    pd_ns since, last;
};

struct web_target {
    char *id, *name, *address, *type, *site;
    char *state, *reason; /* the target's own row */
    pd_ns since;
    bool maintenance; /* a window covers it now */
    char *maint_reason;
    enum web_state shown; /* MAINT when in maintenance and not UP */
    struct web_check *checks;
    size_t n_checks, cap_checks;
};

struct web_model {
    struct web_target *targets; /* by site, then id */
    size_t n_targets, cap_targets;
    pd_ns now;
};

/* conf_windows: the configuration's maintenance windows (borrowed), as
 * well as the store's; site: NULL or a prefix; target: NULL or one id.
 * 0 or -errno. */
int web_model_load(struct pd_db *db, const struct pd_maint_conf *conf_windows, size_t n_windows,
                   const char *site, const char *target, pd_ns now, struct web_model *m);
void web_model_free(struct web_model *m);

const char *web_state_name(enum web_state s); /* "up", "down", "unknown", "maintenance" */
/* "UP", "DOWN", "UNKNOWN" as stored; anything else UNKNOWN. */
enum web_state web_state_parse(const char *stored);

#endif
