#include "timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

/* pd_ns reaches year 2262; keep well inside it. */
#define YEAR_MIN 1970
#define YEAR_MAX 2200

static char zone_name[128] = "UTC";

static int zone_file_exists(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    struct stat st;
    int n;

    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int pd_time_set_zone(const char *name, char *err, size_t errlen)
{
    char tz[sizeof(zone_name) + 1];
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len >= sizeof(zone_name) || name[0] == '/' || strstr(name, "..")) {
        snprintf(err, errlen, "invalid time zone name \"%s\"", name ? name : "");
        return -EINVAL;
    }
    /* glibc silently falls back to UTC for a name it cannot find, which
     * would shift every report by hours: insist on the zone file, except
     * for UTC itself, which works without tzdata. */
    if (strcmp(name, "UTC") == 0) {
        snprintf(tz, sizeof(tz), "UTC0");
    } else if (zone_file_exists(name)) {
        snprintf(tz, sizeof(tz), ":%s", name);
    } else {
        snprintf(err, errlen, "unknown time zone \"%s\" (no such file in the tz database)", name);
        return -EINVAL;
    }
    if (setenv("TZ", tz, 1) != 0) {
        int e = errno;

        snprintf(err, errlen, "setenv TZ: %s", strerror(e));
        return -e;
    }
    tzset();
    memcpy(zone_name, name, len + 1);
    return 0;
}

const char *pd_time_zone(void)
{
    return zone_name;
}

static int to_local(pd_ns t, struct tm *tm)
{
    /* Floor, so that times before 1970 do not round towards it. */
    time_t s = (time_t)(t / PD_SEC - (t % PD_SEC < 0));

    return localtime_r(&s, tm) ? 0 : -EOVERFLOW;
}

/* "+08:00", or "+08:05:43" for the odd historic offset. */
static void format_offset(long gmtoff, char *buf, size_t len)
{
    char sign = gmtoff < 0 ? '-' : '+';
    int a = (int)(labs(gmtoff) % 86400); /* real offsets are under 26 hours */

    if (a % 60)
        snprintf(buf, len, "%c%02d:%02d:%02d", sign, a / 3600, a / 60 % 60, a % 60);
    else
        snprintf(buf, len, "%c%02d:%02d", sign, a / 3600, a / 60 % 60);
}

/* frac: add the fraction of the second when it is not zero, in 3, 6 or 9
 * digits. */
static char *format_with_offset(pd_ns t, int iso, int frac, char *buf, size_t len)
{
    struct tm tm;
    char date[32], off[32], fraction[16] = "";
    const char *between = iso ? "" : " ";

    if (len == 0)
        return buf;
    if (to_local(t, &tm) < 0 ||
        strftime(date, sizeof(date), iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "?");
        return buf;
    }
    format_offset(tm.tm_gmtoff, off, sizeof(off));
    long ns = (long)(t % PD_SEC);
    if (ns < 0)
        ns += PD_SEC;
    if (frac && ns) {
        if (ns % 1000000 == 0)
            snprintf(fraction, sizeof(fraction), ".%03ld", ns / 1000000);
        else if (ns % 1000 == 0)
            snprintf(fraction, sizeof(fraction), ".%06ld", ns / 1000);
        else
            snprintf(fraction, sizeof(fraction), ".%09ld", ns);
    }
    snprintf(buf, len, "%s%s%s%s", date, fraction, between, off);
    return buf;
}

char *pd_time_format(pd_ns t, char *buf, size_t len)
{
    return format_with_offset(t, 0, 0, buf, len);
}

char *pd_time_format_iso(pd_ns t, char *buf, size_t len)
{
    return format_with_offset(t, 1, 0, buf, len);
}

char *pd_time_format_exact(pd_ns t, char *buf, size_t len)
{
    return format_with_offset(t, 1, 1, buf, len);
}

char *pd_time_format_local(pd_ns t, char *buf, size_t len)
{
    struct tm tm;

    if (len == 0)
        return buf;
    if (to_local(t, &tm) < 0 || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "?");
    return buf;
}

int pd_time_same_day(pd_ns a, pd_ns b)
{
    struct tm ta, tb;

    if (to_local(a, &ta) < 0 || to_local(b, &tb) < 0)
        return 0;
    return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

/* Reads exactly n digits. */
static int read_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int parse_relative(const char *text, pd_ns now, pd_ns *out, char *err, size_t errlen)
{
    const char *p = text + 1;
    pd_ns total = 0;
    int sign = text[0] == '-' ? -1 : 1;

    if (!*p)
        goto fail;
    while (*p) {
        pd_ns unit;
        char *end;
        long long n;

        if (!isdigit((unsigned char)*p))
            goto fail;
        errno = 0;
        n = strtoll(p, &end, 10);
        switch (*end) {
        case 'w':
            unit = 7 * 24 * 3600 * PD_SEC;
            break;
        case 'd':
            unit = 24 * 3600 * PD_SEC;
            break;
        case 'h':
            unit = 3600 * PD_SEC;
            break;
        case 'm':
            unit = 60 * PD_SEC;
            break;
        case 's':
            unit = PD_SEC;
            break;
        default:
            goto fail;
        }
        /* 100 years is more than anybody means, and keeps the sum in range. */
        if (errno || n > (100LL * 366 * 24 * 3600 * PD_SEC) / unit) {
            snprintf(err, errlen, "\"%s\": too far from now", text);
            return -EINVAL;
        }
        total += n * unit;
        if (total > 100LL * 366 * 24 * 3600 * PD_SEC) {
            snprintf(err, errlen, "\"%s\": too far from now", text);
            return -EINVAL;
        }
        p = end + 1;
    }
    *out = now + sign * total;
    return 0;
fail:
    snprintf(err, errlen, "\"%s\": expected a relative time such as -2h, -7d or -1h30m", text);
    return -EINVAL;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return days[month - 1] + (month == 2 && leap);
}

/* Returns the UTC offset in seconds, or 1 (not a whole minute, never a
 * result) on a syntax error. */
static long parse_offset(const char *p)
{
    int h, m = 0;
    long sign;

    if ((p[0] == 'Z' || p[0] == 'z') && !p[1])
        return 0;
    if (*p != '+' && *p != '-')
        return 1;
    sign = *p++ == '-' ? -1 : 1;
    if (read_digits(&p, 2, &h) < 0)
        return 1;
    if (*p == ':') {
        p++;
        if (read_digits(&p, 2, &m) < 0)
            return 1;
    } else if (*p && read_digits(&p, 2, &m) < 0) {
        return 1;
    }
    if (*p || h > 18 || m > 59)
        return 1;
    return sign * (h * 3600L + m * 60L);
}

/* mktime() with tm_isdst = -1 picks either reading of an ambiguous local
 * time, and quietly moves one in a gap: try every reading and keep those
 * that convert back to the fields asked for. */
static int local_to_utc(const struct tm *want, time_t *out)
{
    int found = 0;

    for (int isdst = -1; isdst <= 1; isdst++) {
        struct tm tm = *want, back;
        time_t t;

        tm.tm_isdst = isdst;
        t = mktime(&tm);
        if (!localtime_r(&t, &back))
            continue;
        if (back.tm_year != want->tm_year || back.tm_mon != want->tm_mon ||
            back.tm_mday != want->tm_mday || back.tm_hour != want->tm_hour ||
            back.tm_min != want->tm_min || back.tm_sec != want->tm_sec)
            continue;
        if (!found || t < *out)
            *out = t;
        found = 1;
    }
    return found ? 0 : -EINVAL;
}

static int parse_absolute(const char *text, pd_ns *out, char *err, size_t errlen)
{
    const char *p = text;
    struct tm tm = {0};
    int year, mon, day, hour = 0, min = 0, sec = 0;
    pd_ns frac = 0;
    long offset = 1; /* 1: none given */
    time_t t;

    if (read_digits(&p, 4, &year) < 0 || *p++ != '-' || read_digits(&p, 2, &mon) < 0 ||
        *p++ != '-' || read_digits(&p, 2, &day) < 0)
        goto syntax;
    if ((*p == ' ' || *p == 'T' || *p == 't') && isdigit((unsigned char)p[1])) {
        p++;
        if (read_digits(&p, 2, &hour) < 0 || *p++ != ':' || read_digits(&p, 2, &min) < 0)
            goto syntax;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &sec) < 0)
                goto syntax;
            if (*p == '.' || *p == ',') {
                pd_ns scale = PD_SEC;

                if (!isdigit((unsigned char)*++p))
                    goto syntax;
                for (; isdigit((unsigned char)*p); p++) {
                    scale /= 10;
                    frac += (*p - '0') * scale;
                }
            }
        }
    }
    if (*p == ' ')
        p++;
    if (*p) {
        offset = parse_offset(p);
        if (offset == 1)
            goto syntax;
    }
    if (year < YEAR_MIN || year > YEAR_MAX) {
        snprintf(err, errlen, "\"%s\": year out of range (%d..%d)", text, YEAR_MIN, YEAR_MAX);
        return -EINVAL;
    }
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 ||
        sec > 59) {
        snprintf(err, errlen, "\"%s\": no such date or time", text);
        return -EINVAL;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    if (offset != 1) {
        t = timegm(&tm) - offset;
    } else if (local_to_utc(&tm, &t) < 0) {
        snprintf(err, errlen, "\"%s\" does not exist in time zone %s (clock change)", text,
                 zone_name);
        return -EINVAL;
    }
    *out = (pd_ns)t * PD_SEC + frac;
    return 0;
syntax:
    snprintf(err, errlen,
             "\"%s\": expected YYYY-MM-DD[ HH:MM[:SS]][offset], \"now\", or a relative "
             "time such as -2h",
             text);
    return -EINVAL;
}

int pd_time_parse(const char *text, pd_ns now, pd_ns *out, char *err, size_t errlen)
{
    if (!text || !*text) {
        snprintf(err, errlen, "empty time");
        return -EINVAL;
    }
    if (strcmp(text, "now") == 0) {
        *out = now;
        return 0;
    }
    if (text[0] == '-' || text[0] == '+')
        return parse_relative(text, now, out, err, errlen);
    return parse_absolute(text, out, err, errlen);
}

/* The first second of the month (1..12, 13: January of the next year).
 * Where a clock change swallowed midnight on the 1st (Havana, 1 April 2012:
 * 00:00 -> 01:00) no reading of 00:00 exists: search for the first second
 * whose local date is the 1st. Around such a gap the local clock only moves
 * forwards, so the search is monotone. */
static int month_start(int year, int mon, time_t *out)
{
    struct tm want = {0}, guess;
    time_t lo, hi;

    want.tm_year = year - 1900 + (mon > 12);
    want.tm_mon = (mon - 1) % 12;
    want.tm_mday = 1;
    if (local_to_utc(&want, out) == 0)
        return 0;
    guess = want;
    lo = timegm(&guess) - 30 * 3600;
    hi = lo + 60 * 3600;
    while (lo < hi) {
        time_t mid = lo + (hi - lo) / 2;
        struct tm tm;

        if (!localtime_r(&mid, &tm))
            return -EINVAL;
        if (tm.tm_year > want.tm_year || (tm.tm_year == want.tm_year && tm.tm_mon >= want.tm_mon))
            hi = mid;
        else
            lo = mid + 1;
    }
    *out = lo;
    return 0;
}

/* Field by field: a before b? */
static int tm_before(const struct tm *a, const struct tm *b)
{
    int x[] = {a->tm_year, a->tm_mon, a->tm_mday, a->tm_hour, a->tm_min, a->tm_sec};
    int y[] = {b->tm_year, b->tm_mon, b->tm_mday, b->tm_hour, b->tm_min, b->tm_sec};

    for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
        if (x[i] != y[i])
            return x[i] < y[i];
    return 0;
}

int pd_time_local_at(int year, int mon, int mday, int minute, pd_ns *out)
{
    struct tm want = {0};
    time_t lo, hi;

    if (year < YEAR_MIN || year > YEAR_MAX || mon < 1 || mon > 12 || mday < 1 ||
        mday > days_in_month(year, mon) || minute < 0 || minute >= 24 * 60)
        return -EINVAL;
    want.tm_year = year - 1900;
    want.tm_mon = mon - 1;
    want.tm_mday = mday;
    want.tm_hour = minute / 60;
    want.tm_min = minute % 60;
    if (local_to_utc(&want, &lo) == 0) {
        *out = (pd_ns)lo * PD_SEC;
        return 0;
    }
    /* In a gap: the first second whose local time is not before it (the
     * local clock only moves forwards around a gap, as in month_start). */
    struct tm guess = want;
    lo = timegm(&guess) - 30 * 3600;
    hi = lo + 60 * 3600;
    while (lo < hi) {
        time_t mid = lo + (hi - lo) / 2;
        struct tm tm;

        if (!localtime_r(&mid, &tm))
            return -EINVAL;
        if (tm_before(&tm, &want))
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = (pd_ns)lo * PD_SEC;
    return 0;
}

int pd_time_local_date(pd_ns t, int *year, int *mon, int *mday)
{
    struct tm tm;

    if (to_local(t, &tm) < 0)
        return -EOVERFLOW;
    *year = tm.tm_year + 1900;
    *mon = tm.tm_mon + 1;
    *mday = tm.tm_mday;
    return 0;
}

int pd_time_month(const char *yyyy_mm, pd_ns *start, pd_ns *end, char *err, size_t errlen)
{
    const char *text = yyyy_mm ? yyyy_mm : "", *p = text;
    int year, mon;
    time_t s, e;

    if (read_digits(&p, 4, &year) < 0 || *p++ != '-' || read_digits(&p, 2, &mon) < 0 || *p) {
        snprintf(err, errlen, "\"%s\": expected a month as YYYY-MM, e.g. 2026-10", text);
        return -EINVAL;
    }
    if (mon < 1 || mon > 12) {
        snprintf(err, errlen, "\"%s\": no such month (01..12)", text);
        return -EINVAL;
    }
    if (year < YEAR_MIN || year > YEAR_MAX) {
        snprintf(err, errlen, "\"%s\": year out of range (%d..%d)", text, YEAR_MIN, YEAR_MAX);
        return -EINVAL;
    }
    if (month_start(year, mon, &s) < 0 || month_start(year, mon + 1, &e) < 0) {
        snprintf(err, errlen, "\"%s\": cannot convert in time zone %s", text, zone_name);
        return -EINVAL;
    }
    *start = (pd_ns)s * PD_SEC;
    *end = (pd_ns)e * PD_SEC;
    return 0;
}

char *pd_duration_short(pd_ns d, char *buf, size_t len)
{
    const char *sign = d < 0 ? "-" : "";
    uint64_t a = d < 0 ? -(uint64_t)d : (uint64_t)d;
    uint64_t s = a / PD_SEC;

    if (len == 0)
        return buf;
    if (s == 0)
        snprintf(buf, len, "%s%llums", sign, (unsigned long long)(a / PD_MSEC));
    else if (s < 60)
        snprintf(buf, len, "%s%llus", sign, (unsigned long long)s);
    else if (s < 3600)
        snprintf(buf, len, "%s%llum%02llus", sign, (unsigned long long)(s / 60),
                 (unsigned long long)(s % 60));
    else if (s < 86400)
        snprintf(buf, len, "%s%lluh%02llum", sign, (unsigned long long)(s / 3600),
                 (unsigned long long)(s / 60 % 60));
    else
        snprintf(buf, len, "%s%llud%02lluh", sign, (unsigned long long)(s / 86400),
                 (unsigned long long)(s / 3600 % 24));
    return buf;
}
