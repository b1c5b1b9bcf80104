/*
 * A robot's reply, read with a minimal JSON scanner: the span of a
 * top-level member's value, skipping strings (with escapes), nested
 * objects and arrays. It checks the structure a robot's reply has, not
 * every rule of RFC 8259 (bare words and mismatched brackets inside a
 * value pass), which is all that is needed to find two members; what it
 * must never do is read past the reply or recurse without bound, and it
 * does neither: it is a loop with a depth counter, over [p, end).
 */
#include "alert_reply.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* What an error message shows of a reply. */
#define SNIPPET_MAX 160

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* p at '"'. Past the closing quote, or NULL when unterminated. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            if (++p == end)
                break;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* One value, nested at most max_depth deep; past it, or NULL. */
static const char *skip_value(const char *p, const char *end, int max_depth)
{
    int depth = 0;
    do {
        p = skip_ws(p, end);
        if (p == end)
            return NULL;
        if (*p == '"') {
            if (!(p = skip_string(p, end)))
                return NULL;
        } else if (*p == '{' || *p == '[') {
            if (++depth > max_depth)
                return NULL;
            p++;
        } else if (*p == '}' || *p == ']') {
            if (--depth < 0)
                return NULL;
            p++;
        } else if (*p == ',' || *p == ':') {
            if (depth == 0)
                return NULL;
            p++;
        } else if (strchr("-0123456789tfn", *p)) { /* no NUL in [p, end) */
            while (p < end && strchr("+-.0123456789eEtruefalsn", *p))
                p++;
        } else {
            return NULL;
        }
    } while (depth > 0);
    return p;
}

/* The value of text's top-level member key, as [*val, *vend); text holds
 * no NUL before end (strchr above would match it). 0, or
 * -EBADMSG when the text is no object, -ENOENT when it has no such
 * member. */
static int json_member(const char *text, const char *end, const char *key, const char **val,
                       const char **vend)
{
    const char *p = skip_ws(text, end);
    size_t klen = strlen(key);
    int found = 0;
    if (p == end || *p++ != '{')
        return -EBADMSG;
    p = skip_ws(p, end);
    if (p < end && *p == '}')
        return skip_ws(p + 1, end) != end ? -EBADMSG : -ENOENT;
    for (;;) {
        p = skip_ws(p, end);
        if (p == end || *p != '"')
            return -EBADMSG;
        const char *k = p + 1, *ke = skip_string(p, end);
        if (!ke)
            return -EBADMSG;
        p = skip_ws(ke, end);
        if (p == end || *p++ != ':')
            return -EBADMSG;
        p = skip_ws(p, end);
        const char *v = p;
        if (!(p = skip_value(p, end, PD_ALERT_REPLY_MAX_DEPTH - 1)))
            return -EBADMSG;
        if (!found && (size_t)(ke - 1 - k) == klen && memcmp(k, key, klen) == 0) {
            *val = v;
            *vend = p;
            found = 1;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p == end || *p != '}' || skip_ws(p + 1, end) != end)
            return -EBADMSG;
        return found ? 0 : -ENOENT;
    }
}

/* [p, end) as a decimal integer, clamped as strtol clamps. -1 when it is
 * anything else (a fraction, an exponent, a word). */
static int parse_long(const char *p, const char *end, long *out)
{
    int neg = p < end && *p == '-';
    long v = 0;
    p += neg;
    if (p == end)
        return -1;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        int d = *p - '0';
        if (!neg)
            v = v > (LONG_MAX - d) / 10 ? LONG_MAX : v * 10 + d;
        else
            v = v < (LONG_MIN + d) / 10 ? LONG_MIN : v * 10 - d;
    }
    *out = v;
    return 0;
}

int pd_alert_robot_reply(const char *reply, size_t len, long *errcode, char *errmsg,
                         size_t errmsglen)
{
    const char *nul = memchr(reply, '\0', len);
    const char *end = nul ? nul : reply + len;
    const char *v, *e;

    *errcode = 0;
    if (errmsg && errmsglen)
        errmsg[0] = '\0';
    int rc = json_member(reply, end, "errcode", &v, &e);
    if (rc < 0)
        return rc;
    if (parse_long(v, e, errcode) < 0)
        return -EINVAL;
    if (errmsg && errmsglen && json_member(reply, end, "errmsg", &v, &e) == 0 && *v == '"')
        pd_alert_reply_snippet(v + 1, (size_t)(e - 1 - (v + 1)), errmsg, errmsglen);
    return 0;
}

void pd_alert_reply_snippet(const char *text, size_t len, char *buf, size_t buflen)
{
    size_t n = 0;
    if (!buflen)
        return;
    /* n + 4 < buflen: room for one more character of up to 4 bytes and the
     * NUL. */
    for (size_t i = 0; i < len && n + 4 < buflen && n < SNIPPET_MAX;) {
        uint32_t cp;
        size_t k = pd_utf8_decode(text + i, len - i, &cp);
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == PD_UTF8_REPLACEMENT) {
            if (n && buf[n - 1] != ' ')
                buf[n++] = ' ';
        } else {
            memcpy(buf + n, text + i, k);
            n += k;
        }
        i += k;
    }
    while (n && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
}
