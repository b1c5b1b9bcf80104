/*
 * The runtime's structs, shared by core.c (lifecycle, scheduling, state)
 * and plugin_api.c (the services plugin.h promises). Nothing else includes
 * this.
 */
#ifndef PROBED_CORE_INTERNAL_H
#define PROBED_CORE_INTERNAL_H

#include "core.h"
#include "hashmap.h"
#include "resolver.h"
#include "scheduler.h"

/* A watch or timer belongs to a check or, with check NULL, to a plugin. */
struct pd_watch {
    struct pd_check *check;
    struct pd_plugin_ctx *ctx;
    struct pd_io *io;
    pd_io_cb cb;
    pd_ctx_io_cb ctx_cb;
    void *arg;
    int fd;
    int dispatching; /* inside cb: freeing waits until it returns */
    int cancelled;
    struct pd_watch *prev, *next;
};

struct pd_timer {
    struct pd_check *check;
    struct pd_plugin_ctx *ctx;
    struct pd_tmr *tmr;
    pd_timer_cb cb;
    pd_ctx_timer_cb ctx_cb;
    void *arg;
    int dispatching;
    int cancelled;
    int again; /* re-armed inside its callback: kept */
    struct pd_timer *prev, *next;
};

struct pd_target {
    const struct pd_target_conf *conf; /* in the current config */
    struct pd_check **checks;          /* owned */
    size_t n_checks;
    enum pd_state state;
    pd_ns since;
    char reason[256]; /* why the state last changed */
};

struct pd_check {
    struct pd_sched_item sched;
    struct pd_core *core;
    struct pd_target *target;
    const struct pd_check_conf *conf; /* in the current config */
    const struct pd_plugin *plugin;
    void *params;      /* plugin->params_size bytes, options filled */
    char *key;         /* "target/check": map key and scheduler phase */
    char *fingerprint; /* what the plugin instance depends on */
    int started;       /* plugin->start succeeded */
    int in_round;
    pd_ns round_due;  /* monotonic time the current round is planned for */
    pd_ns round_wall; /* wall time it is planned for */
    uint64_t rounds, skipped;
    struct pd_state_machine sm;
    enum pd_verdict last_verdict;
    char last_reason[256];
    pd_ns status_written; /* monotonic time its status row was last queued */
    struct pd_watch *watches;
    struct pd_timer *timers;
    struct pd_hashmap described; /* series ("" the check) -> what was last stored */
};

struct pd_core {
    struct pd_loop *loop;
    struct pd_registry *reg;
    struct pd_storage *storage;
    struct pd_config *cfg; /* owned */
    struct pd_target **targets;
    size_t n_targets;
    struct pd_hashmap target_map; /* id -> target */
    struct pd_hashmap check_map;  /* key -> check */
    struct pd_sched sched;
    struct pd_tmr *sched_timer;
    struct pd_tmr *heartbeat_timer;
    struct pd_resolver *resolver;
    pd_core_result_fn on_result;
    void *on_result_arg;
    size_t n_checks;
    struct pd_health *health; /* borrowed; NULL: no figures kept */
};

/* plugin_api.c: drop every watch and timer the check still holds. */
void pd_check_cancel_all(struct pd_check *check);

/* core.c: one round's result, after plugin_api.c copied nothing yet. */
void pd_core_result(struct pd_check *check, const struct pd_result *result);
/* core.c: a plugin's event, checked, logged and stored (pd_event);
 * series NULL: about the check itself. */
void pd_core_event(struct pd_check *check, const char *series, pd_ns when, const char *kind,
                   const char *message);

#define PD_CORE_MAX_METRICS 48
/* core.c: the metrics with valid names copied into out (at most
 * PD_CORE_MAX_METRICS); each invalid one logged. Returns how many. */
size_t pd_core_valid_metrics(struct pd_check *check, const struct pd_metric *in, size_t n,
                             struct pd_metric *out);

/* core_series.c */
/* 1 when id is a valid pd_series id; else 0, logged. */
int pd_core_series_id_ok(struct pd_check *check, const char *id);
/* The round's series: samples to their files. */
void pd_core_series(struct pd_check *check, pd_ns when, const struct pd_series *series, size_t n);
/* pd_describe(): stored when new or changed since the check started. */
void pd_core_describe(struct pd_check *check, const char *series, const char *label,
                      const char *description);
void pd_core_described_free(struct pd_check *check);

#endif
