/*
 * Wall-clock times for people: formatting and parsing in the configured IANA
 * time zone, and short durations.
 *
 * The zone is process-wide: pd_time_set_zone() sets TZ and calls tzset()
 * once, and every other function here converts with localtime_r()/mktime().
 * Call it before starting threads (setenv is not thread-safe); after that the
 * conversions are safe from any thread.
 */
#ifndef PROBED_TIMEFMT_H
#define PROBED_TIMEFMT_H

#include <stddef.h>

#include "plugin.h"

/* Large enough for every string these functions produce. */
#define PD_TIME_BUFLEN 40

/* name: an IANA zone ("Asia/Shanghai", "UTC"), looked up in $TZDIR or
 * /usr/share/zoneinfo. Returns 0, or -EINVAL (unknown or malformed name,
 * message in err) and leaves the zone as it was. */
int pd_time_set_zone(const char *name, char *err, size_t errlen);
/* The name last set; "UTC" before any. */
const char *pd_time_zone(void);

/* "2026-11-21 10:02:11 +08:00". Each formatter writes into buf (truncating
 * when len < PD_TIME_BUFLEN) and returns buf, "?" in it when t cannot be
 * converted. */
char *pd_time_format(pd_ns t, char *buf, size_t len);
/* "2026-11-21T10:02:11+08:00" (ISO 8601 / RFC 3339). */
char *pd_time_format_iso(pd_ns t, char *buf, size_t len);
/* The same with the fraction of the second when there is one
 * ("2026-11-21T10:02:11.250+08:00", 3, 6 or 9 digits): records that must
 * read back to the nanosecond. pd_time_parse() reads it. */
char *pd_time_format_exact(pd_ns t, char *buf, size_t len);
/* "2026-11-21 10:02:11": for tables whose heading names the zone. */
char *pd_time_format_local(pd_ns t, char *buf, size_t len);
/* 1 when a and b fall on the same calendar day in the zone. */
int pd_time_same_day(pd_ns a, pd_ns b);

/* Parse a time written by a person, relative to now:
 *   "now"
 *   "-2h", "-7d", "-1h30m", "+15m"  (units w d h m s, summed)
 *   "2026-11-01", "2026-11-01 08:00", "2026-11-01T08:00:00[.fff]"
 *   each optionally followed, with or without a space, by "Z", "+08:00",
 *   "+0800" or "+08"; without it the time is in the configured zone.
 * A local time that falls in a clock change gap is an error; one that occurs
 * twice takes the first (daylight-saving) reading.
 * Returns 0 or -EINVAL with a message naming what is wrong in err. */
int pd_time_parse(const char *text, pd_ns now, pd_ns *out, char *err, size_t errlen);

/* The calendar month "YYYY-MM" in the configured zone: *start is its first
 * instant (midnight on the 1st, or the end of a clock change gap that
 * swallowed that midnight), *end the next month's. Returns 0 or -EINVAL
 * with a message in err ("2026-13", "26-10", "2026-1", trailing text). */
int pd_time_month(const char *yyyy_mm, pd_ns *start, pd_ns *end, char *err, size_t errlen);

/* The instant of a local date and time of day (minute: minutes after
 * midnight, 0..1439) in the configured zone. A time that a clock change
 * skips becomes the first instant after the gap; one that occurs twice
 * takes the first reading. 0 or -EINVAL (year outside 1970..2200, or a
 * field out of range). */
int pd_time_local_at(int year, int mon, int mday, int minute, pd_ns *out);
/* The local date of t in the configured zone (mon 1..12). 0 or
 * -EOVERFLOW. */
int pd_time_local_date(pd_ns t, int *year, int *mon, int *mday);

/* For people reading a table: "350ms", "45s", "3m12s", "2h05m", "3d04h",
 * the two largest units, truncated, not rounded; negative durations get a
 * leading '-'. Returns buf. (pd_duration_format() in yaml_tree.h is the
 * exact form, as written in the configuration.) */
char *pd_duration_short(pd_ns d, char *buf, size_t len);

#endif
