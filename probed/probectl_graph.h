/*
 * probectl graph: one series file drawn as PNG or SVG (the dashboard's
 * graphs, probed/graph.h) into a file. cfg may be NULL when --data-dir is
 * given. Returns the exit code: 0 written, 1 not, 2 bad usage.
 */
#ifndef PROBED_PROBECTL_GRAPH_H
#define PROBED_PROBECTL_GRAPH_H

#include <stdio.h>

#include "config.h"

int pd_cmd_graph(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
