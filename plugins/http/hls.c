#include "hls.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
    int n = line ? snprintf(err, errlen, "line %zu: ", line) : 0;
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int starts(struct hls_text l, const char *tag)
{
    size_t n = strlen(tag);
    return l.len >= n && memcmp(l.p, tag, n) == 0;
}

/* A number written in at most 31 characters: strtod and strtoll need a
 * terminated copy, and a longer one is not a number a playlist needs. */
static int copy_number(struct hls_text t, char *buf)
{
    if (t.len == 0 || t.len > 31 || memchr(t.p, '\0', t.len))
        return -EINVAL;
    memcpy(buf, t.p, t.len);
    buf[t.len] = '\0';
    return 0;
}

static int read_double(struct hls_text t, double max, double *out)
{
    char buf[32], *end;
    if (copy_number(t, buf) < 0 || !(buf[0] >= '0' && buf[0] <= '9'))
        return -EINVAL;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v) || v < 0 || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int read_integer(struct hls_text t, long long *out)
{
    char buf[32], *end;
    if (copy_number(t, buf) < 0 || !(buf[0] >= '0' && buf[0] <= '9'))
        return -EINVAL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

static struct hls_text after(struct hls_text l, const char *tag)
{
    size_t n = strlen(tag);
    return (struct hls_text){l.p + n, l.len - n};
}

/* The value of attribute name in an attribute list (RFC 8216 4.2):
 * NAME=value pairs between commas, quoted values may hold commas. */
static int attr_get(struct hls_text list, const char *name, struct hls_text *value)
{
    size_t i = 0, nlen = strlen(name);
    while (i < list.len) {
        size_t key = i;
        while (i < list.len && list.p[i] != '=' && list.p[i] != ',')
            i++;
        if (i >= list.len || list.p[i] != '=')
            return -EINVAL;
        size_t key_len = i - key;
        size_t v = ++i;
        if (i < list.len && list.p[i] == '"') {
            const char *q = memchr(list.p + i + 1, '"', list.len - i - 1);
            if (!q)
                return -EINVAL;
            i = (size_t)(q - list.p) + 1;
        } else {
            while (i < list.len && list.p[i] != ',')
                i++;
        }
        if (key_len == nlen && memcmp(list.p + key, name, nlen) == 0) {
            *value = (struct hls_text){list.p + v, i - v};
            return 0;
        }
        if (i < list.len && list.p[i] != ',')
            return -EINVAL;
        i++;
    }
    return -ENOENT;
}

/* RESOLUTION=<width>x<height>. */
static int read_resolution(struct hls_text t, long *w, long *h)
{
    const char *x = memchr(t.p, 'x', t.len);
    long long a, b;
    if (!x || read_integer((struct hls_text){t.p, (size_t)(x - t.p)}, &a) < 0 ||
        read_integer((struct hls_text){x + 1, t.len - (size_t)(x - t.p) - 1}, &b) < 0 ||
        a > 100000 || b > 100000)
        return -EINVAL;
    *w = (long)a;
    *h = (long)b;
    return 0;
}

struct variant {
    long width, height;
    long long bandwidth;
};

static int better(const struct variant *a, const struct hls_playlist *best)
{
    if (a->height != best->height)
        return a->height > best->height;
    return a->bandwidth > best->bandwidth;
}

int hls_parse(const char *text, size_t len, struct hls_playlist *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0, line_no = 0;
    enum { NONE, SEGMENT, VARIANT } pending = NONE;
    struct variant var = {0};
    double duration = 0;
    int seen_header = 0, has_target = 0;
    size_t pending_line = 0;

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        struct hls_text l = {text + pos, nl ? (size_t)(nl - text - pos) : len - pos};
        pos += l.len + 1;
        line_no++;
        if (l.len && l.p[l.len - 1] == '\r')
            l.len--;
        if (l.len == 0)
            continue;
        if (!seen_header) {
            if (!(l.len == 7 && memcmp(l.p, "#EXTM3U", 7) == 0))
                return fail(err, errlen, line_no, "not an HLS playlist (no #EXTM3U first)");
            seen_header = 1;
            continue;
        }
        if (l.p[0] != '#') {
            if (pending == NONE)
                return fail(err, errlen, line_no, "a URI without #EXTINF or #EXT-X-STREAM-INF");
            if (pending == VARIANT) {
                if (out->n_variants == 0 || better(&var, out)) {
                    out->variant_uri = l;
                    out->width = var.width;
                    out->height = var.height;
                    out->bandwidth = var.bandwidth;
                }
                out->n_variants++;
            } else {
                out->n_segments++;
                out->newest_duration = duration;
                out->newest_uri = l;
            }
            pending = NONE;
            continue;
        }
        if (pending != NONE && (starts(l, "#EXTINF:") || starts(l, "#EXT-X-STREAM-INF:")))
            return fail(err, errlen, line_no, "a tag where the URI of line %zu was expected",
                        pending_line);
        if (starts(l, "#EXT-X-STREAM-INF:")) {
            struct hls_text a = after(l, "#EXT-X-STREAM-INF:"), v;
            var = (struct variant){0};
            if (attr_get(a, "BANDWIDTH", &v) < 0 || read_integer(v, &var.bandwidth) < 0)
                return fail(err, errlen, line_no, "#EXT-X-STREAM-INF without a valid BANDWIDTH");
            int rc = attr_get(a, "RESOLUTION", &v);
            if (rc == -EINVAL || (rc == 0 && read_resolution(v, &var.width, &var.height) < 0))
                return fail(err, errlen, line_no, "bad attributes or RESOLUTION");
            pending = VARIANT;
            pending_line = line_no;
        } else if (starts(l, "#EXTINF:")) {
            struct hls_text d = after(l, "#EXTINF:");
            const char *comma = memchr(d.p, ',', d.len);
            if (comma)
                d.len = (size_t)(comma - d.p);
            if (read_double(d, 86400, &duration) < 0)
                return fail(err, errlen, line_no, "#EXTINF without a valid duration");
            pending = SEGMENT;
            pending_line = line_no;
        } else if (starts(l, "#EXT-X-TARGETDURATION:")) {
            long long t;
            if (read_integer(after(l, "#EXT-X-TARGETDURATION:"), &t) < 0 || t > 86400)
                return fail(err, errlen, line_no, "#EXT-X-TARGETDURATION is not 0..86400 s");
            out->target_duration = (double)t;
            has_target = 1;
        } else if (starts(l, "#EXT-X-MEDIA-SEQUENCE:")) {
            if (read_integer(after(l, "#EXT-X-MEDIA-SEQUENCE:"), &out->media_sequence) < 0)
                return fail(err, errlen, line_no, "#EXT-X-MEDIA-SEQUENCE is not a number");
        } else if (l.len == 14 && memcmp(l.p, "#EXT-X-ENDLIST", 14) == 0) {
            out->ended = 1;
        }
        /* Other tags and comments say nothing a check needs. */
    }
    if (!seen_header)
        return fail(err, errlen, 0, "empty: not an HLS playlist");
    if (pending != NONE)
        return fail(err, errlen, pending_line, "the tag's URI is missing");
    if (out->n_variants && (out->n_segments || has_target))
        return fail(err, errlen, 0, "both variants and segments");
    if (out->n_variants) {
        out->is_master = 1;
        return 0;
    }
    if (!has_target)
        return fail(err, errlen, 0, "a media playlist without #EXT-X-TARGETDURATION");
    if (out->media_sequence > (long long)1 << 62)
        return fail(err, errlen, 0, "#EXT-X-MEDIA-SEQUENCE too large");
    return 0;
}
