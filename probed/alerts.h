/*
 * The alert thread: reads the transitions the storage thread committed
 * (after its cursor in the event store), lets the engine decide
 * (alert_engine.h), writes each message to the store before it is sent,
 * and delivers over libcurl's multi interface with retries and backoff
 * until delivered or expired. The probing loop only wakes it; a slow or
 * dead receiver delays nothing but its own alerts. docs/alerts.md.
 */
#ifndef PROBED_ALERTS_H
#define PROBED_ALERTS_H

#include <stddef.h>

#include "config.h"

struct pd_alerts;

/* Open the store (read-write, its own connection), seed the engine from
 * the transitions up to the cursor and start the thread. cfg borrowed:
 * the thread reads it only under the lock below, so a reload swaps it
 * with pd_alerts_lock / pd_alerts_set_config / pd_alerts_unlock around
 * the moment the old one is freed. 0 or -errno with err. */
int pd_alerts_start(const struct pd_config *cfg, struct pd_alerts **out, char *err, size_t errlen);
/* New transitions are committed: any thread, never blocks. */
void pd_alerts_wake(struct pd_alerts *a);
void pd_alerts_lock(struct pd_alerts *a);
void pd_alerts_unlock(struct pd_alerts *a);
/* Under the lock. */
void pd_alerts_set_config(struct pd_alerts *a, const struct pd_config *cfg);
/* Stop the thread (transfers in flight are abandoned: still pending in
 * the store, sent again at the next start) and free. NULL ok. */
void pd_alerts_stop(struct pd_alerts *a);

#endif
