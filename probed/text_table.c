/* wcwidth() */
#define _GNU_SOURCE

#include "text_table.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "utf8.h"

#define ELLIPSIS "\xe2\x80\xa6"

struct pd_table {
    size_t n_cols;
    char **headers;
    enum pd_align *align;
    size_t *max_width;
    char ***rows; /* rows[i][col], each cell sanitised */
    size_t n_rows, cap_rows;
};

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* Used only when the C.UTF-8 locale is missing. */
static int is_wide_fallback(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
           (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
           (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

static locale_t utf8_locale(void)
{
    static locale_t loc;
    static int tried;

    if (!tried) {
        tried = 1;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return loc;
}

/* Width of one code point that is not a control character. */
static size_t cp_width(uint32_t cp)
{
    locale_t loc = utf8_locale();
    locale_t old;
    int w;

    if (cp < 0x7F)
        return 1;
    if (!loc)
        return is_wide_fallback(cp) ? 2 : 1;
    old = uselocale(loc);
    w = wcwidth((wchar_t)cp);
    uselocale(old);
    /* Unassigned to glibc: most terminals still draw one cell. */
    return w < 0 ? 1 : (size_t)w;
}

/* Copy of s with invalid sequences and control characters as U+FFFD. */
static char *sanitise(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    /* Each input byte becomes at most 3 output bytes. */
    char *out = malloc(n * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = pd_utf8_decode(s + i, n - i, &cp);

        if (cp == PD_UTF8_REPLACEMENT || is_control(cp)) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
        } else {
            memcpy(o, s + i, k);
            o += k;
        }
        i += k;
    }
    *o = '\0';
    return out;
}

/* Width of an already sanitised string. */
static size_t clean_width(const char *s)
{
    size_t n = strlen(s), w = 0;

    for (size_t i = 0; i < n;) {
        uint32_t cp;

        i += pd_utf8_decode(s + i, n - i, &cp);
        w += cp_width(cp);
    }
    return w;
}

size_t pd_text_width(const char *s)
{
    char *clean = sanitise(s);
    size_t w;

    if (!clean)
        return s ? strlen(s) : 0;
    w = clean_width(clean);
    free(clean);
    return w;
}

static void free_cells(char **cells, size_t n)
{
    if (!cells)
        return;
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

static char **copy_cells(const char *const *src, size_t n)
{
    char **cells = calloc(n, sizeof(*cells));

    if (!cells)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        cells[i] = sanitise(src[i]);
        if (!cells[i])
            goto fail;
    }
    return cells;
fail:
    free_cells(cells, n);
    return NULL;
}

struct pd_table *pd_table_new(size_t n_cols, const char *const *headers)
{
    struct pd_table *t = calloc(1, sizeof(*t));

    assert(n_cols > 0);
    if (!t)
        return NULL;
    t->n_cols = n_cols;
    t->headers = copy_cells(headers, n_cols);
    t->align = calloc(n_cols, sizeof(*t->align));
    t->max_width = calloc(n_cols, sizeof(*t->max_width));
    if (!t->headers || !t->align || !t->max_width)
        goto fail;
    return t;
fail:
    pd_table_free(t);
    return NULL;
}

void pd_table_free(struct pd_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows; i++)
        free_cells(t->rows[i], t->n_cols);
    free(t->rows);
    free_cells(t->headers, t->n_cols);
    free(t->align);
    free(t->max_width);
    free(t);
}

void pd_table_set_align(struct pd_table *t, size_t col, enum pd_align align)
{
    assert(col < t->n_cols);
    t->align[col] = align;
}

void pd_table_set_max_width(struct pd_table *t, size_t col, size_t width)
{
    assert(col < t->n_cols);
    t->max_width[col] = width;
}

int pd_table_add_row(struct pd_table *t, const char *const *cells)
{
    char **row;

    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        char ***rows = realloc(t->rows, cap * sizeof(*rows));

        if (!rows)
            return -ENOMEM;
        t->rows = rows;
        t->cap_rows = cap;
    }
    row = copy_cells(cells, t->n_cols);
    if (!row)
        return -ENOMEM;
    t->rows[t->n_rows++] = row;
    return 0;
}

size_t pd_table_rows(const struct pd_table *t)
{
    return t->n_rows;
}

/* How much of a sanitised cell fits in max columns (0: no limit): its
 * display width, the bytes to print, and whether an ellipsis follows. */
static size_t fit(const char *cell, size_t max, size_t *bytes, int *cut)
{
    size_t n = strlen(cell), w = clean_width(cell), i = 0;

    *bytes = n;
    *cut = 0;
    if (!max || w <= max)
        return w;
    w = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = pd_utf8_decode(cell + i, n - i, &cp);
        size_t cw = cp_width(cp);

        if (w + cw > max - 1)
            break;
        w += cw;
        i += k;
    }
    *bytes = i;
    *cut = 1;
    return w + 1;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void print_line(const struct pd_table *t, char *const *cells, const size_t *widths,
                       FILE *out)
{
    size_t last = t->n_cols - 1;

    /* Trailing empty cells would only add blanks. */
    while (last > 0 && !cells[last][0])
        last--;
    for (size_t c = 0; c <= last; c++) {
        size_t bytes;
        int cut;
        size_t w = fit(cells[c], t->max_width[c], &bytes, &cut);

        if (c > 0)
            fputs("  ", out);
        if (t->align[c] == PD_ALIGN_RIGHT)
            pad(out, widths[c] - w);
        fwrite(cells[c], 1, bytes, out);
        if (cut)
            fputs(ELLIPSIS, out);
        if (t->align[c] == PD_ALIGN_LEFT && c < last)
            pad(out, widths[c] - w);
    }
    fputc('\n', out);
}

int pd_table_print(const struct pd_table *t, FILE *out)
{
    size_t *widths = calloc(t->n_cols, sizeof(*widths));
    int rc = 0;

    if (!widths)
        return -ENOMEM;
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t bytes;
        int cut;

        widths[c] = fit(t->headers[c], t->max_width[c], &bytes, &cut);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t w = fit(t->rows[r][c], t->max_width[c], &bytes, &cut);

            if (w > widths[c])
                widths[c] = w;
        }
    }
    print_line(t, t->headers, widths, out);
    for (size_t r = 0; r < t->n_rows; r++)
        print_line(t, t->rows[r], widths, out);
    if (ferror(out))
        rc = -EIO;
    free(widths);
    return rc;
}
