/*
 * probectl's audit commands: `report` (the monthly availability report in
 * CSV, JSON, HTML or XLSX, or a table on the terminal; `report verify`
 * checks a report's digest), `events export` (the raw timeline an auditor
 * recomputes it from) and `maintenance` (planned windows in the store).
 */
#ifndef PROBED_PROBECTL_REPORT_H
#define PROBED_PROBECTL_REPORT_H

#include <stdio.h>

#include "config.h"

int pd_cmd_report(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
/* argv[0] is "export". */
int pd_cmd_events_export(const struct pd_config *cfg, int argc, char **argv, FILE *out,
                         FILE *errout);
/* probectl_snmp.c */
int pd_cmd_snmp(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
int pd_cmd_maintenance(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
