/*
 * Calendar days and the inspection calendar: which days are working days
 * (weekdays, holidays, make-up working days), the period a daily health
 * check covers, and quarters. docs/inspection.md.
 *
 * A day is a number: days since 1970-01-01 in the proleptic Gregorian
 * calendar, the same in every time zone, so that holiday lists compare
 * without conversions. Only the functions that take or return instants
 * (pd_ns) use the configured zone (timefmt.h).
 */
#ifndef PROBED_CALENDAR_H
#define PROBED_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"

#define PD_DAY_TEXT 11 /* "2026-10-01" and NUL */

/* How far back the daily check looks for the previous working day; a
 * calendar with none in that span has its checks cover 24 hours. */
#define PD_DAILY_LOOKBACK 31

int32_t pd_day_from_ymd(int year, int mon, int mday);
void pd_day_to_ymd(int32_t day, int *year, int *mon, int *mday);
int pd_day_weekday(int32_t day); /* 0 Sunday .. 6 Saturday */
/* "YYYY-MM-DD", a real date, year 1970..2200. 0 or -EINVAL. */
int pd_day_parse(const char *text, int32_t *out);
char *pd_day_format(int32_t day, char *buf, size_t len); /* "2026-10-01"; returns buf */
/* The local calendar day of t in the configured zone. 0 or -EOVERFLOW. */
int pd_day_of(pd_ns t, int32_t *day);
/* The instant of the day's daily check (c->daily_minute, local). 0 or
 * -EINVAL. */
int pd_daily_at(const struct pd_inspection_conf *c, int32_t day, pd_ns *out);

/* A working day: one of extra_working_days, or a weekday of working_days
 * that is not a holiday. */
bool pd_working_day(const struct pd_inspection_conf *c, int32_t day);

/* The period the daily check of `day` covers: it ends at that day's check
 * time and begins at the check time of the working day before it (24
 * hours after an ordinary working day, 72 after a weekend, longer after a
 * holiday), or 24 hours earlier when no working day lies within
 * PD_DAILY_LOOKBACK days. *since_day: that previous day. 0 or -EINVAL. */
int pd_daily_period(const struct pd_inspection_conf *c, int32_t day, pd_ns *start, pd_ns *end,
                    int32_t *since_day);

/* The last working day whose check time is at or before now, for the
 * daily check the daemon writes and `probectl inspect daily` defaults to.
 * -ENOENT when none lies within PD_DAILY_LOOKBACK days. */
int pd_daily_latest(const struct pd_inspection_conf *c, pd_ns now, int32_t *day);
/* The first working day whose check time is after now: the check whose
 * period is running, for `probectl inspect daily --date next`. -ENOENT
 * when none lies within PD_DAILY_LOOKBACK days. */
int pd_daily_next(const struct pd_inspection_conf *c, pd_ns now, int32_t *day);

/* "2026Q4" (or "2026-Q4", lower-case q too): the quarter's first day
 * and the next quarter's, local midnight. *canonical gets "2026Q4"
 * (at least 8 bytes). 0 or -EINVAL with a message in err. */
int pd_quarter_parse(const char *text, pd_ns *start, pd_ns *end, char *canonical, char *err,
                     size_t errlen);

#endif
