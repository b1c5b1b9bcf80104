/*
 * The inspection records' formats: JSON for machines (inspect_json.c),
 * and CSV, HTML and XLSX through a record (record.h, inspect_record.c).
 * Every text format ends with its own SHA-256, as the availability
 * report does, so `probectl report verify` checks it.
 */
#ifndef PROBED_INSPECT_WRITE_H
#define PROBED_INSPECT_WRITE_H

#include <stddef.h>

#include "inspect.h"
#include "record.h"

/* The record of in (rec then owned by the caller: pd_record_free). 0 or
 * -ENOMEM. */
int pd_inspect_record(const struct pd_inspection *in, struct pd_record *rec);

/* docs/inspection.md's schema. *doc taken by the caller. 0 or -ENOMEM. */
int pd_inspect_json(const struct pd_inspection *in, char **doc, size_t *len);

#endif
