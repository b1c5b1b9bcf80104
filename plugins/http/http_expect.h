/*
 * The status codes a check accepts: "200-299", "2xx", "301,302", written
 * as one string or as a YAML list of them. Pure; no allocation.
 */
#ifndef PROBED_HTTP_EXPECT_H
#define PROBED_HTTP_EXPECT_H

#include <stddef.h>

#define HTTP_STATUS_RANGES 16

struct http_status_set {
    size_t n;
    struct {
        int lo, hi; /* inclusive, 100..599 */
    } r[HTTP_STATUS_RANGES];
};

/* Parse the items (each "code", "lo-hi" or "Nxx", several per item
 * separated by commas) into out. 0, or -EINVAL with err saying which item
 * is wrong. No items is an error: a check accepts something. */
int http_status_parse(const char *const *items, struct http_status_set *out, char *err,
                      size_t errlen);
int http_status_match(const struct http_status_set *set, long status);
/* "200-299, 301" for people, in buf. */
void http_status_format(const struct http_status_set *set, char *buf, size_t len);

#endif
