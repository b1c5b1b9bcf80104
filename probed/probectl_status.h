/*
 * probectl's read side: `status` (the current state of every target and
 * check, and whether probed is running) and `events` (state changes and
 * unobserved gaps in a time range), from the event store, read-only.
 *
 * Both take the loaded configuration (borrowed: data_dir, timezone,
 * heartbeat), their own argv with argv[0] the command name, and print to
 * out and errout. pd_time_set_zone(cfg->timezone) must have been called.
 * They return the process exit code: 0 ok, 1 error, 2 bad usage.
 * pd_cmd_events lives in probectl_events.c; both use probectl_common.h.
 */
#ifndef PROBED_PROBECTL_STATUS_H
#define PROBED_PROBECTL_STATUS_H

#include <stdio.h>

#include "config.h"

int pd_cmd_status(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
int pd_cmd_events(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
