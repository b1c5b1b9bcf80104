/* probectl inspect: the daily health check, the monthly inspection report
 * and the quarterly sample of sites (docs/inspection.md). */
#ifndef PROBED_PROBECTL_INSPECT_H
#define PROBED_PROBECTL_INSPECT_H

#include <stdio.h>

#include "config.h"

/* argv[0] is "inspect"; cfg NULL only for --help. */
int pd_cmd_inspect(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
