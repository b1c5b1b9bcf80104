/* UTF-8: one strict decoder for everything that reads names from outside. */
#ifndef PROBED_UTF8_H
#define PROBED_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define PD_UTF8_REPLACEMENT 0xFFFDu

/* Decode one UTF-8 sequence from s (n > 0 bytes available). Returns the
 * bytes consumed (>= 1) and sets *cp, to U+FFFD for an invalid or truncated
 * sequence (consuming its longest valid prefix, as Unicode recommends). */
size_t pd_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 when s[0..len) is valid UTF-8 (no overlongs, surrogates or NUL);
 * otherwise 0 and *bad is the offset of the first bad byte. */
int pd_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
