#include "snmp_text.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static iconv_t from_gb = (iconv_t)-1;

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static bool valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Copy valid-or-not UTF-8 in, '?' for each bad byte, whole characters
 * only, controls as spaces. */
static void copy_clean(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        const char *src = k ? s + i : "?";
        size_t w = k ? k : 1;
        if (o + w + 1 > outlen)
            break;
        memcpy(out + o, src, w);
        if (w == 1 && ((unsigned char)out[o] < 0x20 || out[o] == 0x7F)) {
            out[o] = ' ';
        } else if (w == 2 && (unsigned char)src[0] == 0xC2 && (unsigned char)src[1] < 0xA0) {
            out[o] = ' '; /* C1 controls, U+0080..U+009F */
            w = 1;
        }
        o += w;
        i += k ? k : 1;
    }
    out[o] = '\0';
}

void snmp_text_utf8(const char *s, size_t len, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    const char *nul = memchr(s, '\0', len);
    if (nul)
        len = (size_t)(nul - s);
    if (valid_utf8(s, len)) {
        copy_clean(s, len, out, outlen);
        return;
    }
    char buf[1024];
    if (from_gb == (iconv_t)-1)
        from_gb = iconv_open("UTF-8", "GB18030");
    if (from_gb != (iconv_t)-1 && len < sizeof(buf) / 2) {
        char *in = (char *)s, *to = buf;
        size_t in_left = len, out_left = sizeof(buf);
        iconv(from_gb, NULL, NULL, NULL, NULL);
        if (iconv(from_gb, &in, &in_left, &to, &out_left) != (size_t)-1 && in_left == 0) {
            copy_clean(buf, (size_t)(to - buf), out, outlen);
            return;
        }
    }
    copy_clean(s, len, out, outlen);
}

void snmp_text_close(void)
{
    if (from_gb != (iconv_t)-1)
        iconv_close(from_gb);
    from_gb = (iconv_t)-1;
}
