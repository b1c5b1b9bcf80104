/*
 * The runtime: one instance of every configured check, scheduled on the
 * loop, its results fed through the state machines into storage.
 *
 * Reload (pd_core_apply) moves every target and check that stays into the
 * new configuration with its state, phase and counters; a check whose
 * probe parameters changed gets a new plugin instance but keeps its state.
 */
#ifndef PROBED_CORE_H
#define PROBED_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "registry.h"
#include "state.h"
#include "storage.h"

struct pd_core;

/* loop, reg and storage are borrowed and must outlive the core; storage
 * may be NULL (a one-shot probe keeps nothing). cfg is
 * taken (freed by the core), also when this fails. Plugins must already be
 * bound (pd_config_bind_plugins) and initialised. */
int pd_core_new(struct pd_loop *loop, struct pd_registry *reg, struct pd_storage *storage,
                struct pd_config *cfg, struct pd_core **out, char *err, size_t errlen);

/* Switch to cfg (taken on success; on failure the caller keeps it and the
 * running configuration stays). */
int pd_core_apply(struct pd_core *core, struct pd_config *cfg, char *err, size_t errlen);

/* Stop every check (rounds in progress are abandoned) and free. */
void pd_core_free(struct pd_core *core);

const struct pd_config *pd_core_config(const struct pd_core *core);

/* Inspection, for tests and status. */
pd_check *pd_core_find_check(struct pd_core *core, const char *target_id, const char *check_id);
enum pd_state pd_core_target_state(struct pd_core *core, const char *target_id);
enum pd_state pd_core_check_state(const pd_check *check, pd_ns *since);
uint64_t pd_core_check_rounds(const pd_check *check, uint64_t *skipped);
size_t pd_core_n_checks(const struct pd_core *core);

/* Move every check whose slot has come, and re-arm the scheduler timer.
 * The timer calls this; tests with a fake clock call it directly. */
void pd_core_tick(struct pd_core *core);

/* Start a round of check now unless one is running (one-shot probes). */
void pd_core_run_now(struct pd_core *core, pd_check *check);

/* Called on the loop thread with every round's result, after validation
 * and before storage; metrics are borrowed for the call. */
typedef void (*pd_core_result_fn)(void *arg, pd_check *check, enum pd_verdict verdict,
                                  const char *reason, const struct pd_metric *metrics, size_t n);
void pd_core_on_result(struct pd_core *core, pd_core_result_fn fn, void *arg);

/* Count rounds, skips, round start lateness and results into health
 * (borrowed, must outlive the core; NULL stops counting). */
struct pd_health;
void pd_core_set_health(struct pd_core *core, struct pd_health *health);

/* Handle acknowledged transitions (the storage's commit wake-up calls this). */
void pd_core_committed(struct pd_core *core);

#endif
