#include "utf8.h"

size_t pd_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t v;

    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        need = 1;
        v = u[0] & 0x1F;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        need = 2;
        v = u[0] & 0x0F;
        if (u[0] == 0xE0)
            lo = 0xA0; /* overlong */
        else if (u[0] == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        need = 3;
        v = u[0] & 0x07;
        if (u[0] == 0xF0)
            lo = 0x90; /* overlong */
        else if (u[0] == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *cp = PD_UTF8_REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || u[i] < lo || u[i] > hi) {
            *cp = PD_UTF8_REPLACEMENT;
            return i;
        }
        v = v << 6 | (u[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need + 1;
}

int pd_utf8_valid(const char *s, size_t len, size_t *bad)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = s[i] ? pd_utf8_decode(s + i, len - i, &cp) : 0;
        /* U+FFFD itself is three bytes; the decoder's U+FFFD for an error
         * is shorter. */
        if (k == 0 || (cp == PD_UTF8_REPLACEMENT && k < 3)) {
            if (bad)
                *bad = i;
            return 0;
        }
        i += k;
    }
    return 1;
}
