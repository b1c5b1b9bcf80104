/*
 * probectl ping: one round of the icmp probe, run in probectl itself
 * through the same plugin, options and core as the daemon's checks.
 * cfg may be NULL (no configuration: ping's defaults). Returns the exit
 * code: 0 good round, 1 bad round or error, 2 bad usage.
 */
#ifndef PROBED_PROBECTL_PING_H
#define PROBED_PROBECTL_PING_H

#include <stdio.h>

#include "config.h"

int pd_cmd_ping(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
