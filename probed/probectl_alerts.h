/*
 * probectl alerts: `test ROUTE` sends a test alert through every channel
 * of a route now (docs/alerts.md). Returns the exit code: 0 every channel
 * delivered, 1 not, 2 bad usage. cfg NULL: print the help.
 */
#ifndef PROBED_PROBECTL_ALERTS_H
#define PROBED_PROBECTL_ALERTS_H

#include <stdio.h>

#include "config.h"

int pd_cmd_alerts(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
