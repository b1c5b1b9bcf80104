/*
 * probectl http: one round of the http check (a URL, a live stream, or a
 * configured target's check), run in probectl through the same plugin,
 * options and core as the daemon's. cfg may be NULL. Returns the exit
 * code: 0 good round, 1 bad round or error, 2 bad usage.
 */
#ifndef PROBED_PROBECTL_HTTP_H
#define PROBED_PROBECTL_HTTP_H

#include <stdio.h>

#include "config.h"

int pd_cmd_http(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
