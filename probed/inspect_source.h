/*
 * An inspection record (inspect.h) made from the event store and the
 * series files: the period's availability report from the same reader
 * and builder as `probectl report` (report_source.h, report.h), the
 * state of every check at the period's end from the store, reboots and
 * interface events from its events table, and the measurements from the
 * series files (rrd_read.h). docs/inspection.md says what is read where.
 */
#ifndef PROBED_INSPECT_SOURCE_H
#define PROBED_INSPECT_SOURCE_H

#include <stddef.h>

#include "config.h"
#include "db.h"
#include "inspect.h"

struct pd_inspect_request {
    enum pd_inspect_kind kind;
    const char *label;       /* "2026-11-20", "2026-11" (borrowed) */
    pd_ns start, end;        /* the period */
    int32_t since_day;       /* daily: the working day whose check time is start */
    pd_ns now;               /* a period not over yet is reported so far, as the report does */
    const char *site;        /* NULL: every target; else the site and below it */
    const char *config_hash; /* hex SHA-256 of the configuration files */
    const char *source;      /* for people: where the records came from */
};

/* 0 or -errno with err set; -ENOENT when no target of the scope was in
 * service in the period (or the site is unknown). *out owned by the
 * caller (pd_inspection_free). */
int pd_inspect_from_store(struct pd_db *db, const struct pd_config *cfg,
                          const struct pd_inspect_request *req, struct pd_inspection **out,
                          char *err, size_t errlen);

#endif
