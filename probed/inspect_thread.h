/*
 * The daily health check written by the daemon (docs/inspection.md): a
 * thread of its own, never the loop's (a record reads the event store and
 * every device's series files: seconds for a large inventory). It sleeps
 * until the next working day's check time, waits until the store has
 * recorded past it (the longest of the heartbeat and the checks'
 * intervals, plus the RRD write delay and 5 s), then
 * makes the record exactly as `probectl inspect daily` does, from the
 * configuration file as it is on disk, and writes it into
 * <data_dir>/reports/daily-YYYY-MM-DD.<ext>, each file replaced whole.
 *
 * The thread shares no configuration with the loop: a reload hands it
 * only a copy of the schedule, and the record's own configuration is
 * loaded afresh each time, so nothing it does can wait on the loop or
 * make the loop wait. At start (and after a reload), the latest check
 * whose files are missing is written at once: a daemon restarted after
 * the check time still writes that day's record. A record that cannot be
 * made is logged and tried again five minutes later.
 */
#ifndef PROBED_INSPECT_THREAD_H
#define PROBED_INSPECT_THREAD_H

#include <stddef.h>

#include "config.h"

struct pd_inspect_thread;

/* config_path: the configuration file, absolute (the daemon changes
 * directory); copied. cfg: borrowed, for its schedule only. 0 or -errno
 * with err. */
int pd_inspect_thread_start(const char *config_path, const struct pd_config *cfg,
                            struct pd_inspect_thread **out, char *err, size_t errlen);
/* A reload: the new schedule (copied). Never blocks for long: only the
 * copy is made under the thread's lock. NULL t: nothing. */
void pd_inspect_thread_schedule(struct pd_inspect_thread *t, const struct pd_config *cfg);
/* Stop (a record being made is finished first) and free. NULL ok. */
void pd_inspect_thread_stop(struct pd_inspect_thread *t);

#endif
