#include "csv_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "utf8.h"

static int peek(const struct pd_csv *c, size_t ahead)
{
    return c->pos + ahead < c->len ? (unsigned char)c->buf[c->pos + ahead] : -1;
}

static void advance(struct pd_csv *c)
{
    unsigned char ch = (unsigned char)c->buf[c->pos++];
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if ((ch & 0xc0) != 0x80) {
        c->col++;
    }
}

/* At a line end (LF or CRLF) or the end of the text. */
static int at_eol(const struct pd_csv *c)
{
    int ch = peek(c, 0);
    return ch == -1 || ch == '\n' || (ch == '\r' && peek(c, 1) == '\n');
}

static void skip_eol(struct pd_csv *c)
{
    if (peek(c, 0) == '\r')
        advance(c);
    if (peek(c, 0) == '\n')
        advance(c);
}

static void skip_line(struct pd_csv *c)
{
    while (!at_eol(c))
        advance(c);
    skip_eol(c);
}

static int put(struct pd_csv *c, char ch)
{
    if (c->used == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        char *s = realloc(c->scratch, cap);
        if (!s)
            return -ENOMEM;
        c->scratch = s;
        c->cap = cap;
    }
    c->scratch[c->used++] = ch;
    return 0;
}

static int begin_field(struct pd_csv *c)
{
    if (c->n_fields == c->cap_fields) {
        size_t cap = c->cap_fields ? 2 * c->cap_fields : 8;
        struct pd_csv_field *f = realloc(c->fields, cap * sizeof(*f));
        if (!f)
            return -ENOMEM;
        c->fields = f;
        c->cap_fields = cap;
    }
    c->fields[c->n_fields++] =
        (struct pd_csv_field){.off = c->used, .line = c->line, .col = c->col};
    return 0;
}

void pd_csv_error(struct pd_csv *c, int line, int col, const char *msg)
{
    struct pd_mark at = {.file = c->file, .line = line, .col = col};
    pd_error_at(c->err, c->errlen, &at, "%s", msg);
}

static int quoted_field(struct pd_csv *c)
{
    int line = c->line, col = c->col;
    advance(c);
    for (;;) {
        int ch = peek(c, 0);
        if (ch == -1) {
            pd_csv_error(c, line, col, "quoted field not closed before the end of the file");
            return -EINVAL;
        }
        if (ch == '"') {
            advance(c);
            if (peek(c, 0) != '"')
                break;
        }
        if (put(c, (char)ch) < 0)
            return -ENOMEM;
        advance(c);
    }
    while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
        advance(c);
    if (!at_eol(c) && peek(c, 0) != ',') {
        pd_csv_error(c, c->line, c->col, "unexpected text after a closing quote");
        return -EINVAL;
    }
    return 0;
}

static int plain_field(struct pd_csv *c)
{
    size_t start = c->used;
    while (!at_eol(c) && peek(c, 0) != ',') {
        if (peek(c, 0) == '"') {
            pd_csv_error(c, c->line, c->col,
                         "quote inside an unquoted field (quote the whole field and double the "
                         "quotes inside it)");
            return -EINVAL;
        }
        if (put(c, c->buf[c->pos]) < 0)
            return -ENOMEM;
        advance(c);
    }
    while (c->used > start && (c->scratch[c->used - 1] == ' ' || c->scratch[c->used - 1] == '\t'))
        c->used--;
    return 0;
}

int pd_csv_read_row(struct pd_csv *c)
{
    for (;;) {
        if (c->pos >= c->len)
            return 0;
        size_t p = c->pos;
        while (p < c->len && (c->buf[p] == ' ' || c->buf[p] == '\t'))
            p++;
        int blank = p == c->len || c->buf[p] == '\n' ||
                    (c->buf[p] == '\r' && p + 1 < c->len && c->buf[p + 1] == '\n');
        if (!blank && c->buf[c->pos] != '#')
            break;
        skip_line(c);
    }
    c->used = 0;
    c->n_fields = 0;
    c->row_line = c->line;
    c->row_start = c->pos;
    for (;;) {
        while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
            advance(c);
        int rc = begin_field(c);
        if (rc == 0)
            rc = peek(c, 0) == '"' ? quoted_field(c) : plain_field(c);
        if (rc == 0)
            rc = put(c, '\0');
        if (rc < 0) {
            if (rc == -EINVAL)
                skip_line(c);
            return rc;
        }
        if (peek(c, 0) != ',')
            break;
        advance(c);
    }
    skip_eol(c);
    c->row_end = c->pos;
    return 1;
}

const char *pd_csv_field(const struct pd_csv *c, size_t i)
{
    return c->scratch + c->fields[i].off;
}

struct pd_mark pd_csv_mark(const struct pd_csv *c, size_t i)
{
    if (i >= c->n_fields)
        return (struct pd_mark){.file = c->file, .line = c->row_line, .col = 1};
    return (struct pd_mark){.file = c->file, .line = c->fields[i].line, .col = c->fields[i].col};
}

int pd_csv_open(struct pd_csv *c, const char *file, const char *buf, size_t len, char *err,
                size_t errlen)
{
    size_t bad;
    *c = (struct pd_csv){
        .file = file, .buf = buf, .len = len, .line = 1, .col = 1, .err = err, .errlen = errlen};
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        c->pos = 3;
    if (pd_utf8_valid(buf + c->pos, len - c->pos, &bad))
        return 0;
    bad += c->pos;
    for (size_t i = c->pos; i < bad; i++) {
        c->line += buf[i] == '\n';
        c->col = buf[i] == '\n' ? 1 : c->col + (((unsigned char)buf[i] & 0xc0) != 0x80);
    }
    pd_csv_error(c, c->line, c->col,
                 buf[bad] ? "invalid UTF-8 (save the file as UTF-8)" : "NUL byte in the text");
    return -EINVAL;
}

int pd_csv_columns(struct pd_csv *c, const char *const *names, unsigned required, int *column)
{
    size_t n_names = 0;
    char expected[256] = "";
    size_t used = 0;
    while (names[n_names]) {
        if (used < sizeof(expected))
            used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%s",
                                     n_names ? ", " : "", names[n_names]);
        n_names++;
    }
    unsigned seen = 0;
    int rc = 0;
    for (size_t i = 0; i < c->n_fields; i++) {
        const char *name = pd_csv_field(c, i);
        struct pd_mark at = pd_csv_mark(c, i);
        column[i] = -1;
        for (size_t f = 0; f < n_names; f++)
            if (strcasecmp(name, names[f]) == 0)
                column[i] = (int)f;
        if (column[i] < 0) {
            pd_error_at(c->err, c->errlen, &at, "unknown column '%s' (expected: %s)", name,
                        expected);
            rc = -EINVAL;
        } else if (seen & (1u << column[i])) {
            pd_error_at(c->err, c->errlen, &at, "column '%s' appears twice", name);
            rc = -EINVAL;
        }
        if (column[i] >= 0)
            seen |= 1u << column[i];
    }
    for (size_t f = 0; f < n_names; f++) {
        if ((required & (1u << f)) && !(seen & (1u << f))) {
            struct pd_mark at = {.file = c->file, .line = c->row_line, .col = 1};
            pd_error_at(c->err, c->errlen, &at, "missing column '%s' (expected: %s)", names[f],
                        expected);
            rc = -EINVAL;
        }
    }
    return rc;
}

void pd_csv_close(struct pd_csv *c)
{
    free(c->scratch);
    free(c->fields);
    c->scratch = NULL;
    c->fields = NULL;
}
