#include "calendar.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

#define YEAR_MIN 1970
#define YEAR_MAX 2200

/* Howard Hinnant's days_from_civil and civil_from_days: exact for every
 * Gregorian date, no table, no time zone. */
int32_t pd_day_from_ymd(int year, int mon, int mday)
{
    int y = year - (mon <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + mday - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void pd_day_to_ymd(int32_t day, int *year, int *mon, int *mday)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)yoe + era * 400 + (m <= 2);
    *mon = (int)m;
    *mday = (int)d;
}

int pd_day_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday. */
    int w = (int)((day + 4) % 7);
    return w < 0 ? w + 7 : w;
}

static int digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -EINVAL;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

int pd_day_parse(const char *text, int32_t *out)
{
    int y, m, d;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        digits(text, 4, &y) < 0 || digits(text + 5, 2, &m) < 0 || digits(text + 8, 2, &d) < 0)
        return -EINVAL;
    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1)
        return -EINVAL;
    /* The day must survive the round trip: 2026-02-30 does not. */
    int32_t day = pd_day_from_ymd(y, m, d);
    int y2, m2, d2;
    pd_day_to_ymd(day, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return -EINVAL;
    *out = day;
    return 0;
}

char *pd_day_format(int32_t day, char *buf, size_t len)
{
    int y, m, d;
    pd_day_to_ymd(day, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
    return buf;
}

int pd_day_of(pd_ns t, int32_t *day)
{
    int y, m, d;
    if (pd_time_local_date(t, &y, &m, &d) < 0)
        return -EOVERFLOW;
    *day = pd_day_from_ymd(y, m, d);
    return 0;
}

int pd_daily_at(const struct pd_inspection_conf *c, int32_t day, pd_ns *out)
{
    int y, m, d;
    pd_day_to_ymd(day, &y, &m, &d);
    return pd_time_local_at(y, m, d, c->daily_minute, out);
}

static bool in_days(const int32_t *days, size_t n, int32_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (days[mid] == day)
            return true;
        if (days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool pd_working_day(const struct pd_inspection_conf *c, int32_t day)
{
    if (in_days(c->extra_working_days, c->n_extra_working_days, day))
        return true;
    return (c->working_days & (1u << pd_day_weekday(day))) &&
           !in_days(c->holidays, c->n_holidays, day);
}

int pd_daily_period(const struct pd_inspection_conf *c, int32_t day, pd_ns *start, pd_ns *end,
                    int32_t *since_day)
{
    if (pd_daily_at(c, day, end) < 0)
        return -EINVAL;
    int32_t prev = day - 1;
    while (prev > day - PD_DAILY_LOOKBACK && !pd_working_day(c, prev))
        prev--;
    if (!pd_working_day(c, prev))
        prev = day - 1;
    *since_day = prev;
    return pd_daily_at(c, prev, start);
}

int pd_daily_latest(const struct pd_inspection_conf *c, pd_ns now, int32_t *day)
{
    int32_t today;
    if (pd_day_of(now, &today) < 0)
        return -EINVAL;
    for (int32_t d = today; d > today - PD_DAILY_LOOKBACK; d--) {
        pd_ns at;
        if (pd_working_day(c, d) && pd_daily_at(c, d, &at) == 0 && at <= now) {
            *day = d;
            return 0;
        }
    }
    return -ENOENT;
}

int pd_daily_next(const struct pd_inspection_conf *c, pd_ns now, int32_t *day)
{
    int32_t today;
    if (pd_day_of(now, &today) < 0)
        return -EINVAL;
    for (int32_t d = today; d < today + PD_DAILY_LOOKBACK; d++) {
        pd_ns at;
        if (pd_working_day(c, d) && pd_daily_at(c, d, &at) == 0 && at > now) {
            *day = d;
            return 0;
        }
    }
    return -ENOENT;
}

int pd_quarter_parse(const char *text, pd_ns *start, pd_ns *end, char *canonical, char *err,
                     size_t errlen)
{
    const char *shown = text ? text : "", *p = shown;
    int y, q;
    if (digits(p, 4, &y) < 0)
        goto bad;
    p += 4;
    if (*p == '-')
        p++;
    if ((*p != 'Q' && *p != 'q') || !isdigit((unsigned char)p[1]) || p[2] != '\0')
        goto bad;
    q = p[1] - '0';
    if (q < 1 || q > 4) {
        snprintf(err, errlen, "\"%s\": no such quarter (Q1..Q4)", shown);
        return -EINVAL;
    }
    if (y < YEAR_MIN || y >= YEAR_MAX) {
        snprintf(err, errlen, "\"%s\": year out of range (%d..%d)", shown, YEAR_MIN, YEAR_MAX - 1);
        return -EINVAL;
    }
    int m0 = 3 * (q - 1) + 1, y1 = q == 4 ? y + 1 : y, m1 = q == 4 ? 1 : m0 + 3;
    if (pd_time_local_at(y, m0, 1, 0, start) < 0 || pd_time_local_at(y1, m1, 1, 0, end) < 0) {
        snprintf(err, errlen, "\"%s\": cannot convert in time zone %s", shown, pd_time_zone());
        return -EINVAL;
    }
    snprintf(canonical, 8, "%04dQ%d", y, q);
    return 0;
bad:
    snprintf(err, errlen, "\"%s\": expected a quarter as YYYYQn, e.g. 2026Q4", shown);
    return -EINVAL;
}
