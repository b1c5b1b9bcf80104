/*
 * probectl alerts (docs/alerts.md). Each takes the loaded configuration
 * (borrowed), its own argv with argv[0] "alerts", and prints to out and
 * errout; pd_time_set_zone(cfg->timezone) must have been called. They
 * return the exit code: 0 ok, 1 error, 2 bad usage.
 *
 * pd_cmd_alerts: the whole command. cfg NULL, or -h/--help among the
 * arguments: print the help. `test ROUTE` sends a test alert through
 * every channel of a route now (1: a channel did not deliver); anything
 * else goes to pd_cmd_alerts_list.
 */
#ifndef PROBED_PROBECTL_ALERTS_H
#define PROBED_PROBECTL_ALERTS_H

#include <stdio.h>

#include "config.h"

int pd_cmd_alerts(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
/* The stored alerts, read-only: [--pending|--failed] [--since TIME]
 * [--attempts ID] [--format F] [--no-bom] (probectl_alerts_list.c). */
int pd_cmd_alerts_list(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
