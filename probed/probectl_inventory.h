/*
 * probectl inventory (docs/inventory.md): import, export, list, add, set
 * and retire the devices of the inventory CSV files.
 *
 * Takes the loaded configuration (borrowed; NULL, or -h/--help among the
 * arguments: print the help), its own argv with argv[0] "inventory", and
 * prints to out and errout; pd_time_set_zone(cfg->timezone) must have
 * been called. Returns the exit code: 0 done (or nothing to do), 1
 * invalid or failed (nothing written, or written but not confirmed by the
 * daemon: the message says which), 2 bad usage.
 */
#ifndef PROBED_PROBECTL_INVENTORY_H
#define PROBED_PROBECTL_INVENTORY_H

#include <stdio.h>

#include "config.h"

int pd_cmd_inventory(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
