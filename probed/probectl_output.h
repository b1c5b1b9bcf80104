/*
 * The output options the record commands share (probectl report,
 * probectl inspect): --format table|csv|json|html|xlsx and -o FILE, whose
 * extension names the format when --format does not.
 */
#ifndef PROBED_PROBECTL_OUTPUT_H
#define PROBED_PROBECTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/* The terminal's table; every other format is an enum pd_report_format. */
#define PCTL_FMT_TABLE (-1)

/* --format NAME into *format. -1 when valid, else the usage error's exit
 * code (2) after saying why on errout. */
int pctl_record_format(const char *cmd, const char *name, int *format, FILE *errout);

/* After the options: without --format (format_given false) the format
 * comes from -o FILE's extension; xlsx needs a file, the table refuses
 * one. -1 when the pair is valid, else 2 after saying why. */
int pctl_record_output(const char *cmd, const char *output, bool format_given, int *format,
                       FILE *errout);

#endif
