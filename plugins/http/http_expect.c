#include "http_expect.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A code 100..599 from exactly three digits at p. */
static int code_at(const char *p, int *out)
{
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]))
        return -EINVAL;
    int v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (v < 100 || v > 599)
        return -EINVAL;
    *out = v;
    return 0;
}

/* One term between commas, spaces trimmed: "200", "200-299", "2xx". */
static int parse_term(const char *s, size_t len, int *lo, int *hi)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 3 && (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X') && s[0] >= '1' &&
        s[0] <= '5') {
        *lo = (s[0] - '0') * 100;
        *hi = *lo + 99;
        return 0;
    }
    if (len == 3 && code_at(s, lo) == 0) {
        *hi = *lo;
        return 0;
    }
    if (len == 7 && s[3] == '-' && code_at(s, lo) == 0 && code_at(s + 4, hi) == 0 && *lo <= *hi)
        return 0;
    return -EINVAL;
}

int http_status_parse(const char *const *items, struct http_status_set *out, char *err,
                      size_t errlen)
{
    out->n = 0;
    for (size_t i = 0; items && items[i]; i++) {
        const char *p = items[i];
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            int lo, hi;
            if (parse_term(p, len, &lo, &hi) < 0) {
                snprintf(err, errlen,
                         "expect_status: '%.*s' is not a status code (100..599), a range "
                         "such as 200-299, or 2xx",
                         (int)(len > 40 ? 40 : len), p);
                return -EINVAL;
            }
            if (out->n == HTTP_STATUS_RANGES) {
                snprintf(err, errlen, "expect_status: at most %d codes or ranges",
                         HTTP_STATUS_RANGES);
                return -EINVAL;
            }
            out->r[out->n].lo = lo;
            out->r[out->n].hi = hi;
            out->n++;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    if (out->n == 0) {
        snprintf(err, errlen, "expect_status: no status accepted; write e.g. 200-299");
        return -EINVAL;
    }
    return 0;
}

int http_status_match(const struct http_status_set *set, long status)
{
    for (size_t i = 0; i < set->n; i++)
        if (status >= set->r[i].lo && status <= set->r[i].hi)
            return 1;
    return 0;
}

void http_status_format(const struct http_status_set *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set->n && used < len; i++) {
        int n = set->r[i].lo == set->r[i].hi
                    ? snprintf(buf + used, len - used, "%s%d", i ? ", " : "", set->r[i].lo)
                    : snprintf(buf + used, len - used, "%s%d-%d", i ? ", " : "", set->r[i].lo,
                               set->r[i].hi);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
