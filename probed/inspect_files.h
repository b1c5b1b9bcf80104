/*
 * Inspections written to files: one record in one format, and the daily
 * health check as the daemon writes it each working day into
 * <data_dir>/reports/daily-YYYY-MM-DD.<ext>, one file per configured
 * format, each replaced whole. probectl makes the same record from the
 * same code, so a record written by the daemon and one made by hand for
 * the same day and records are the same but for when they were made.
 */
#ifndef PROBED_INSPECT_FILES_H
#define PROBED_INSPECT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"
#include "inspect_source.h"
#include "report_write.h"

#define PD_REPORTS_DIR "reports" /* under data_dir */

/* in as fmt (bom: CSV with a byte order mark) to path, whole. 0 or
 * -errno with err. */
int pd_inspect_file(const struct pd_inspection *in, enum pd_report_format fmt, bool bom,
                    const char *path, char *err, size_t errlen);

/* The request for the daily check of day, made at now: its period (a
 * period not over at now is made so far), label (filled: the day). */
int pd_inspect_daily_request(const struct pd_config *cfg, int32_t day, pd_ns now,
                             char label[PD_DAY_TEXT], struct pd_inspect_request *req);

/* <data_dir>/reports/daily-YYYY-MM-DD.<ext>. 0 or -ENAMETOOLONG. */
int pd_inspect_daily_path(const char *data_dir, int32_t day, const char *ext, char *buf,
                          size_t len);
/* The file of that day exists in every format of formats (enum
 * pd_inspect_format_bit). */
bool pd_inspect_daily_done(const char *data_dir, unsigned formats, int32_t day);

/* Make the daily check of day from the store (opened read-only here)
 * and write every configured format. 0 or -errno with err. */
int pd_inspect_daily_files(const struct pd_config *cfg, int32_t day, pd_ns now, char *err,
                           size_t errlen);

#endif
